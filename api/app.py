"""The Starlette application: GraphQL over HTTP and websocket, health probes, resources."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import orjson
import structlog
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types import ExecutionResult
from tortoise import connections

from api import db, graphiql, i18n, metrics, multipart, replicas, tracing, uploads
from api.auth import ANONYMOUS, Principal
from api.domains.accounts.principals import PrincipalCache, StillSignedIn
from api.domains.accounts.service import principal_for_token
from api.domains.accounts.throttle import LoginThrottle
from api.domains.announcements import service as announcements
from api.domains.approvals import service as approvals
from api.domains.care import exports as care_exports
from api.domains.diaries import service as diaries
from api.domains.economy import projects
from api.domains.events import attachments
from api.domains.grants.watcher import PermissionWatcher
from api.domains.imports import service as imports
from api.domains.intake import open311
from api.domains.ledgers import service as ledgers
from api.domains.meetings import service as meetings
from api.domains.points import posts as points_posts
from api.domains.registry import files as registry_files
from api.domains.supervision import reports as analysis_reports
from api.domains.supervision.workbook import figures_workbook
from api.edge import NoSniff, UnexpectedErrors
from api.errors import NotFound, Unauthenticated
from api.feeds import wire
from api.i18n import _
from api.language import choose
from api.observability import ObserveRequests
from api.realtime import Hub, OutboxRelay, namespace_of
from api.replicas import Replicas
from api.settings import Settings, get_settings
from policies.enforcer import PolicyEnforcer, get_enforcer
from schema import build_schema
from schema import replicas as replica_reads
from schema.context import Context
from schema.dataloaders import Loaders
from schema.extensions import coded
from schema.realtime.sharing import frames

log = structlog.get_logger("gridgov.app")


@dataclass
class Resources:
    settings: Settings
    redis: Redis
    throttle: LoginThrottle
    enforcer: PolicyEnforcer
    hub: Hub
    principals: PrincipalCache
    replicas: Replicas


def bearer_token(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, with a frame that is JSON but not a message object (`[1,2,3]`)
    closing the socket with 4400 like any other malformed message."""

    async def handle_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.handle_invalid_message("a message is a JSON object with a string type")
            return
        await super().handle_message(message)  # type: ignore[arg-type]

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_init_received:
            # cancelled by then: the finished task need not live as long as the connection
            self.connection_init_timeout_task = None

    async def handle_subscribe(self, message: Any) -> None:
        # The operation's task copies this context: its feed knows the id its frames carry
        # (api.feeds.wire, the live-feed fast path).
        payload = message.get("payload")
        variables = payload.get("variables") if isinstance(payload, dict) else None
        token = wire.operation.set(
            wire.Operation(
                id=message.get("id"), variables=variables if isinstance(variables, dict) else None
            )
        )
        try:
            await super().handle_subscribe(message)
        finally:
            wire.operation.reset(token)


class GridGovGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context and websocket sign-in."""

    graphql_transport_ws_handler_class = TransportWSHandler

    def __init__(self, schema: Any, resources: Resources):
        super().__init__(
            schema,
            graphql_ide=None if resources.settings.is_production else "graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            keep_alive=True,
            keep_alive_interval=15,
            # Safe without CSRF tokens: credentials travel only in headers, never in cookies.
            multipart_uploads_enabled=True,
            # Browsers don't apply CORS to websockets: strawberry checks their Origin against this.
            allowed_origins=resources.settings.gridgov_allowed_origins,
        )
        self.resources = resources

    async def render_graphql_ide(self, request: Request) -> Response:
        # strawberry's page loads its assets from a CDN; ours come from this server
        return HTMLResponse(graphiql.page())

    def decode_json(self, data: str | bytes) -> object:
        # orjson's decode error is a json.JSONDecodeError: strawberry still answers 400
        return orjson.loads(data)

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, Any]:
        # Signed in before the body is read: an anonymous caller may not make us spool 60 MiB.
        token = bearer_token(request.headers.get("authorization")) or request.headers.get(
            "x-api-key"
        )
        principal, _ = await self._principal(token)
        if not principal.is_authenticated:
            raise HTTPException(401, "sign in first: file uploads need credentials")
        try:
            form = await request.get_form_data()
        except (ValueError, StarletteHTTPException) as error:
            raise HTTPException(400, "Unable to parse the multipart body") from error
        operations, files_map = form.form.get("operations"), form.form.get("map")
        if not isinstance(operations, str) or not isinstance(files_map, str):
            raise HTTPException(400, "operations and map must be text parts holding JSON")
        try:
            return multipart.operations_with_files(
                self.parse_json(operations),
                self.parse_json(files_map),
                form.files,
                max_files=self.resources.settings.gridgov_max_upload_files,
            )
        except multipart.MultipartRefused as error:
            raise HTTPException(400, str(error)) from error

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # Errors raised before the schema's extensions run (a syntax error, a document nested
        # too deeply) get their code here, the last place every HTTP answer passes through.
        if result.errors:
            mask = self.resources.settings.is_production
            result.errors = [
                coded(error, mask=mask, scope=request.scope) for error in result.errors
            ]
        return await super().process_result(request, result)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Run the operation; one a replica could not answer (gone, or it tried to write) is
        run again on the primary, so the client never sees the replica's failure."""
        attempt = replica_reads.Attempt()
        token = replica_reads.ATTEMPT.set(attempt)
        try:
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
            if attempt.failed is not None:
                log.info(
                    "read run again on the primary",
                    replica=attempt.alias,
                    because=attempt.failed,
                    operation=request_data.operation_name,
                )
                attempt.primary_only, attempt.failed = True, None
                context.loaders = Loaders()  # nothing the replica gave may be reused
                result = await super().execute_single(
                    request, request_adapter, sub_response, context, root_value, request_data
                )
            return result
        finally:
            replica_reads.ATTEMPT.reset(token)

    def encode_json(self, data: object) -> str:
        # orjson, and a live message's result encoded once for all who selected it alike
        return frames.encode(data)

    async def _principal(self, token: str | None) -> tuple[Principal, str | None]:
        if token is None:
            return ANONYMOUS, None
        try:
            return await self.resources.principals.principal(token, self._load), None
        except Unauthenticated as error:
            # Public operations (login) still work with a stale token; guarded ones say why.
            return ANONYMOUS, str(error)

    async def _load(self, token: str) -> Principal:
        return await principal_for_token(token, secret=self.resources.settings.secret_key())

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        resources = self.resources
        headers = request.headers
        token = bearer_token(headers.get("authorization")) or headers.get("x-api-key")
        principal, auth_error = await self._principal(token)
        language = self._language(headers.get("accept-language"), principal)
        return Context(
            request=request,
            settings=resources.settings,
            redis=resources.redis,
            throttle=resources.throttle,
            enforcer=resources.enforcer,
            hub=resources.hub,
            replicas=resources.replicas,
            principal=principal,
            auth_error=auth_error,
            language=language,
        )

    def _language(self, accept_language: str | None, principal: Principal) -> str:
        """The request's language (api/language.py), made current for its messages (api/i18n.py).
        Set in the task that runs the operation (a websocket's operations copy it)."""
        saved = principal.account.language if principal.account else None
        language = choose(accept_language, saved, self.resources.settings.gridgov_language)
        i18n.use(language)
        return language

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = context.connection_params or {}
        raw = params.get("authorization") or params.get("Authorization") or params.get("apiKey")
        token = None
        if isinstance(raw, str):
            # "Bearer <token>" like the header, or a bare API key
            token = bearer_token(raw) or raw.strip() or None
        if token is None and context.principal.is_authenticated:
            # authenticated by the upgrade request's headers
            token = bearer_token(context.request.headers.get("authorization")) or (
                context.request.headers.get("x-api-key")
            )
            principal, error = context.principal, None
        else:
            principal, error = await self._principal(token)
        if not principal.is_authenticated or token is None:
            raise ConnectionRejectionError(
                {
                    "code": "UNAUTHENTICATED",
                    "message": i18n.render(error or _("sign in first"), context.language),
                }
            )
        context.principal = principal
        # a browser cannot set a websocket's headers: connection_init may carry the language
        asked = params.get("acceptLanguage") or params.get("Accept-Language")
        context.language = self._language(
            asked if isinstance(asked, str) else context.request.headers.get("accept-language"),
            principal,
        )
        context.still_signed_in = StillSignedIn(
            self.resources.principals, token, principal, self._load
        )
        return None


