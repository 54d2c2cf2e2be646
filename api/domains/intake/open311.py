"""Open311 GeoReport v2 facade at /open311/v2/: services from the category catalogue, service
requests onto event intake, so existing civic clients (311 apps, FixMyStreet-style front ends)
work unchanged.

JSON (`.json`, or no suffix) or the spec's XML (`.xml`).
jurisdiction_id is optional and, when given, must be a city code of this installation.
Deviation from the spec, on purpose: reading service requests needs an integration's api_key too
(events carry personal data), and shows the events of that key's region."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import orjson
from python_multipart.exceptions import MultipartParseError
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from tortoise.expressions import Q

from api import clock, phones
from api.auth import Principal
from api.bounds import RANGE_TEXT, column, within_range, xml_text
from api.domains.accounts.service import principal_for_api_key
from api.domains.engagement import routing
from api.domains.engagement.enums import Channel
from api.domains.engagement.service import NOTES_SHOWN
from api.domains.events import service as events
from api.domains.events.enums import OPEN_STATUSES, EventStatus, Priority, Source
from api.domains.events.models import Attachment, Category, Event, TimelineEntry
from api.domains.hierarchy.models import Department, Region
from api.domains.intake.service import PERMISSION, region_for
from api.errors import DomainError, NotAllowed, NotFound, Unauthenticated
from api.i18n import _, render
from api.language import negotiate
from api.regions import Level
from api.settings import get_settings

MAX_REQUESTS = 100
MAX_SPAN = timedelta(days=90)
MAX_DESCRIPTION = 4000
URGENCY_NAMES = {Priority.NORMAL: "一般", Priority.URGENT: "紧急", Priority.MAJOR: "重大"}
CLOSED_STATUSES = frozenset(EventStatus) - OPEN_STATUSES


class Open311Error(Exception):
    """Answered as [{"code": status, "description": message}] with that HTTP status."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# XML element names of the spec: the root of each response and the name of its items.
XML_ITEMS = {"services": "service", "service_requests": "request", "errors": "error"}
XML_CHILDREN = {"attributes": "attribute", "values": "value"}


