"""GraphiQL comes from the app itself, every asset with it: no CDN (intranets have no internet)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

from api.settings import Environment, Settings


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


async def test_the_page_and_every_asset_it_references_are_served_here(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    parser = _References()
    parser.feed(page.text)

    assets = [url for url in parser.urls if not url.startswith("data:")]
    assert len(assets) == 5  # the stylesheet, react, react-dom, graphiql, our start-up script
    for url in assets:
        absolute = urljoin(str(page.url), url)
        # relative or this origin: nothing from the network
        assert urlsplit(absolute).netloc == "gridgov.test", url
        asset = await client.get(absolute)
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url
        if url.endswith(".css"):
            # the stylesheet's own references (fonts) are inline data, not fetched
            references = re.findall(r"url\(\s*['\"]?([^'\")]+)", asset.text)
            assert references and all(ref.startswith("data:") for ref in references)
            assert "@import" not in asset.text


async def test_production_serves_no_graphiql(db: None, settings: Settings) -> None:
    from api.app import create_app

    app = create_app(settings.model_copy(update={"gridgov_env": Environment.PRODUCTION}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gridgov.test") as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        asset = await http.get("/graphiql/static/boot.js")

    assert "graphiql" not in page.text.lower()
    assert asset.status_code == 404
