"""Registry mutations for grid workers' apps: register, update, move, deregister, one module per
kind of record. Each returns the record or a typed error naming the field at fault (and then
nothing was written)."""

from __future__ import annotations

import strawberry

from schema.registry.mutations.buildings import BuildingsMutation
from schema.registry.mutations.code_tables import CodeTablesMutation
from schema.registry.mutations.enrolments import EnrolmentsMutation
from schema.registry.mutations.households import HouseholdsMutation
from schema.registry.mutations.houses import HousesMutation
from schema.registry.mutations.organisations import OrganisationsMutation
from schema.registry.mutations.party import PartyMutation
from schema.registry.mutations.people import PeopleMutation
from schema.registry.mutations.records import RecordsMutation
from schema.registry.mutations.special_groups import SpecialGroupsMutation


# The order of the bases is the order of the fields in the committed SDL.
@strawberry.type
class RegistryMutation(
    HouseholdsMutation,
    PeopleMutation,
    BuildingsMutation,
    HousesMutation,
    OrganisationsMutation,
    SpecialGroupsMutation,
    EnrolmentsMutation,
    PartyMutation,
    RecordsMutation,
    CodeTablesMutation,
):
    pass


__all__ = ["RegistryMutation"]
