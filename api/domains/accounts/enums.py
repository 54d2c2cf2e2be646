"""Roles a user can hold; where each may be held is data in policies/policy.csv."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    GRID_WORKER = "grid_worker"
    GRID_LEADER = "grid_leader"
    COMMUNITY_STAFF = "community_staff"
    TOWNSHIP_CENTRE = "township_centre"
    DISTRICT_COMMAND = "district_command"
    CITY_COMMAND = "city_command"
    DEPARTMENT_STAFF = "department_staff"
    LEADER = "leader"
    ADMIN = "admin"
    CITIZEN = "citizen"
    INTEGRATION = "integration"
