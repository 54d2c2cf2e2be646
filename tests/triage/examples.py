"""The triage records the GraphQL examples run against: a spike warning of 金山社区."""

from __future__ import annotations

import uuid
from datetime import timedelta

from api import clock
from api.domains.triage.models import SpikeWarning


async def triage_fixtures() -> dict[str, str]:
    now = clock.now()
    warning = await SpikeWarning.create(
        id=uuid.uuid4(),
        region_code="410611001001",
        category_key="city.0502",
        window_start=now - timedelta(days=7),
        window_end=now,
        count=6,
        baseline=1.0,
        baseline_days=56,
        p_value=0.0006,
        detected_at=now,
    )
    return {"<spike_warning_id>": str(warning.id)}
