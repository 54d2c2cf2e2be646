"""Housekeeping of the histories partitioned by month: one registry of the tables, each with its
retention from the settings, kept by one daily job."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api import clock, partitions
from api.domains.positions import service as positions
from api.domains.webhooks.service import FANNED_OUT
from api.settings import Settings, get_settings

# An outbox row still wanted, whatever its age: not yet announced by the relay (subscribers and
# their replay need it), or a change webhooks take that the fan-out has not reached yet (no
# cursor yet: the fan-out has not run, and will start from the oldest row).
OUTBOX_PENDING = (
    "id > coalesce((SELECT published_up_to FROM outbox_relay WHERE id = 1), 0)"
    " OR (topic IN ({topics})"
    " AND id > coalesce((SELECT sequence FROM webhook_cursor WHERE id = 1), 0))"
).format(topics=", ".join(f"'{topic}'" for topic in FANNED_OUT))

# a delivery still being attempted is kept, however old its month (its backoff ends far sooner)
DELIVERY_PENDING = "status = 'pending'"


def _days(days: int | None) -> timedelta | None:
    return None if days is None else timedelta(days=days)


def partitioned_tables(settings: Settings) -> list[partitions.Partitioned]:
    """Every table partitioned by month, with its retention (None: kept for ever)."""
    return [
        positions.history(settings.gridgov_position_retention_days),
        partitions.Partitioned(
            "event_timeline", "at", _days(settings.gridgov_timeline_retention_days)
        ),
        partitions.Partitioned(
            "outbox",
            "created_at",
            _days(settings.gridgov_outbox_retention_days),
            keep=OUTBOX_PENDING,
        ),
        partitions.Partitioned("audit_log", "at", _days(settings.gridgov_audit_retention_days)),
        partitions.Partitioned(
            "webhook_deliveries",
            "created_at",
            _days(settings.gridgov_webhook_delivery_retention_days),
            keep=DELIVERY_PENDING,
        ),
    ]


async def maintain_history(ctx: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Make the coming months' partitions of every partitioned table; drop those past their
    table's retention. Returns, per table, the partitions made and dropped."""
    done = {}
    for spec in partitioned_tables(get_settings()):
        made, dropped = await partitions.maintain(spec, now=clock.now())
        done[spec.table] = {"made": made, "dropped": dropped}
    return done
