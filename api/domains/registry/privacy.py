"""Masking of personal data (ID numbers, phones, document numbers) and who may see it whole."""

from __future__ import annotations

from typing import Final

from api.auth import Principal
from policies.enforcer import can

# Columns holding personal identifiers, whatever the record: masked unless the caller's role
# holds `person.read_sensitive` at the record's region, and every unmasked read is audited.
SENSITIVE_COLUMNS: Final = frozenset(
    {
        "id_number",
        "phone",
        "certificate_number",
        "passport_number",
        "owner_id_number",
        "owner_phone",
        "landlord_id_number",
        "landlord_phone",
        "legal_person_id_number",
        "legal_person_phone",
        "secretary_phone",
        "contact_phone",
    }
)


# Columns that are not identifiers but would give back the masked part of one: the birth date is
# characters 7-14 of the ID number, and beside the masked number's first and last four and the
# record's county it leaves one candidate. Withheld (not masked) wherever the number is masked.
REVEALING_COLUMNS: Final = frozenset({"birth_date"})
WITHHELD: Final = "****-**-**"


def mask(value: str) -> str:
    """Keep the first and last four characters of an identifier (4106**********1234); a phone
    keeps its prefix and last four digits (+86139****5678)."""
    if value.startswith("+86") and len(value) > 10:
        national = value[3:]
        return "+86" + national[:3] + "*" * (len(national) - 7) + national[-4:]
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def may_read_sensitive(actor: Principal, region_code: str) -> bool:
    return can(actor.assignments, "person", "read_sensitive", at=region_code)


def may_read_special_groups(actor: Principal, region_code: str) -> bool:
    return can(actor.assignments, "special_group", "read", at=region_code)
