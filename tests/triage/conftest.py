"""Every triage test reads duplicate rules afresh: the lookup keeps them a minute per process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.domains.triage import service


@pytest.fixture(autouse=True)
def fresh_rules() -> Iterator[None]:
    service.forget_reference()
    yield
    service.forget_reference()
