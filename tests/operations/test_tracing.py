"""OpenTelemetry: nothing of it loaded unless configured; configured, spans of the request and of
its database statements."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from api.settings import Settings
from tests.factories import region_tree, signed_in


def test_unconfigured_tracing_imports_nothing(settings: Settings) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OTEL_") and key != "GRIDGOV_OTEL"
    }
    probe = (
        "import sys\n"
        "from api.app import create_app\n"
        "app = create_app(check_migrations=False)\n"
        "print(sorted({m.split('.')[0] + '.' + m.split('.')[1] for m in sys.modules "
        "if m.startswith('opentelemetry.')}))\n"
        "print(hasattr(app.state, 'tracer_provider'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "False"]


async def test_configured_tracing_records_the_request_and_its_statements(
    db: None, settings: Settings
) -> None:
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from api.app import create_app

    await region_tree()
    _, token = await signed_in("admin", "4106")
    spans = InMemorySpanExporter()
    app = create_app(settings.model_copy(update={"gridgov_otel": True}), span_exporter=spans)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gridgov.test") as http:
            response = await http.post(
                "/graphql",
                json={"query": "query Me { me { username } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code == 200
    finally:
        AsyncPGInstrumentor().uninstrument()

    finished = spans.get_finished_spans()
    server = [span for span in finished if span.kind.name == "SERVER"]
    assert [span.attributes.get("http.route") for span in server] == ["/graphql"]
    statements = [span for span in finished if span.attributes.get("db.system") == "postgresql"]
    assert statements, [span.name for span in finished]
    # the statements belong to the request's trace
    assert {span.context.trace_id for span in statements} == {server[0].context.trace_id}