def _xml_value(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _xml_value(ElementTree.SubElement(element, key), child)
    elif isinstance(value, list):
        for item in value:
            _xml_value(ElementTree.SubElement(element, XML_CHILDREN[element.tag]), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = xml_text(str(value))  # a stored text may hold characters XML forbids


def _render(request: Request, body: Any, root: str, status: int = 200) -> Response:
    """JSON, or the spec's XML when the resource was asked for as .xml."""
    if not request.url.path.endswith(".xml"):
        return Response(
            orjson.dumps(body), status_code=status, media_type="application/json; charset=utf-8"
        )
    element = ElementTree.Element(root)
    if isinstance(body, list):
        for item in body:
            _xml_value(ElementTree.SubElement(element, XML_ITEMS[root]), item)
    else:
        _xml_value(element, body)
    document = ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)
    return Response(document, status_code=status, media_type="text/xml; charset=utf-8")


def _error(request: Request, error: Open311Error) -> Response:
    # our message in the language the request asks for, else the deployment's (api/i18n.py)
    language = negotiate(request.headers.get("accept-language"), get_settings().gridgov_language)
    description = render(error.description, language)
    return _render(
        request, [{"code": error.status, "description": description}], "errors", error.status
    )


def _split_format(name: str) -> str:
    """The resource name without its format suffix (.json or .xml)."""
    stem, dot, suffix = name.rpartition(".")
    return stem if dot and suffix.lower() in {"json", "xml"} else name


def _check_format(request: Request) -> None:
    """/services.json, /requests.xml (or no suffix); any other suffix is not a resource."""
    suffix = request.path_params.get("format", "json")
    if suffix not in {"json", "xml"}:
        raise Open311Error(404, _("unknown format {suffix}: use json or xml", suffix=suffix))


# The longest value of each parameter: the column it lands in or is compared with (a longer
# one could match nothing, and tortoise refuses it as an internal error), else a plain cap.
def _lengths() -> dict[str, int]:
    return {
        "jurisdiction_id": column(Region, "code"),
        "service_code": column(Category, "key"),
        "service_request_id": column(Event, "case_number"),
        "attribute[title]": column(Event, "title"),
        "address_string": column(Event, "address"),
        "first_name": column(Event, "citizen_name"),
        "last_name": column(Event, "citizen_name"),
        "description": MAX_DESCRIPTION,
    }


MAX_PARAMETER = 200  # any other parameter: keys, dates, numbers, phones, ids


def _text(params: Any, name: str, *, limit: int | None = None) -> str:
    """A parameter's text, trimmed; a file part where text belongs counts as absent."""
    value = params.get(name)
    if not isinstance(value, str):
        return ""
    return _bounded_text(value, name, limit or _lengths().get(name, MAX_PARAMETER)).strip()


def _bounded_text(value: str, name: str, limit: int) -> str:
    if "\x00" in value:  # PostgreSQL stores no NUL: the client's error, not the database's
        raise Open311Error(400, _("{name} must not contain the NUL character", name=name))
    if len(value.strip()) > limit:
        raise Open311Error(400, _("{name} is at most {limit} characters", name=name, limit=limit))
    return value


def _path_name(request: Request, name: str) -> str:
    """The resource named in the path (a service code, a case number), bounded like the
    parameter of that name."""
    return _bounded_text(_split_format(request.path_params["name"]), name, _lengths()[name]).strip()


async def _check_jurisdiction(params: Any) -> None:
    jurisdiction = _text(params, "jurisdiction_id")
    if jurisdiction and not await Region.exists(
        code=jurisdiction, level=Level.CITY, is_active=True
    ):
        raise Open311Error(
            404, _("jurisdiction_id {jurisdiction} not found", jurisdiction=jurisdiction)
        )


async def _integration(request: Request, params: Any) -> Principal:
    key = _text(params, "api_key") or request.headers.get("x-api-key", "").strip()
    if not key:
        raise Open311Error(400, _("api_key was not provided"))
    try:
        return await principal_for_api_key(key)
    except Unauthenticated as error:
        raise Open311Error(403, _("invalid api_key")) from error


def _handled(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except Open311Error as error:
            return _error(request, error)
        except NotFound as error:
            return _error(request, Open311Error(404, error.message))
        except NotAllowed as error:
            return _error(request, Open311Error(403, error.message))
        except DomainError as error:
            message = error.message
            if error.field:
                message = _("{message} ({field})", message=message, field=error.field)
            return _error(request, Open311Error(400, message))

    return endpoint


# ---------------------------------------------------------------- services


def _service(category: Category, groups: dict[str, str]) -> dict[str, Any]:
    group = groups.get(category.parent_key or "", "")
    return {
        "service_code": category.key,
        "service_name": category.name,
        "description": f"{group} / {category.name}" if group else category.name,
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(filter(None, [category.name, group, category.scheme.value])),
        "group": group,
    }


async def list_services(request: Request) -> Response:
    _check_format(request)
    await _check_jurisdiction(request.query_params)
    categories = await Category.filter(is_active=True).order_by("key")
    groups = {c.key: c.name for c in categories if c.parent_key is None}
    services = [_service(c, groups) for c in categories if c.parent_key is not None]
    return _render(request, services, "services")


def service_definition_of(code: str) -> dict[str, Any]:
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "normal unless lives or property are at risk",
                "order": 1,
                "description": "How urgent is it? (紧急程度)",
                "values": [{"key": p.value, "name": name} for p, name in URGENCY_NAMES.items()],
            },
            {
                "variable": True,
                "code": "title",
                "datatype": "string",
                "required": False,
                "datatype_description": "at most 200 characters",
                "order": 2,
                "description": "A short title; the first line of the description if omitted.",
                "values": [],
            },
        ],
    }


async def service_definition(request: Request) -> Response:
    code = _path_name(request, "service_code")
    await _check_jurisdiction(request.query_params)
    category = await Category.get_or_none(key=code, is_active=True)
    if category is None or category.parent_key is None:
        raise Open311Error(404, _("service_code {code} not found", code=code))
    return _render(request, service_definition_of(code), "service_definition")


# ---------------------------------------------------------------- requests


