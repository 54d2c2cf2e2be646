"""Public warnings as OASIS CAP 1.2 documents (alert → info → area), written with ElementTree.

The identifier follows GB/T 35965.1's pattern: the issuer's region code (12 digits), the time
of issue (yyyyMMddHHmmss, China time) and a sequence of the issuer's day (4 digits). An Update
or Cancel refers to the incident's previous alert (`references`)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise import connections

from api import outbox
from api.auth import Principal
from api.domains.emergencies import reference
from api.domains.emergencies.enums import (
    CapMessageType,
    IncidentAction,
    IncidentStatus,
    ResponseLevel,
)
from api.domains.emergencies.flow import INCIDENTS
from api.domains.emergencies.models import CapAlert, Incident
from api.domains.emergencies.scope import check, readable
from api.domains.hierarchy.models import Region
from api.errors import Conflict, ErrorCode, ValidationFailed
from api.flows import moves as flows
from api.flows.calendar import LOCAL
from api.i18n import _

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
# the outbox topic of issued alerts: webhooks deliver them to the channels that reach citizens
# (WeChat, SMS gateways, the city's app), which read `status` (Exercise for a drill)
PUBLIC_ALERTS = "public_alert"
SENDER_DOMAIN = "gridgov"
SEVERITY = {
    ResponseLevel.I: "Extreme",
    ResponseLevel.II: "Severe",
    ResponseLevel.III: "Moderate",
    ResponseLevel.IV: "Minor",
}


@dataclass(frozen=True)
class AlertInput:
    msg_type: CapMessageType
    headline: str
    description: str
    instruction: str
    expires_at: datetime | None = None


def _sent(moment: datetime) -> str:
    """CAP's dateTime: seconds, an explicit offset, no fraction (the schema's pattern)."""
    return moment.astimezone(LOCAL).replace(microsecond=0).isoformat()


def _sender(region_code: str) -> str:
    return f"{region_code}@{SENDER_DOMAIN}"


async def _identifier(region_code: str, now: datetime) -> str:
    issuer = region_code.ljust(12, "0")
    day = now.astimezone(LOCAL).date()
    rows = await connections.get("default").execute_query_dict(
        "INSERT INTO case_counters (region_code, day, last_number) VALUES ($1, $2, 1) "
        "ON CONFLICT (region_code, day) DO UPDATE SET last_number = case_counters.last_number + 1 "
        "RETURNING last_number",
        [f"CAP{region_code}", day],
    )
    return f"{issuer}{now.astimezone(LOCAL):%Y%m%d%H%M%S}{rows[0]['last_number']:04d}"


def _polygon_text(area: dict[str, object] | None) -> str | None:
    """CAP's polygon: "lat,lon" pairs of the outer ring, first equal to last."""
    if not area:
        return None
    ring = area["coordinates"][0]  # type: ignore[index]
    return " ".join(f"{lat},{lng}" for lng, lat, *_unused in ring)