class BodySizeLimit:
    """Refuse request bodies over the limit before they are read into memory (uploads, which
    are spooled to disk, get their own larger limit)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int):
        self.app = app
        self.json_limit = max_bytes
        self.upload_limit = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = self.upload_limit if multipart else self.json_limit
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await _refuse(scope, receive, send, limit)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    body = {
        "errors": [
            {
                "message": f"request body over {limit} bytes",
                "extensions": {"code": "REQUEST_TOO_LARGE"},
            }
        ]
    }
    await JSONResponse(body, status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    pass


class StoredFile(Protocol):
    sha256: str
    content_type: str
    size: int
    filename: str


FindFile = Callable[[Principal, uuid.UUID], Awaitable[StoredFile]]


def stored_file(find: FindFile, *, inline: bool = True) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint serving one kept file to whoever may read the record it belongs to (same
    credentials as /graphql); anything else is the same 404, so ids reveal nothing."""

    async def endpoint(request: Request) -> Response:
        resources: Resources = request.app.state.resources
        principal = await _caller(request)
        if principal is None:
            return JSONResponse({"error": "sign in first"}, status_code=401)
        try:
            found = await find(principal, uuid.UUID(request.path_params["file_id"]))
        except (ValueError, NotFound):
            return JSONResponse({"error": "not found"}, status_code=404)
        path = uploads.path_of(resources.settings.attachment_dir, found.sha256)
        shown = inline and found.content_type in uploads.INLINE_TYPES
        disposition = "inline" if shown else "attachment"
        return StreamingResponse(
            attachments.file_chunks(path),
            media_type=found.content_type,
            headers={
                "Content-Length": str(found.size),
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.filename)}",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, max-age=3600",
            },
        )

    return endpoint


# A file of an event, a photo of a diary, a material of an application or an assessment's report.
download_attachment = stored_file(
    lambda actor, file_id: attachments.readable_attachment(actor=actor, attachment_id=file_id)
)
download_diary_attachment = stored_file(
    lambda actor, file_id: diaries.readable_attachment(actor=actor, attachment_id=file_id)
)
download_registry_file = stored_file(
    lambda actor, file_id: registry_files.readable_file(actor=actor, file_id=file_id)
)
download_notice_file = stored_file(
    lambda actor, file_id: announcements.readable_file(actor=actor, file_id=file_id)
)
download_meeting_file = stored_file(
    lambda actor, file_id: meetings.readable_file(actor=actor, file_id=file_id)
)
download_project_attachment = stored_file(
    lambda actor, file_id: projects.readable_attachment(actor=actor, attachment_id=file_id)
)
download_approval_file = stored_file(
    lambda actor, file_id: approvals.readable_file(actor=actor, file_id=file_id), inline=False
)
# a hazard ledger export, to the requester alone and for a day
download_hazard_ledger = stored_file(
    lambda actor, file_id: care_exports.readable_export(actor=actor, export_id=file_id),
    inline=False,
)

# a ledger export (台账), to the requester alone and for a day
download_event_ledger = stored_file(
    lambda actor, file_id: ledgers.readable_export(actor=actor, export_id=file_id),
    inline=False,
)


async def download_claim_photo(request: Request) -> Response:
    """A photo of a welfare-post claim's evidence, to the member and the staff who check it."""
    index = request.path_params["index"]
    return await stored_file(
        lambda actor, claim_id: points_posts.evidence_file(
            actor=actor, claim_id=claim_id, index=index
        )
    )(request)


async def _caller(request: Request) -> Principal | None:
    """Who sends a download request, by the same credentials as /graphql (None: nobody)."""
    resources: Resources = request.app.state.resources
    token = bearer_token(request.headers.get("authorization")) or request.headers.get("x-api-key")
    try:
        return await principal_for_token(token or "", secret=resources.settings.secret_key())
    except Unauthenticated:
        return None


async def download_import_errors(request: Request) -> Response:
    """An import job's row problems as CSV, to whoever may read the job (same credentials)."""
    principal = await _caller(request)
    if principal is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    try:
        job_id = uuid.UUID(request.path_params["job_id"])
        job = await imports.get_job(actor=principal, job_id=job_id)
    except (ValueError, NotFound):
        return JSONResponse({"error": "not found"}, status_code=404)
    return StreamingResponse(
        imports.errors_csv(job, actor=principal),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(job.filename)}.errors.csv",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


