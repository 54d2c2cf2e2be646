"""Roles a user can hold; where each may be held is data in policies/policy.csv."""

from __future__ import annotations

from enum import StrEnum

from api.vocabulary import register


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


# What the codes are called (api/vocabulary.py: the `vocabulary` query)
register(
    "Role",
    Role,
    {
        Role.GRID_WORKER: ("网格员", "Grid worker"),
        Role.GRID_LEADER: ("网格长", "Grid leader"),
        Role.COMMUNITY_STAFF: ("社区工作人员", "Community staff"),
        Role.TOWNSHIP_CENTRE: ("乡镇（街道）综治中心", "Township centre"),
        Role.DISTRICT_COMMAND: ("区县指挥中心", "District command centre"),
        Role.CITY_COMMAND: ("市指挥中心", "City command centre"),
        Role.DEPARTMENT_STAFF: ("职能部门人员", "Department staff"),
        Role.LEADER: ("领导", "Leader"),
        Role.ADMIN: ("系统管理员", "Administrator"),
        Role.CITIZEN: ("群众", "Citizen"),
        Role.INTEGRATION: ("对接系统", "Integration"),
    },
)
