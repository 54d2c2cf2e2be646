"""A city's mixed load on the API (issue 26): who sends what, how often.

    GRIDGOV_LOAD_SEED=seed.json locust -f tests/load/locustfile.py --host http://127.0.0.1:8000

`tests/load/seed.py` writes the seed file (accounts signed in, the hotline's key, citizens'
phones); `tests/load/run.py` seeds, serves and steps the user count; `test_locustfile.py` runs
this file for seconds in the suite.

Weights: the plan of a city like the bench data set's (`bench-data --scale city`: 6,000 grids,
600 communities, 60 townships, 5 districts, 1.6M people), the people at work at the same time
on a weekday morning:

| class                | in the city at once                                            | weight |
|----------------------|----------------------------------------------------------------|-------:|
| GridWorkerPhone      | one grid worker per grid on patrol: 6,000                      |    600 |
| ConsoleUser          | community staff (600), township centres and district           |     80 |
|                      | departments (~200) paging lists: ~800                          |        |
| CommandCentreScreen  | wall screens of the city, 5 districts, ~60 townships: ~66      |      7 |
| CitizenApp           | citizens in the app at once, 1.6M people at a low adoption:    |     30 |
|                      | ~300                                                           |        |
| HotlineSystem        | the 12345 system: one integration whatever the count           | fixed 1|

Locust deals the weighted classes out in proportion: 100 users are 84 phones, 11 console users,
4 citizens and 1 screen; 1,000 are 836, 111, 42 and 10 — plus the hotline, always one user.
GRIDGOV_LOAD_EQUAL=1 gives every class weight 1 (the suite's few users cover every class).

Pace of each, as the plan has it (GRIDGOV_LOAD_PACE multiplies every wait; the suite runs at
0.02, a 30 s tick in 0.6 s):
- a phone sends its track every 30 s (a batch of six fixes, one per 5 s), looks at its tasks every
  ~5 min and reports an event every ~30 min, half of them followed by a photo (`attachToEvent`,
  a GraphQL multipart request: simple to drive, so it is driven);
- a console user thinks 5–15 s between pages: the events list with filters (most), the registry
  search, the statistics and the dashboard;
- a command-centre screen holds one websocket (graphql-transport-ws) subscribed to `eventChanges`
  of its scope and to its `notices`, and reads the dashboard every minute. What is measured:
  "ws connect+ack" (TCP, upgrade, connection_init → connection_ack, both subscribes sent) as a
  request, and each pushed event change as "ws eventChanges push" whose time is its delay from
  the change's `at` to its arrival (the feed's end-to-end latency: outbox, Redis, fan-out), kept
  apart from the requests' p99 by run.py because it includes the relay's poll, not a request;
- the hotline submits a work order every ~10 s and asks the status of an earlier one between;
- a citizen opens the app (citizenLogin: a password check), sends an appeal (one in three with a
  photo, in the same multipart request) and looks at their appeals, then is gone for 30–90 s.

Every request is named "<class>: <operation>"; a GraphQL `errors` entry or a result whose
`__typename` ends in "Error" is a failure, as is any HTTP status but 200.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, constant, constant_pacing, task

SEED: dict[str, Any] = json.loads(
    Path(os.environ.get("GRIDGOV_LOAD_SEED", "tests/load/seed.json")).read_text()
)
PACE = float(os.environ.get("GRIDGOV_LOAD_PACE", "1"))
# Every class runs its whole repertoire once first (the suite's check that each request works)
SMOKE = os.environ.get("GRIDGOV_LOAD_SMOKE") == "1"
# a 1×1 PNG: the photo's bytes do not matter to the API's cost, its multipart parsing does
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
CENTRE = SEED["centre"]
# a locust user takes the next account of its kind: no two users share one until all are used
_next = {kind: itertools.count() for kind in ("phones", "consoles", "centres", "citizens")}


def account(kind: str) -> Any:
    accounts = SEED[kind]
    return accounts[next(_next[kind]) % len(accounts)]


def paced(seconds: float) -> float:
    return seconds * PACE


def near_centre(spread: float = 0.15) -> dict[str, float]:
    return {
        "lat": round(CENTRE["lat"] + random.uniform(-spread, spread), 6),
        "lng": round(CENTRE["lng"] + random.uniform(-spread, spread), 6),
    }


def now_iso(offset_seconds: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_seconds)).isoformat()


def _failure(body: Any) -> str | None:
    """Why a GraphQL response is a failure, or None."""
    if not isinstance(body, dict):
        return "not a JSON object"
    if body.get("errors"):
        return json.dumps(body["errors"], ensure_ascii=False)[:300]
    for value in (body.get("data") or {}).values():
        if isinstance(value, dict) and str(value.get("__typename", "")).endswith("Error"):
            return json.dumps(value, ensure_ascii=False)[:300]
    return None


def multipart(operations: dict[str, Any], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A GraphQL multipart request (operations, map, then the files), by hand: the spec's three
    parts are all the API reads."""
    boundary = uuid.uuid4().hex
    mapping = {str(i): [path] for i, (path, _) in enumerate(files)}
    parts = [
        ("operations", None, json.dumps(operations, ensure_ascii=False).encode()),
        ("map", None, json.dumps(mapping).encode()),
    ] + [(str(i), f"photo{i}.png", content) for i, (_, content) in enumerate(files)]
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        kind = "image/png" if filename else "application/json"
        body += (
            (
                f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                f"Content-Type: {kind}\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class GraphQLUser(FastHttpUser):
    abstract = True
    label = "user"
    headers: dict[str, str]

    def on_start(self) -> None:
        self.headers = {}

    def gql(
        self,
        operation: str,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        files: list[tuple[str, bytes]] | None = None,
    ) -> dict[str, Any]:
        """Send one operation; returns its `data` ({} on a failure, which locust records)."""
        name = f"{self.label}: {operation}"
        payload = {"query": query, "variables": variables or {}}
        if files:
            body, content_type = multipart(payload, files)
            request: dict[str, Any] = {
                "data": body,
                "headers": {**self.headers, "Content-Type": content_type},
            }
        else:
            request = {"json": payload, "headers": self.headers}
        with self.client.post("/graphql", name=name, catch_response=True, **request) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
                return {}
            try:
                body = response.json()
            except ValueError:
                response.failure("not JSON")
                return {}
            why = _failure(body)
            if why:
                response.failure(why)
                return {}
            return dict(body.get("data") or {})


# ------------------------------------------------------------------ grid worker's phone

POSITIONS = """mutation ($fixes: [PositionFixInput!]!) { reportPositions(fixes: $fixes) {
  __typename ... on PositionBatchPayload { stored repeated rejected { index field } }
  ... on Error { code message } } }"""
REPORT_EVENT = """mutation ($input: ReportEventInput!) { reportEvent(input: $input) {
  __typename ... on EventPayload { event { id caseNumber status } }
  ... on Error { code message field } } }"""
ATTACH = """mutation ($id: ID!, $files: [Upload!]!) { attachToEvent(id: $id, files: $files) {
  __typename ... on EventPayload { event { id } } ... on Error { code message field } } }"""
MY_TASKS = """query { myTasks(first: 20) { pageInfo { hasNextPage endCursor }
  edges { node { uuid caseNumber title status stage dueAt overdue priority address } } } }"""


class GridWorkerPhone(GraphQLUser):
    """A grid worker on patrol: the track every 30 s, tasks, a report now and then."""

    weight = 600
    label = "phone"

    wait_time = constant_pacing(paced(30))

    def on_start(self) -> None:
        signed = account("phones")
        self.headers = {"Authorization": f"Bearer {signed['token']}"}
        self.grid = signed["region"]
        self.place = near_centre()
        # tasks and reports are spread over the phones, not sent by all at the same tick
        self.tick = random.randrange(60)
        if SMOKE:
            self.report_event(photo=True)
            self.my_tasks()
        else:
            # phones send their tracks spread over the 30 s, not all in the instant they spawn
            time.sleep(random.uniform(0, paced(30)))

    @task
    def patrol(self) -> None:
        self.tick += 1
        self.send_track()
        if self.tick % 10 == 0:
            self.my_tasks()
        if self.tick % 60 == 0:
            self.report_event(photo=random.random() < 0.5)

    def send_track(self) -> None:
        # six fixes of the last 30 s, a few metres apart
        fixes = []
        for k in range(6, 0, -1):
            self.place = {
                "lat": round(self.place["lat"] + random.uniform(-2e-4, 2e-4), 6),
                "lng": round(self.place["lng"] + random.uniform(-2e-4, 2e-4), 6),
            }
            fixes.append({**self.place, "accuracy": 8.0, "at": now_iso(-5 * k + 4)})
        self.gql("reportPositions", POSITIONS, {"fixes": fixes})

    def my_tasks(self) -> None:
        self.gql("myTasks", MY_TASKS)

    def report_event(self, *, photo: bool) -> None:
        data = self.gql(
            "reportEvent",
            REPORT_EVENT,
            {
                "input": {
                    "id": str(uuid.uuid4()),
                    "title": "占道经营",
                    "description": "早市摊点占用人行道",
                    "categoryKey": random.choice(SEED["categories"]),
                    "regionCode": self.grid,
                    "location": self.place,
                    "address": "淇河路与黄山路交叉口",
                }
            },
        )
        if photo and data:
            event_id = data["reportEvent"]["event"]["id"]
            self.gql(
                "attachToEvent (photo)",
                ATTACH,
                {"id": event_id, "files": [None]},
                files=[("variables.files.0", PNG)],
            )


# ------------------------------------------------------------------ web console

EVENTS = """query ($filter: EventFilterInput, $first: Int) { events(filter: $filter, first: $first) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { uuid caseNumber title status priority categoryKey regionCode reportedAt dueAt
  overdue card } } } }"""
PEOPLE = """query ($filter: PersonFilterInput) { people(filter: $filter, first: 20) {
  totalCount edges { node { uuid name age regionCode personType } } pageInfo { hasNextPage } } }"""
STATISTICS = """query ($scope: String!, $from: Date!, $to: Date!, $groupBy: [StatisticsGroupBy!]) {
  eventStatistics(scope: $scope, from: $from, to: $to, groupBy: $groupBy) { __typename
  ... on EventStatistics { total rows { key period count open closed } }
  ... on Error { code message } } }"""
DASHBOARD = """query ($scope: String!) { dashboard(scope: $scope) { __typename
  ... on Dashboard { openTotal overdue reportedToday closedToday workersOnline
  openByStatus { name count } openByLevel { name count } }
  ... on Error { code message } } }"""
SURNAMES = "王李张刘陈杨赵黄周吴"
FILTERS = (
    {"statuses": ["REPORTED", "ASSIGNED", "IN_PROGRESS"]},
    {"overdue": True},
    {"statuses": ["CLOSED", "EVALUATED"]},
    {"priority": "URGENT"},
    {"categoryKey": "city"},
    {},
)


class ConsoleUser(GraphQLUser):
    """Community, township or district staff at the web console."""

    weight = 80
    label = "console"

    wait_time = between(paced(5), paced(15))

    def on_start(self) -> None:
        signed = account("consoles")
        self.headers = {"Authorization": f"Bearer {signed['token']}"}
        self.scope = signed["region"]
        if SMOKE:
            self.events_list()
            self.registry_search()
            self.statistics()
            self.dashboard()

    @task(6)
    def events_list(self) -> None:
        reported = {}
        if random.random() < 0.3:  # this month's
            reported = {"reportedFrom": now_iso(-30 * 86400)}
        self.gql(
            "events (filtered)",
            EVENTS,
            {
                "filter": {**random.choice(FILTERS), **reported, "regionCode": self.scope},
                "first": 20,
            },
        )

    @task(3)
    def registry_search(self) -> None:
        self.gql(
            "people (search)",
            PEOPLE,
            # a person looked up by name (the bench city's people are named 王某123456); a
            # surname alone matches a tenth of the city (see RESULTS.md, 2026-12-07)
            {
                "filter": {
                    "regionCode": self.scope,
                    "text": f"{random.choice(SURNAMES)}某{random.randint(1, 999_999)}",
                }
            },
        )

    @task(1)
    def statistics(self) -> None:
        today = datetime.now(UTC).date()
        self.gql(
            "eventStatistics",
            STATISTICS,
            {
                "scope": self.scope,
                "from": (today - timedelta(days=365)).isoformat(),
                "to": today.isoformat(),
                "groupBy": ["CHILD_REGION", "MONTH"],
            },
        )

    @task(1)
    def dashboard(self) -> None:
        self.gql("dashboard", DASHBOARD, {"scope": self.scope})


# ------------------------------------------------------------------ command centre

EVENT_CHANGES = """subscription ($scope: String!) { eventChanges(scope: $scope) {
  sequence action at event { uuid caseNumber status regionCode } } }"""
NOTICES = "subscription { notices { sequence id kind title createdAt } }"


class CommandCentreScreen(GraphQLUser):
    """A wall screen: live event changes and notices over one websocket, the dashboard each
    minute."""

    weight = 7
    label = "centre"
    socket: Any = None

    wait_time = constant(0)  # watch() waits on the socket itself

    def on_start(self) -> None:
        signed = account("centres")
        self.token = signed["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.scope = signed["region"]
        self.gql("dashboard", DASHBOARD, {"scope": self.scope})
        self.subscribe()

    def on_stop(self) -> None:
        if self.socket is not None:
            self.socket.close()

    def subscribe(self) -> None:
        # websockets' synchronous client: sockets and threads that locust's gevent patching
        # turns into greenlets, so a screen costs a greenlet, not a thread
        from websockets.sync.client import connect

        url = self.host.replace("http", "ws", 1) + "/graphql"
        began = time.perf_counter()
        error: Exception | None = None
        try:
            self.socket = connect(
                url, subprotocols=["graphql-transport-ws"], open_timeout=10, close_timeout=1
            )
            self.socket.send(
                json.dumps(
                    {
                        "type": "connection_init",
                        "payload": {"Authorization": f"Bearer {self.token}"},
                    }
                )
            )
            ack = json.loads(self.socket.recv(timeout=10))
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"no connection_ack: {ack}")
            for sid, query, variables in (
                ("events", EVENT_CHANGES, {"scope": self.scope}),
                ("notices", NOTICES, {}),
            ):
                self.socket.send(
                    json.dumps(
                        {
                            "id": sid,
                            "type": "subscribe",
                            "payload": {"query": query, "variables": variables},
                        }
                    )
                )
        except Exception as exc:
            error = exc
            self.socket = None
        self.environment.events.request.fire(
            request_type="WS",
            name=f"{self.label}: ws connect+ack",
            response_time=(time.perf_counter() - began) * 1000,
            response_length=0,
            exception=error,
            context={},
        )

    @task
    def watch(self) -> None:
        """A minute of the screen: pushes as they come, then the dashboard again."""
        if self.socket is None:
            self.subscribe()
            if self.socket is None:
                self.wait_some(paced(5))
                return
        until = time.monotonic() + paced(60)
        while (left := until - time.monotonic()) > 0:
            try:
                frame = self.socket.recv(timeout=left)
            except TimeoutError:
                break
            except Exception as exc:  # the feed closed: record it, resubscribe next time
                self.socket = None
                self.push_failed(str(exc))
                return
            self.received(json.loads(frame))
        self.gql("dashboard", DASHBOARD, {"scope": self.scope})

    def received(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "ping":
            self.socket.send(json.dumps({"type": "pong"}))
        elif kind == "next" and message.get("id") == "events":
            change = message["payload"]["data"]["eventChanges"]
            at = datetime.fromisoformat(change["at"])
            delay = (datetime.now(UTC) - at).total_seconds() * 1000
            self.environment.events.request.fire(
                request_type="WSPUSH",
                name=f"{self.label}: ws eventChanges push",
                response_time=max(delay, 0),
                response_length=0,
                exception=None,
                context={},
            )
        elif kind == "next":
            self.environment.events.request.fire(
                request_type="WSPUSH",
                name=f"{self.label}: ws notices push",
                response_time=0,
                response_length=0,
                exception=None,
                context={},
            )
        elif kind in ("error", "complete"):
            self.push_failed(json.dumps(message, ensure_ascii=False)[:300])

    def push_failed(self, why: str) -> None:
        self.environment.events.request.fire(
            request_type="WSPUSH",
            name=f"{self.label}: ws feed",
            response_time=0,
            response_length=0,
            exception=RuntimeError(why),
            context={},
        )

    def wait_some(self, seconds: float) -> None:
        time.sleep(seconds)


# ------------------------------------------------------------------ hotline system

SUBMIT_WORK_ORDER = """mutation ($input: WorkOrderInput!) { submitWorkOrder(input: $input) {
  __typename ... on WorkOrderPayload { created workOrder { ticketId event { caseNumber status } } }
  ... on Error { code message field } } }"""
WORK_ORDER = """query ($ticketId: String!) { workOrder(ticketId: $ticketId) { ticketId
  event { caseNumber status handlingLevel dueAt overdue timeline { action toStatus at } } } }"""


class HotlineSystem(GraphQLUser):
    """The 12345 system, by API key: a work order every ~10 s, a status check between."""

    fixed_count = 1
    label = "hotline"

    wait_time = constant_pacing(paced(5))

    def on_start(self) -> None:
        self.headers = {"X-Api-Key": SEED["api_key"]}
        self.tickets: list[str] = []
        self.turn = 0
        if SMOKE:
            self.submit()
            self.status()

    @task
    def work(self) -> None:
        self.turn += 1
        if self.turn % 2 and self.tickets:
            self.status()
        else:
            self.submit()

    def submit(self) -> None:
        ticket = f"12345-LOAD-{uuid.uuid4().hex[:16]}"
        grid = random.choice(SEED["phones"])["region"]
        data = self.gql(
            "submitWorkOrder",
            SUBMIT_WORK_ORDER,
            {
                "input": {
                    "ticketId": ticket,
                    "idempotencyKey": f"{ticket}-1",
                    "content": "井盖缺失，夜间有行人跌倒风险",
                    "categoryKey": random.choice(SEED["categories"]),
                    "callerName": "王女士",
                    "callerPhone": "13912345678",
                    "regionCode": grid,
                    "location": near_centre(),
                    "address": "淇河路与黄山路交叉口",
                }
            },
        )
        if data:
            self.tickets = [*self.tickets[-50:], ticket]

    def status(self) -> None:
        if self.tickets:
            self.gql("workOrder", WORK_ORDER, {"ticketId": random.choice(self.tickets)})


# ------------------------------------------------------------------ citizen

CITIZEN_LOGIN = """mutation ($phone: String!, $password: String!) {
  citizenLogin(phone: $phone, password: $password) { __typename
  ... on AuthPayload { accessToken } ... on Error { code message } } }"""
SUBMIT_APPEAL = """mutation ($input: AppealInput!, $photos: [Upload!]) {
  submitAppeal(input: $input, photos: $photos) { __typename
  ... on AppealPayload { appeal { uuid caseNumber status } }
  ... on Error { code message field } } }"""
MY_APPEALS = """query { myAppeals(first: 20) { totalCount
  edges { node { uuid caseNumber title status reportedAt satisfaction } } } }"""


class CitizenApp(GraphQLUser):
    """A citizen opens the app, signs in, sends an appeal, checks their appeals, leaves."""

    weight = 30
    label = "citizen"

    wait_time = between(paced(30), paced(90))

    def on_start(self) -> None:
        self.phone = account("citizens")
        self.headers = {}
        self.visits = 0
        if not SMOKE:  # citizens open the app at their own moments
            time.sleep(random.uniform(0, paced(60)))

    @task
    def visit(self) -> None:
        data = self.gql(
            "citizenLogin",
            CITIZEN_LOGIN,
            {"phone": self.phone.removeprefix("+86"), "password": SEED["password"]},
        )
        if not data:
            return
        self.headers = {"Authorization": f"Bearer {data['citizenLogin']['accessToken']}"}
        self.visits += 1
        appeal = {
            "id": str(uuid.uuid4()),
            "title": "小区门口垃圾堆放",
            "description": "东门垃圾三天未清运",
            "categoryKey": random.choice(SEED["categories"]),
            "location": near_centre(),
            "regionCode": random.choice(SEED["phones"])["region"],
            "address": "东门",
        }
        # the suite's smoke run: a photo on the first visit, none on the second
        photo = self.visits == 1 if SMOKE and self.visits <= 2 else random.random() < 1 / 3
        if photo:
            self.gql(
                "submitAppeal (photo)",
                SUBMIT_APPEAL,
                {"input": appeal, "photos": [None]},
                files=[("variables.photos.0", PNG)],
            )
        else:
            self.gql("submitAppeal", SUBMIT_APPEAL, {"input": appeal})
        self.gql("myAppeals", MY_APPEALS)


if os.environ.get("GRIDGOV_LOAD_EQUAL") == "1":
    # (no loop variable left at module level: locust would take it for another user class)
    GridWorkerPhone.weight = ConsoleUser.weight = CommandCentreScreen.weight = CitizenApp.weight = 1
