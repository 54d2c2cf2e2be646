"""Fixtures of the approval tests."""

from tests.approvals.helpers import file_settings

__all__ = ["file_settings"]