def _float(params: Any, name: str) -> float | None:
    raw = _text(params, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as error:
        raise Open311Error(400, _("{name} must be a number", name=name)) from error
    bound = 90 if name == "lat" else 180
    if not math.isfinite(value) or abs(value) > bound:
        raise Open311Error(
            400, _("{name} must be a number from -{bound} to {bound}", name=name, bound=bound)
        )
    return value


async def create_request(request: Request) -> Response:
    _check_format(request)
    try:
        form = await request.form()
    except (HTTPException, MultiPartException, MultipartParseError, ValueError) as error:
        raise Open311Error(400, _("the body is not a well-formed form")) from error
    await _check_jurisdiction(form)
    principal = await _integration(request, form)
    code = _text(form, "service_code")
    if not code:
        raise Open311Error(400, _("service_code was not provided"))
    category = await Category.get_or_none(key=code, is_active=True)
    if category is None or category.parent_key is None:
        raise Open311Error(404, _("service_code {code} not found", code=code))
    lat, lng = _float(form, "lat"), _float(form, "long")
    address = _text(form, "address_string") or None
    if (lat is None or lng is None) and not address and not _text(form, "address_id"):
        raise Open311Error(400, _("give a location: lat and long, or address_string"))
    description = _text(form, "description")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(
            400,
            _(
                "description is at most {MAX_DESCRIPTION} characters",
                MAX_DESCRIPTION=MAX_DESCRIPTION,
            ),
        )
    urgency_raw = (_text(form, "attribute[urgency]") or Priority.NORMAL.value).lower()
    if urgency_raw not in {p.value for p in Priority}:
        raise Open311Error(400, _("attribute[urgency] must be normal, urgent or major"))
    title = (
        _text(form, "attribute[title]")
        or (description.splitlines()[0][:50] if description else "")
        or category.name
    )
    name = " ".join(filter(None, [_text(form, "last_name"), _text(form, "first_name")]))
    phone_raw = _text(form, "phone")
    event = await events.report(
        actor=principal,
        data=events.ReportInput(
            title=title,
            description=description,
            category_key=code,
            source=Source.CITIZEN,
            priority=Priority(urgency_raw),
            region_code=await region_for(principal, lat, lng, address),
            lat=lat if lng is not None else None,
            lng=lng if lat is not None else None,
            address=address,
            citizen_name=name[:50] or None,
            citizen_phone=phones.normalise(phone_raw) if phone_raw else None,
            route=await routing.router(Channel.OPEN311),
        ),
        permission=PERMISSION,
    )
    return _render(
        request,
        [
            {
                "service_request_id": event.case_number,
                "service_notice": f"受理 {event.case_number}: 由 {event.handling_region_code} 处置",
                "account_id": None,
            }
        ],
        "service_requests",
    )


def _parse_time(params: Any, name: str) -> datetime | None:
    raw = _text(params, name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise Open311Error(
            400, _("{name} must be a w3 date-time, e.g. 2010-01-01T00:00:00Z", name=name)
        ) from error
    if value.tzinfo is None:
        raise Open311Error(400, _("{name} needs a time zone (Z or ±hh:mm)", name=name))
    if not within_range(value):
        raise Open311Error(
            400, _("{name} must lie from {RANGE_TEXT}", name=name, RANGE_TEXT=RANGE_TEXT)
        )
    return value


def _listed(params: Any, name: str) -> list[str]:
    """A comma-separated parameter, each item bounded like the parameter of that name."""
    limit = _lengths().get(name, MAX_PARAMETER)
    parts = [
        part.strip() for part in _text(params, name, limit=(limit + 1) * MAX_REQUESTS).split(",")
    ]
    return [_bounded_text(part, name, limit) for part in parts if part]


async def _represent(rows: Sequence[Event], base_url: str) -> list[dict[str, Any]]:
    """The spec's fields for each event, with one query per related kind, not per row."""
    ids = [row.id for row in rows]
    notes: dict[str, str] = {}
    for entry in (
        await TimelineEntry.filter(event_id__in=ids, action__in=list(NOTES_SHOWN))
        .exclude(note="")
        .order_by("id")
    ):
        notes[str(entry.event_id)] = entry.note
    media: dict[str, uuid.UUID] = {}
    for file in await Attachment.filter(event_id__in=ids).order_by("-created_at"):
        media[str(file.event_id)] = file.id
    categories = dict(
        await Category.filter(key__in=[r.category_key for r in rows]).values_list("key", "name")
    )
    departments = dict(
        await Department.filter(
            id__in=[r.assignee_department_id for r in rows if r.assignee_department_id]
        ).values_list("id", "name")
    )
    regions = dict(
        await Region.filter(code__in=[r.handling_region_code for r in rows]).values_list(
            "code", "name"
        )
    )
    represented = []
    for event in rows:
        closed = event.status in CLOSED_STATUSES
        media_id = media.get(str(event.id))
        represented.append(
            {
                "service_request_id": event.case_number,
                "status": "closed" if closed else "open",
                "status_notes": notes.get(str(event.id)),
                "service_name": categories.get(event.category_key),
                "service_code": event.category_key,
                "description": event.description or None,
                "agency_responsible": departments.get(event.assignee_department_id)
                or regions.get(event.handling_region_code),
                "service_notice": None,
                "requested_datetime": event.reported_at.isoformat(),
                "updated_datetime": event.updated_at.isoformat(),
                "expected_datetime": None
                if closed or event.due_at is None
                else event.due_at.isoformat(),
                "address": event.address,
                "address_id": None,
                "zipcode": None,
                "lat": event.lat,
                "long": event.lng,
                "media_url": f"{base_url}attachments/{media_id}" if media_id else None,
            }
        )
    return represented


async def list_requests(request: Request) -> Response:
    _check_format(request)
    params = request.query_params
    await _check_jurisdiction(params)
    principal = await _integration(request, params)
    query = Event.filter(events.readable_events(principal))
    wanted = _listed(params, "service_request_id")
    if wanted:
        query = query.filter(case_number__in=wanted[:MAX_REQUESTS])
    else:
        codes = _listed(params, "service_code")
        if codes:
            query = query.filter(category_key__in=codes)
        statuses = _listed(params, "status")
        if any(s not in {"open", "closed"} for s in statuses):
            raise Open311Error(400, _("status is open or closed"))
        if set(statuses) == {"open"}:
            query = query.filter(status__in=list(OPEN_STATUSES))
        elif set(statuses) == {"closed"}:
            query = query.filter(status__in=list(CLOSED_STATUSES))
        start, end = _parse_time(params, "start_date"), _parse_time(params, "end_date")
        end = end or (start + MAX_SPAN if start else clock.now())
        start = start or end - MAX_SPAN
        if start > end or end - start > MAX_SPAN:
            raise Open311Error(400, _("start_date to end_date may span at most 90 days"))
        query = query.filter(reported_at__gte=start, reported_at__lte=end)
    # The newest 100; a client pages back by passing the oldest requested_datetime as end_date.
    rows = await query.order_by("-reported_at", "-id").limit(MAX_REQUESTS)
    return _render(request, await _represent(rows, str(request.base_url)), "service_requests")


async def get_request(request: Request) -> Response:
    case_number = _path_name(request, "service_request_id")
    params = request.query_params
    await _check_jurisdiction(params)
    principal = await _integration(request, params)
    event = await Event.filter(
        events.readable_events(principal) & Q(case_number=case_number)
    ).first()
    if event is None:
        raise Open311Error(
            404, _("service_request_id {case_number} not found", case_number=case_number)
        )
    return _render(request, await _represent([event], str(request.base_url)), "service_requests")


def routes() -> list[BaseRoute]:
    """Mounted at /open311/v2 by api/app.py."""
    return [
        Route("/services", _handled(list_services), methods=["GET"]),
        Route("/services.{format}", _handled(list_services), methods=["GET"]),
        Route("/services/{name:path}", _handled(service_definition), methods=["GET"]),
        Route("/requests", _handled(list_requests), methods=["GET"]),
        Route("/requests", _handled(create_request), methods=["POST"]),
        Route("/requests.{format}", _handled(list_requests), methods=["GET"]),
        Route("/requests.{format}", _handled(create_request), methods=["POST"]),
        Route("/requests/{name:path}", _handled(get_request), methods=["GET"]),
    ]
