"""An Open311 request with an address but no point goes to the region its address names (地址
匹配), when it names one clearly; otherwise to the key's own region, whose centre triages it."""

from __future__ import annotations

import httpx

from api.domains.events.models import Event
from tests import factories
from tests.intake.helpers import api_key
from tests.intake.test_open311 import BASE, create_form


async def test_an_address_places_a_request_only_when_it_is_clear(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    key = await api_key("410611", "civic app")

    for address in ("鹤壁市淇滨区金山街道桃园社区3号楼", "淇河路与黄山路交叉口", "桃园社区"):
        response = await client.post(
            f"{BASE}/requests.json",
            data=create_form(key, lat="", long="", address_string=address),
        )
        assert response.status_code == 200, response.text

    placed = dict(await Event.all().values_list("address", "region_code"))
    assert placed == {
        "鹤壁市淇滨区金山街道桃园社区3号楼": "410611001010",
        "淇河路与黄山路交叉口": "410611",  # names no region: the centre triages
        "桃园社区": "410611",  # one level of four: too thin to place
    }
