"""Optional OpenTelemetry tracing (the `otel` extra): spans of every HTTP request and database
statement, exported over OTLP/HTTP. Off unless configured: with neither GRIDGOV_OTEL nor
OTEL_EXPORTER_OTLP_ENDPOINT set nothing of OpenTelemetry is imported. The exporter takes the
standard OTEL_* variables (endpoint, headers, service name)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from api.settings import Settings


def enabled(settings: Settings) -> bool:
    return settings.gridgov_otel or bool(settings.otel_exporter_otlp_endpoint)


def install(app: Starlette, settings: Settings, *, exporter: Any = None) -> bool:
    """Trace the app's requests and the process's asyncpg statements; False when not configured.
    `exporter` replaces the OTLP exporter (tests keep spans in memory)."""
    if not enabled(settings) and exporter is None:
        return False
    try:
        from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
        from opentelemetry.instrumentation.starlette import StarletteInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    except ImportError as error:
        raise RuntimeError(
            "tracing is configured (GRIDGOV_OTEL or OTEL_EXPORTER_OTLP_ENDPOINT) but the 'otel' "
            "extra is not installed: pip install 'gridgov[otel]'"
        ) from error
    provider = TracerProvider(resource=Resource.create({"service.name": "gridgov"}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    StarletteInstrumentor.instrument_app(app, tracer_provider=provider)
    asyncpg = AsyncPGInstrumentor()
    if not asyncpg.is_instrumented_by_opentelemetry:
        asyncpg.instrument(tracer_provider=provider)
    app.state.tracer_provider = provider
    return True
