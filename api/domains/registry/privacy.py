"""Masking of personal data (ID numbers, phones, document numbers) and who may see it whole."""

from __future__ import annotations

from typing import Final

from redis.asyncio import Redis

from api.auth import Principal
from api.errors import RateLimited
from api.i18n import _
from api.masking import mask as mask  # every record masks as the registry does
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


def may_read_sensitive(actor: Principal, region_code: str) -> bool:
    return can(actor.assignments, "person", "read_sensitive", at=region_code)


def may_read_special_groups(actor: Principal, region_code: str) -> bool:
    return can(actor.assignments, "special_group", "read", at=region_code)


def may_read_enrolments(actor: Principal, region_code: str) -> bool:
    """Programme enrolments (低保, 特困 …) are as sensitive as special groups: their own right."""
    return can(actor.assignments, "enrolment", "read", at=region_code)


# A reader who sees ID numbers masked may still look a person up by a whole number (a grid
# worker checking a resident's card at the door), but each lookup is a yes/no answer about a
# number they cannot see: with the age the record shows, about 33 candidates remain for a masked
# number, so unbounded lookups would rebuild it. An hour's allowance covers a day of door-to-door
# checks at the usual pace, stops the enumeration of many numbers, and every lookup is audited.
WHOLE_ID_LOOKUPS_PER_HOUR: Final = 60


def sees_numbers_masked(actor: Principal) -> bool:
    """True when none of the caller's assignments shows identifiers whole."""
    return not any(may_read_sensitive(actor, a.region_code) for a in actor.assignments)


async def count_whole_id_lookup(actor: Principal, redis: Redis) -> None:
    """Count a masked reader's lookup by a whole ID number; refuse past the hourly allowance."""
    key = f"gridgov:id-lookups:{actor.user_id or actor.api_key_id}"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=3600, nx=True)  # the window starts at the first lookup
        pipe.incr(key)
        _unused, done = await pipe.execute()
    if int(done) > WHOLE_ID_LOOKUPS_PER_HOUR:
        raise RateLimited(
            _("too many lookups by ID number; try again later"),
            retry_after_seconds=max(int(await redis.ttl(key)), 1),
        )
