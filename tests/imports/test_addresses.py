"""An import of residents with free-text addresses and no grid codes (地址匹配, issue 30): the
rows whose address names one region well enough are placed there, the rest are listed as row
problems and written nowhere."""

from __future__ import annotations

from collections import Counter

import httpx

from api.domains.hierarchy.models import Region
from api.domains.imports.models import ImportRowError
from api.domains.registry.models import Person
from api.regions import Level
from api.settings import Settings
from tests import factories
from tests.imports.helpers import csv_bytes
from tests.imports.helpers import run_import as _run
from tests.imports.people import id_number

HEADER = ["身份证号", "姓名", "人口类型", "现住址"]


async def test_a_thousand_addresses_place_the_clear_rows_and_list_the_rest(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    # a second 金山社区 in the same district, under another street office
    await Region.create(
        code="410611002002", parent_code="410611002", name="金山社区", level=Level.COMMUNITY
    )
    _, staff = await factories.signed_in("admin", "410611")
    addresses = (
        [f"鹤壁市淇滨区金山街道桃园社区{n}号" for n in range(700)]  # placed
        + [f"淇滨区金山社区{n}号楼" for n in range(100)]  # two 金山社区: ambiguous
        + [f"九州社区{n}号" for n in range(100)]  # one level of four named: uncertain
        + [f"火星路{n}号" for n in range(100)]  # no region: unmatched
    )
    rows = [[id_number(n + 1), f"居民{n}", "户籍", a] for n, a in enumerate(addresses)]

    finished = await _run(
        client,
        staff,
        "RESIDENTS",
        csv_bytes([HEADER, *rows]),
        atomicity="BEST_EFFORT",
        region_code="410611",
    )

    assert finished["state"] == "COMPLETED", finished
    assert (finished["rowsInserted"], finished["rowsFailed"]) == (700, 300)
    placed = Counter(await Person.all().values_list("region_code", flat=True))
    assert placed == {"410611001010": 700}
    codes = Counter(await ImportRowError.all().values_list("code", flat=True))
    assert codes == {"UNMATCHED_ADDRESS": 100, "AMBIGUOUS_ADDRESS": 100, "UNCERTAIN_ADDRESS": 100}
    assert {edge["node"]["column"] for edge in finished["errors"]["edges"]} == {"current_address"}
