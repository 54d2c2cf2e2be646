"""Configuration from the environment (read when asked for, never at import time)."""

from __future__ import annotations

import functools
import ipaddress
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every knob of the service; names are the environment variables (case-insensitive)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL; unset = start an embedded PostgreSQL under GRIDGOV_DATA_DIR",
    )
    database_replica_url: str | None = Field(
        default=None,
        description="streaming replicas (comma-separated URLs) that serve stale-tolerant reads: "
        "lists, statistics, rankings; unset = every read on the primary",
    )
    gridgov_replica_max_lag_seconds: float = Field(
        default=30, gt=0, le=3600, description="a replica further behind serves no reads"
    )
    gridgov_read_your_writes_seconds: float = Field(
        default=10,
        ge=0,
        le=600,
        description="after a write, the writer's reads go to the primary for this long",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL; unset = start an embedded Redis under GRIDGOV_DATA_DIR",
    )
    gridgov_env: Environment = Environment.DEVELOPMENT
    # labels (the `vocabulary` query) where the request asks for no language it supports
    gridgov_language: Literal["zh-CN", "en"] = "zh-CN"
    gridgov_data_dir: Path = Path(".gridgov")
    # Unset outside production: a key generated once and kept in the data directory, so the
    # API processes and the worker of one installation agree; production refuses to start.
    gridgov_secret_key: str | None = None
    gridgov_access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    gridgov_refresh_token_days: int = Field(default=30, ge=1, le=365)
    gridgov_login_max_failures: int = Field(default=5, ge=1)
    gridgov_login_lockout_seconds: int = Field(default=900, ge=1)
    gridgov_db_pool_size: int = Field(default=10, ge=1, le=200)
    gridgov_principal_cache_seconds: float = Field(
        default=5, ge=0, le=60, description="0: read the session on every request"
    )
    gridgov_position_retention_days: int = Field(
        default=180,
        ge=1,
        le=3650,
        description="workers' positions are kept this long (whole months are dropped); patrol "
        "tracks are kept apart, packed, for as long as their patrols",
    )
    gridgov_outbox_retention_days: int = Field(
        default=7,
        ge=1,
        le=3650,
        description="the outbox's months are dropped this long after their end, once every "
        "change in them was relayed and fanned out to webhooks (subscribers resume within it)",
    )
    gridgov_webhook_delivery_retention_days: int | None = Field(
        default=90,
        ge=1,
        le=3650,
        description="webhook deliveries are kept this long (whole months, none still pending); "
        "unset: for ever",
    )
    gridgov_timeline_retention_days: int | None = Field(
        default=None,
        ge=1,
        le=36500,
        description="events' timelines are kept this long (whole months); unset: for ever",
    )
    gridgov_audit_retention_days: int | None = Field(
        default=None,
        ge=1,
        le=36500,
        description="the audit log is kept this long (whole months); unset: for ever",
    )
    gridgov_max_body_bytes: int = Field(default=1_048_576, ge=1024)
    gridgov_max_upload_bytes: int = Field(default=50 * 1_048_576, ge=1024, description="per file")
    gridgov_max_upload_files: int = Field(default=9, ge=1, le=50, description="per request")
    gridgov_site_check_max_metres: float = Field(
        default=300,
        ge=1,
        le=50_000,
        description="an on-site verification farther than this from the event is refused",
    )
    gridgov_attachment_dir: Path | None = Field(
        default=None, description="where files are kept; default <data dir>/attachments"
    )
    gridgov_import_dir: Path | None = Field(
        default=None, description="where import files are kept; default <data dir>/imports"
    )
    gridgov_import_retention_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="finished import jobs, their row problems and files are deleted this long "
        "after they finish",
    )
    gridgov_max_import_bytes: int = Field(default=200 * 1_048_576, ge=1024)
    gridgov_max_import_rows: int = Field(default=2_000_000, ge=1)
    gridgov_max_import_unpacked_bytes: int = Field(
        default=1024 * 1_048_576, ge=1_048_576, description="XLSX: all parts, uncompressed"
    )
    gridgov_max_import_errors: int = Field(
        default=100_000, ge=100, description="row problems kept per job (all are counted)"
    )
    gridgov_max_query_depth: int = Field(default=12, ge=2)
    gridgov_max_aliases: int = Field(default=30, ge=1)
    gridgov_max_tokens: int = Field(default=4000, ge=100)
    gridgov_fast_execution: bool = Field(
        default=True,
        description="false: stock strawberry/graphql-core execution and input conversion, "
        "every column read (schema/fast/)",
    )
    gridgov_community_investigation_weekday: int = Field(
        default=0, ge=0, le=6, description="weekly dispute investigation (排查) day, 0 = Monday"
    )
    gridgov_township_investigation_days: list[int] = Field(
        default_factory=lambda: [1, 16], description="days of the month of township rounds"
    )
    gridgov_phone_verifier: str | None = Field(
        default=None,
        description="dotted path of the citizens' phone verifier class; unset = development stub",
    )
    gridgov_phone_code_interval_seconds: int = Field(default=60, ge=1)
    gridgov_wechat_app_id: str | None = Field(
        default=None, description="the mini-program's app id; unset = development WeChat stub"
    )
    gridgov_wechat_app_secret: str | None = Field(
        default=None, description="the mini-program's app secret (code2session)"
    )
    gridgov_wechat_api_base: str = Field(
        default="https://api.weixin.qq.com", description="WeChat's API (a test's loopback server)"
    )
    gridgov_public_board_cache_seconds: int = Field(
        default=30, ge=0, le=3600, description="how long a public board page is served cached"
    )
    gridgov_allowed_origins: list[str] = Field(default_factory=lambda: ["*"])
    gridgov_webhook_allowed_networks: list[str] = Field(
        default_factory=list,
        description="networks webhooks may reach besides public addresses (an intranet's)",
    )
    gridgov_log_json: bool = False
    gridgov_metrics_token: str | None = Field(
        default=None,
        description="bearer token for /metrics; production serves /metrics only with one",
    )
    gridgov_worker_metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="`gridgov worker` alone: serve its metrics here"
    )
    gridgov_otel: bool = Field(
        default=False,
        description="OpenTelemetry tracing (also on when OTEL_EXPORTER_OTLP_ENDPOINT is set)",
    )
    otel_exporter_otlp_endpoint: str | None = None
    gridgov_host: str = "127.0.0.1"
    gridgov_port: int = Field(default=8000, ge=1, le=65535)

    @field_validator("gridgov_webhook_allowed_networks")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:
            ipaddress.ip_network(value, strict=False)  # a ValueError names the bad one
        return values

    @property
    def attachment_dir(self) -> Path:
        return self.gridgov_attachment_dir or self.gridgov_data_dir / "attachments"

    @property
    def import_dir(self) -> Path:
        return self.gridgov_import_dir or self.gridgov_data_dir / "imports"

    @property
    def is_production(self) -> bool:
        return self.gridgov_env is Environment.PRODUCTION

    def secret_key(self) -> str:
        """The key that signs access tokens."""
        if self.gridgov_secret_key:
            return self.gridgov_secret_key
        if self.is_production:
            raise RuntimeError("GRIDGOV_SECRET_KEY must be set when GRIDGOV_ENV=production")
        return _development_key(self.gridgov_data_dir.resolve() / "secret_key")


@functools.cache
def _development_key(path: Path) -> str:
    """Read once per process (it signs every request's token check)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
