"""What an import is of, how it runs, and where it stands."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class ImportKind(StrEnum):
    """What a file holds; each kind upserts by its natural key."""

    REGIONS = "regions"
    USERS = "users"
    RESIDENTS = "residents"
    HOUSEHOLDS = "households"
    HOUSES = "houses"
    BUILDINGS = "buildings"
    ORGANISATIONS = "organisations"
    SPECIAL_GROUPS = "special_groups"
    PARTY_MEMBERS = "party_members"
    VOLUNTEERS = "volunteers"
    ENROLMENTS = "enrolments"
    INDICATOR_VALUES = "indicator_values"  # economy: a month's figures, submitted for sign-off
    COMPOUNDS = "compounds"  # 小区, under communities (the map's layer below them)


class ImportMode(StrEnum):
    VALIDATE = "validate"  # check every row, write nothing
    COMMIT = "commit"
    REVIEW = "review"  # check every row, then hold the batch for the community's review (审核)


class Atomicity(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"  # one bad row and nothing is written
    BEST_EFFORT = "best_effort"  # the good rows are written, the bad ones reported


class ImportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    VALIDATED = "validated"  # validate-only run finished (rows_failed tells whether it would pass)
    COMPLETED = "completed"  # rows written (best effort: the good ones)
    REJECTED = "rejected"  # all-or-nothing with bad rows: nothing written
    FAILED = "failed"  # the file could not be read as a whole: nothing written
    AWAITING_REVIEW = "awaiting_review"  # REVIEW mode, checked: written once a reviewer approves
    RETURNED = "returned"  # REVIEW mode, sent back by the reviewer: nothing written


FINISHED: Final = frozenset(
    {
        ImportState.VALIDATED,
        ImportState.COMPLETED,
        ImportState.REJECTED,
        ImportState.FAILED,
        ImportState.RETURNED,
    }
)


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class RowErrorCode(StrEnum):
    """Stable codes of per-row problems (the errors CSV and `ImportJob.errors`)."""

    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    INVALID_CODE = "INVALID_CODE"
    INVALID_ID_NUMBER = "INVALID_ID_NUMBER"
    ENCODING = "ENCODING"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    UNKNOWN_REGION = "UNKNOWN_REGION"
    UNMATCHED_ADDRESS = "UNMATCHED_ADDRESS"
    AMBIGUOUS_ADDRESS = "AMBIGUOUS_ADDRESS"
    UNCERTAIN_ADDRESS = "UNCERTAIN_ADDRESS"
    UNKNOWN_PARENT = "UNKNOWN_PARENT"
    UNKNOWN_DEPARTMENT = "UNKNOWN_DEPARTMENT"
    UNKNOWN_REFERENCE = "UNKNOWN_REFERENCE"
    BOUNDARY_OVERLAP = "BOUNDARY_OVERLAP"  # a region's boundary overlaps a sibling's
    BOUNDARY_OUTSIDE_PARENT = "BOUNDARY_OUTSIDE_PARENT"  # ... or leaves its parent's
    ROLE_NOT_AT_LEVEL = "ROLE_NOT_AT_LEVEL"
    NOT_ALLOWED = "NOT_ALLOWED"
    DUPLICATE = "DUPLICATE"
    SIGNED_OFF = "SIGNED_OFF"  # accepted or locked by the level above: it reopens it first
