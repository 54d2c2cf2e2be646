"""The community services, appointment slot and service team that graphql_examples/ operate
on, and their placeholders (regions must exist)."""

from __future__ import annotations

from datetime import timedelta

from api import clock
from api.auth import Assignment, Principal
from api.domains.services import appointments, providers, teams
from tests.registry.helpers import credit_code
from tests.services.helpers import COMMUNITY


async def services_fixtures() -> dict[str, str]:
    """A housekeeping provider and a volunteers' team listed by 金山社区, and a legal-advice slot
    it offers the day after tomorrow."""
    staff = Principal(username="console", assignments=(Assignment("community_staff", COMMUNITY),))
    provider = await providers.register_provider(
        actor=staff,
        region_code=COMMUNITY,
        values={
            "name": "安心家政服务部",
            "kinds": ["housekeeping", "nanny", "elderly_care"],
            "contact_phone": "13912345678",
            "contact_name": "刘经理",
            "area_served": "金山社区及周边",
            "price_notes": "钟点工 40 元/小时",
            "credit_code": credit_code(),
        },
    )
    await teams.create_team(
        actor=staff,
        region_code=COMMUNITY,
        name="红马甲志愿服务队",
        service_items=["代购代办", "陪同就医"],
        duty_schedule=[teams.DutyShift(6, "09:00", "11:30", "服务站值班")],
    )
    starts = clock.now() + timedelta(days=2)
    slot = await appointments.publish_slot(
        actor=staff,
        region_code=COMMUNITY,
        title="社区法律咨询",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        capacity=10,
        location="金山社区服务中心",
    )
    return {
        "<service_provider_id>": str(provider.id),
        "<appointment_slot_id>": str(slot.id),
        "<slot_starts>": (starts + timedelta(days=1)).isoformat(),
        "<slot_ends>": (starts + timedelta(days=1, hours=2)).isoformat(),
    }
