"""On-site verification (现场核查): for categories whose results are checked where they happened
(`Category.verification`, data a city edits), the leader of the event's grid verifies a
department's result on site, with photos, a position and a verdict. The position is compared
with the event's location: the distance is stored with the check, and a check recorded farther
away than the configured limit (`GRIDGOV_SITE_CHECK_MAX_METRES`) is refused."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from api import clock, geo
from api.auth import Principal
from api.domains.accounts.enums import Role
from api.domains.events.enums import Verification
from api.domains.events.inputs import MAX_NOTE, clean
from api.domains.events.models import Attachment, Category, Event, SiteCheck
from api.domains.notices import service as notices
from api.errors import ErrorCode, NotAllowed, NotFound, PermissionDenied, ValidationFailed
from api.flows.holders import holders_of
from api.i18n import _
from api.query import rows_by_record
from api.regions import Level, ancestor_at
from api.settings import get_settings
from policies.enforcer import authorize

MAX_PHOTOS = 9


@dataclass(frozen=True, slots=True)
class SiteCheckInput:
    """What the leader records on site: the verdict, the reason (required on a failure), where
    they stand (WGS-84) and the photos already attached to the event."""

    passed: bool
    lat: float
    lng: float
    note: str = ""
    attachment_ids: Sequence[uuid.UUID] = field(default_factory=tuple)


def check_input(check: SiteCheckInput) -> str:
    """The check's note, once its fields are bounded (before any row is read)."""
    geo.check_point(check.lat, check.lng, field="location")
    if len(check.attachment_ids) > MAX_PHOTOS:
        raise ValidationFailed(
            _("at most {MAX_PHOTOS} photos", MAX_PHOTOS=MAX_PHOTOS), field="attachmentIds"
        )
    return clean(check.note, field="note", limit=MAX_NOTE, required=not check.passed)


async def mode_of(event: Event) -> Verification:
    """How the event's category has its results verified (desk unless it says otherwise)."""
    mode = (
        await Category.filter(key=event.category_key).first().values_list("verification", flat=True)
    )
    return Verification(str(mode)) if mode else Verification.DESK


def verifier_place(event: Event) -> tuple[Role, str] | None:
    """Who checks on site: the grid leader of the event's grid; for an event placed at a
    community with no grid, that community's staff; above that, nobody on site."""
    level = Level.of_code(event.region_code)
    if level is Level.GRID:
        return Role.GRID_LEADER, event.region_code
    if level is Level.COMMUNITY:
        return Role.COMMUNITY_STAFF, ancestor_at(event.region_code, Level.COMMUNITY)
    return None


async def verifiers_of(events: Sequence[Event]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Who verifies each of these events on site (those of on-site categories only), for a
    batch in two queries: the task's holders are told of it and of its deadline."""
    keys = {event.category_key for event in events}
    on_site = set(
        await Category.filter(key__in=list(keys), verification=Verification.ON_SITE).values_list(
            "key", flat=True
        )
    )
    places = {
        event.id: (place[0].value, place[1])
        for event in events
        if event.category_key in on_site and (place := verifier_place(event)) is not None
    }
    holders = await holders_of(places.values())
    return {event_id: list(holders.get(place, ())) for event_id, place in places.items()}


async def tell_verifiers(event: Event) -> None:
    """A result of an on-site category is in: its verifiers get the task (现场核查)."""
    users = (await verifiers_of([event])).get(event.id, [])
    await notices.notify(
        user_ids=users,
        kind="site_check",
        title=_(
            "Site check {case_number}: {title}", case_number=event.case_number, title=event.title
        ),
        body=_("The result of the handling is reported; please check it on site"),
        region_code=event.region_code,
        event_id=event.id,
    )


def authorize_verifier(actor: Principal, event: Event) -> None:
    """Only the leader of the event's own grid (policy `verify_on_site` where it happened)."""
    place = verifier_place(event)
    holds = place is not None and any(
        a.role == place[0].value and a.region_code == place[1] for a in actor.assignments
    )
    try:
        authorize(actor.assignments, "event", "verify_on_site", at=event.region_code)
    except (NotFound, PermissionDenied):
        holds = False
    if not holds:
        raise NotAllowed(_("only the leader of the event's grid may verify it on site"))


async def record(*, actor: Principal, event: Event, check: SiteCheckInput) -> SiteCheck:
    """Write the check (inside the verification's transaction, the event locked): a category
    verified on site, photos of this event, a position within the limit of its location."""
    if await mode_of(event) is not Verification.ON_SITE:
        raise NotAllowed(_("this category's results are verified at the centre's desk"))
    wanted = {str(i) for i in check.attachment_ids}
    if wanted:
        found = await Attachment.filter(id__in=list(wanted), event_id=event.id).values_list(
            "id", flat=True
        )
        if len(found) != len(wanted):
            missing = sorted(wanted - {str(i) for i in found})[0]
            raise NotFound("attachment", missing, field="attachmentIds")
    distance = None
    if event.lat is not None and event.lng is not None:
        distance = round(geo.distance_m(check.lat, check.lng, event.lat, event.lng), 1)
        limit = get_settings().gridgov_site_check_max_metres
        if distance > limit:
            raise ValidationFailed(
                _(
                    "the check was recorded {distance:.0f} m from the event (at most {limit:.0f} m)",
                    distance=distance,
                    limit=limit,
                ),
                field="location",
                code=ErrorCode.OUTSIDE_AREA,
            )
    return await SiteCheck.create(
        event_id=event.id,
        verifier_id=actor.user_id,
        verifier_label=actor.label[:100],
        passed=check.passed,
        note=check.note.strip(),
        lat=check.lat,
        lng=check.lng,
        distance_m=distance,
        attachment_ids=sorted(wanted),
        at=clock.now(),
    )


async def checks_of(event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SiteCheck]]:
    """Each event's on-site checks, oldest first."""
    return await rows_by_record(SiteCheck.all().order_by("id"), event_ids, "event_id")
