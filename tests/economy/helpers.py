"""Shared pieces of the economy tests: the documents they send and the clock they move."""

from __future__ import annotations

from datetime import datetime

from api import clock
from api.domains.hierarchy.enums import UrbanRural
from api.domains.hierarchy.models import Region
from api.regions import Level
from tests import factories

DISTRICT = "410611"
TOWNSHIPS = ("410611001", "410611002", "410611003")  # the third added to the test tree
ERROR = "... on Error { code message field }"

DEFINE = (
    "mutation($input: DefineIndicatorInput!) { defineIndicator(input: $input) { __typename"
    f" ... on IndicatorPayload {{ indicator {{ code reportingLevel aggregation }} }} {ERROR} }} }}"
)
OPEN = (
    "mutation($i: String!, $s: String!, $p: Date!) {"
    " openIndicatorPeriod(indicator: $i, scope: $s, period: $p) { __typename"
    f" ... on OpenedPeriodPayload {{ opened }} {ERROR} }} }}"
)
VALUE_FIELDS = "id regionCode period value status submittedLate card version"
REPORT = (
    "mutation($input: ReportIndicatorValueInput!) { reportIndicatorValue(input: $input) {"
    f" __typename ... on IndicatorValuePayload {{ value {{ {VALUE_FIELDS} }} }} {ERROR} }} }}"
)
SIGN_OFF = (
    'mutation($id: ID!, $action: SignOffAction!, $note: String! = "") {'
    " signOffIndicatorValue(id: $id, action: $action, note: $note) { __typename"
    f" ... on IndicatorValuePayload {{ value {{ {VALUE_FIELDS} }} }} {ERROR} }} }}"
)
AGGREGATE = (
    "query($i: String!, $s: String!, $p: Date!) {"
    " indicatorAggregate(indicator: $i, scope: $s, period: $p) { __typename"
    " ... on IndicatorAggregate { value expected signedOff complete"
    f" missing {{ regionCode name status }} }} {ERROR} }} }}"
)
FISCAL_REVENUE = {
    "code": "fiscal_revenue",
    "name": "一般公共预算收入",
    "unit": "万元",
    "currency": "CNY",
    "aggregation": "SUM",
    "reportingLevel": "TOWNSHIP",
    "dueDay": 5,
}


def at(moment: datetime) -> None:
    clock.move(moment - clock.now())


async def city_with_three_townships() -> None:
    """The test tree and a third township of 淇滨区."""
    await factories.region_tree()
    await Region.create(
        code="410611003",
        parent_code=DISTRICT,
        name="黎阳路街道",
        level=Level.TOWNSHIP,
        urban_rural=UrbanRural.URBAN,
    )
