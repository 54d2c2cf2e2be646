"""The work calendar of event time limits is every flow's: api/flows/calendar.py."""

from api.flows.calendar import LOCAL, WorkCalendar, add_limit, limit_points

__all__ = ["LOCAL", "WorkCalendar", "add_limit", "limit_points"]