async def download_report_figures(request: Request) -> Response:
    """An analysis report's frozen figures as XLSX, to whoever may read the report."""
    principal = await _caller(request)
    if principal is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    try:
        report = await analysis_reports.get(
            actor=principal, report_id=uuid.UUID(request.path_params["report_id"])
        )
    except ValueError:
        report = None
    if report is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    filename = f"{report.title}.xlsx"
    return Response(
        figures_workbook(report),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    resources: Resources = request.app.state.resources
    checks: dict[str, str] = {}
    try:
        await connections.get("default").execute_query("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # any failure means not ready; the probe reports it
        checks["database"] = f"error: {type(error).__name__}"
    try:
        await resources.redis.ping()
        checks["redis"] = "ok"
    except Exception as error:
        checks["redis"] = f"error: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return Response(
        orjson.dumps({"ready": ready, "checks": checks}),
        status_code=200 if ready else 503,
        media_type="application/json",
    )


def create_app(
    settings: Settings | None = None, *, check_migrations: bool = True, span_exporter: Any = None
) -> Starlette:
    settings = settings or get_settings()
    if not settings.database_url or not settings.redis_url:
        raise RuntimeError(
            "DATABASE_URL and REDIS_URL must be set (the CLI starts embedded servers)"
        )
    settings.secret_key()  # fail at start-up, not at the first sign-in
    redis = Redis.from_url(settings.redis_url)
    resources = Resources(
        settings=settings,
        redis=redis,
        throttle=LoginThrottle(
            redis,
            max_failures=settings.gridgov_login_max_failures,
            window_seconds=settings.gridgov_login_lockout_seconds,
        ),
        enforcer=get_enforcer(),
        hub=Hub(settings.redis_url, namespace=namespace_of(settings.database_url)),
        principals=PrincipalCache(
            settings.database_url, seconds=settings.gridgov_principal_cache_seconds
        ),
        replicas=Replicas(
            replicas.urls(settings.database_replica_url),
            redis,
            pool_size=settings.gridgov_db_pool_size,
            max_lag_seconds=settings.gridgov_replica_max_lag_seconds,
            read_your_writes_seconds=settings.gridgov_read_your_writes_seconds,
            namespace=namespace_of(settings.database_url),
        ),
    )
    relay = OutboxRelay(settings.database_url, resources.hub)
    permissions = PermissionWatcher(settings.database_url, resources.enforcer)
    graphql_app = GridGovGraphQL(build_schema(settings), resources)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        assert settings.database_url is not None
        await db.open_database(
            settings.database_url,
            pool_size=settings.gridgov_db_pool_size,
            check_migrations=check_migrations,
        )
        await resources.replicas.start()
        await resources.hub.start()
        await relay.start()
        await resources.principals.start()
        await permissions.start()
        pool_sampler = asyncio.create_task(metrics.sample_pool_forever())
        # What is alive now (schema, ORM and policy metadata, ~150k objects) lives as long as
        # the process: moved out of the collector's sight, a full collection no longer walks it
        # in the middle of a request (it did once every few hundred requests, ~100 ms each).
        gc.collect()
        gc.freeze()
        log.info("gridgov api started", env=settings.gridgov_env.value)
        try:
            yield
        finally:
            gc.unfreeze()  # several apps in one process (tests): give the collector it all back
            pool_sampler.cancel()
            metrics.process_exited()
            await permissions.stop()
            await resources.principals.stop()
            await relay.stop()
            await resources.hub.stop()
            await resources.replicas.stop()
            await redis.aclose()
            await db.close_database()

    app = Starlette(
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_app),
            Route("/attachments/{file_id}", download_attachment),
            Route("/diary-attachments/{file_id}", download_diary_attachment),
            Route("/registry-files/{file_id}", download_registry_file),
            Route("/meeting-files/{file_id}", download_meeting_file),
            Route("/announcement-files/{file_id}", download_notice_file),
            Route("/project-attachments/{file_id}", download_project_attachment),
            Route("/approval-files/{file_id}", download_approval_file),
            Route("/claim-photos/{file_id}/{index:int}", download_claim_photo),
            Route("/exports/hazard-ledger/{file_id}", download_hazard_ledger),
            Route("/exports/event-ledger/{file_id}", download_event_ledger),
            Mount("/open311/v2", routes=open311.routes()),
            Route("/imports/{job_id}/errors.csv", download_import_errors),
            Route("/analysis-reports/{report_id}/figures.xlsx", download_report_figures),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route(
                "/metrics",
                metrics.endpoint(
                    token=settings.gridgov_metrics_token, production=settings.is_production
                ),
            ),
            *([] if settings.is_production else [graphiql.static_route()]),
        ],
        middleware=[
            # outermost: every response carries its request id, refusals included
            Middleware(ObserveRequests),
            Middleware(UnexpectedErrors, production=settings.is_production),
            Middleware(NoSniff),
            Middleware(
                BodySizeLimit,
                max_bytes=settings.gridgov_max_body_bytes,
                max_upload_bytes=max(
                    settings.gridgov_max_upload_bytes * settings.gridgov_max_upload_files,
                    settings.gridgov_max_import_bytes,
                )
                + settings.gridgov_max_body_bytes,
            ),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.gridgov_allowed_origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["authorization", "content-type", "x-api-key"],
            ),
        ],
        lifespan=lifespan,
    )
    app.state.resources = resources
    tracing.install(app, settings, exporter=span_exporter)
    return app
