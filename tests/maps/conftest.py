"""Import files go to a directory of the test's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings


@pytest.fixture
def import_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setattr(settings, "gridgov_import_dir", tmp_path / "imports")
    return settings