def document(
    incident: Incident,
    data: AlertInput,
    *,
    sender: str,
    identifier: str,
    sent: datetime,
    region_name: str,
    previous: CapAlert | None,
) -> str:
    """The CAP 1.2 XML of a warning about `incident`."""
    ET.register_namespace("", NAMESPACE)

    def add(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
        element = ET.SubElement(parent, f"{{{NAMESPACE}}}{name}")
        if text is not None:
            element.text = text
        return element

    alert = ET.Element(f"{{{NAMESPACE}}}alert")
    add(alert, "identifier", identifier)
    add(alert, "sender", sender)
    add(alert, "sent", _sent(sent))
    add(alert, "status", "Exercise" if incident.drill else "Actual")
    add(alert, "msgType", data.msg_type.value)
    add(alert, "scope", "Public")
    if incident.drill:
        add(alert, "note", "演练 (exercise): not a real emergency")
    if previous is not None:
        add(
            alert,
            "references",
            f"{previous.sender},{previous.identifier},{_sent(previous.sent_at)}",
        )
    add(alert, "incidents", incident.number)
    kind = reference.emergency_type(incident.type_code)
    info = add(alert, "info")
    add(info, "language", "zh-CN")
    add(info, "category", kind.cap_category)
    add(info, "event", kind.name)
    add(info, "responseType", "AllClear" if data.msg_type is CapMessageType.CANCEL else "Monitor")
    add(info, "urgency", "Past" if data.msg_type is CapMessageType.CANCEL else "Immediate")
    level = ResponseLevel(incident.level) if incident.level else ResponseLevel.IV
    add(info, "severity", SEVERITY[level])
    add(info, "certainty", "Observed")
    add(info, "effective", _sent(sent))
    if data.expires_at is not None:
        add(info, "expires", _sent(data.expires_at))
    add(info, "senderName", f"{region_name}应急指挥中心")
    add(info, "headline", data.headline)
    add(info, "description", data.description)
    add(info, "instruction", data.instruction)
    parameter = add(info, "parameter")
    add(parameter, "valueName", "responseLevel")
    add(parameter, "value", level.value)
    area = add(info, "area")
    add(area, "areaDesc", incident.address or region_name)
    polygon = _polygon_text(incident.affected_area)
    if polygon is not None:
        add(area, "polygon", polygon)
    geocode = add(area, "geocode")
    add(geocode, "valueName", "GB/T 2260")
    add(geocode, "value", incident.region_code)
    return ET.tostring(alert, encoding="unicode", xml_declaration=True)


def _text(value: str, *, field: str, limit: int) -> str:
    text = value.strip()
    if not text or len(text) > limit or "\x00" in text:
        raise ValidationFailed(
            _("{field} must be 1–{limit} characters", field=field, limit=limit), field=field
        )
    return text


async def issue_alert(*, actor: Principal, incident_id: uuid.UUID, data: AlertInput) -> CapAlert:
    """预警发布: the incident's public warning as a CAP 1.2 document, kept as issued. A draft
    (an incident still being verified, or dismissed) has none."""
    headline = _text(data.headline, field="headline", limit=160)
    description = _text(data.description, field="description", limit=4000)
    instruction = _text(data.instruction, field="instruction", limit=2000)
    data = AlertInput(data.msg_type, headline, description, instruction, data.expires_at)
    current = await Incident.filter(readable(actor), id=incident_id).first()
    if current is not None and current.status in (
        IncidentStatus.VERIFYING,
        IncidentStatus.DISMISSED,
    ):
        raise Conflict(
            _(
                "incident {number} is {status}: a draft has no public warning",
                number=current.number,
                status=current.status,
            ),
            code=ErrorCode.INVALID_TRANSITION,
        )
    async with flows.transition(
        INCIDENTS,
        actor=actor,
        record_id=incident_id,
        action=IncidentAction.ISSUE_ALERT,
        scope=readable(actor),
        authorize=lambda incident: check(actor, "command", at=incident.region_code),
    ) as move:
        incident = move.record
        previous = await CapAlert.filter(incident_id=incident.id).order_by("-sent_at").first()
        if data.msg_type is not CapMessageType.ALERT and previous is None:
            raise ValidationFailed(_("an Update or Cancel follows an Alert"), field="msgType")
        if previous is not None and previous.msg_type == CapMessageType.CANCEL.value:
            raise Conflict(_("the warning was cancelled"), code=ErrorCode.INVALID_TRANSITION)
        if data.msg_type is CapMessageType.ALERT and previous is not None:
            raise ValidationFailed(_("the incident has an alert: send an Update"), field="msgType")
        if data.expires_at is not None and data.expires_at <= move.now:
            raise ValidationFailed(_("expiresAt is in the past"), field="expiresAt")
        region = await Region.get_or_none(code=incident.region_code)
        # the issuer: the caller's centre over the incident (the one that may command it)
        issuer = next(
            a.region_code
            for a in actor.assignments
            if incident.region_code.startswith(a.region_code)
        )
        identifier = await _identifier(issuer, move.now)
        alert = await CapAlert.create(
            id=uuid.uuid4(),
            incident_id=incident.id,
            identifier=identifier,
            sender=_sender(issuer),
            msg_type=data.msg_type.value,
            sent_at=move.now.replace(microsecond=0),
            xml=document(
                incident,
                data,
                sender=_sender(issuer),
                identifier=identifier,
                sent=move.now,
                region_name=region.name if region else incident.region_code,
                previous=previous,
            ),
            created_by_id=actor.user_id,
        )
        move.note = f"CAP {data.msg_type.value} {identifier}: {headline}"
        await outbox.add_many(
            [
                outbox.row(
                    topic=PUBLIC_ALERTS,
                    region_code=incident.region_code,
                    payload={
                        "alert": {
                            "identifier": identifier,
                            "msg_type": alert.msg_type,
                            "status": "Exercise" if incident.drill else "Actual",
                            "incident_number": incident.number,
                            "headline": headline,
                            "cap": alert.xml,
                        }
                    },
                )
            ]
        )
    return alert


async def alerts_of(incident_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[CapAlert]]:
    grouped: dict[uuid.UUID, list[CapAlert]] = {}
    for alert in await CapAlert.filter(incident_id__in=list(incident_ids)).order_by("sent_at"):
        grouped.setdefault(alert.incident_id, []).append(alert)
    return grouped
