"""GraphiQL in a real browser with the network cut off, as on a government intranet.

A headless Chromium loads the page from the app on a loopback port; it resolves no host name
but loopback (`--host-resolver-rules`) and every request it makes to anywhere else is failed and
recorded (DevTools' Fetch domain). The editor must render, a query typed into it must run and
show its answer, and nothing may have been requested from outside.

Runs where a `chromium` is on PATH (Debian: `apt-get install chromium`), driven over the
DevTools protocol with the `websockets` client we already depend on. CI machines without a
browser run the pure check instead (tests/operations/test_graphiql.py: the page and every asset
it references are served by the app itself), which is why this one is skipped there. Set
GRIDGOV_GRAPHIQL_SCREENSHOT to a path to keep the screenshot it takes."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
import websockets

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
QUERY = "query FromGraphiQL { __typename }"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium here: test_graphiql.py checks the assets are local"
)


class DevTools:
    """The DevTools protocol over the browser's websocket, one page session: commands by id,
    events to handlers, requests paused by Fetch answered as they come."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.session: str | None = None
        self.outside: list[str] = []
        self.exceptions: list[str] = []
        self.reader = asyncio.create_task(self._read())

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if self.session is not None:
            message["sessionId"] = self.session
        answer = self.waiting[number] = asyncio.get_running_loop().create_future()
        try:
            await self.socket.send(json.dumps(message))
            return await asyncio.wait_for(answer, 30)
        finally:
            del self.waiting[number]

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def until(self, expression: str, *, seconds: float = 30) -> Any:
        async with asyncio.timeout(seconds):
            while not (value := await self.evaluate(expression)):  # noqa: ASYNC110 - the page's state, polled
                await asyncio.sleep(0.1)
        return value

    async def _read(self) -> None:
        async for raw in self.socket:
            message = json.loads(raw)
            if "id" in message:
                future = self.waiting.get(message["id"])
                if future is not None and not future.done():
                    if "error" in message:
                        future.set_exception(RuntimeError(message["error"]))
                    else:
                        future.set_result(message.get("result", {}))
            elif message.get("method") == "Fetch.requestPaused":
                asyncio.get_running_loop().create_task(self._paused(message["params"]))
            elif message.get("method") == "Runtime.exceptionThrown":
                details = message["params"]["exceptionDetails"]
                self.exceptions.append(json.dumps(details)[:500])

    async def _paused(self, params: dict[str, Any]) -> None:
        url = params["request"]["url"]
        if urlsplit(url).hostname in {"127.0.0.1", "localhost", "::1"} or url.startswith("data:"):
            await self.send("Fetch.continueRequest", requestId=params["requestId"])
        else:
            self.outside.append(url)
            await self.send(
                "Fetch.failRequest", requestId=params["requestId"], errorReason="BlockedByClient"
            )


@contextlib.asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def browser(profile: Path) -> AsyncIterator[DevTools]:
    assert CHROMIUM is not None
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # no name resolves but loopback: the network is cut off
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "--window-size=1280,800",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        async with asyncio.timeout(60):
            while not port_file.exists() or len(port_file.read_text().split()) < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        async with websockets.connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as ws:
            tools = DevTools(ws)
            target = await tools.send("Target.createTarget", url="about:blank")
            attached = await tools.send(
                "Target.attachToTarget", targetId=target["targetId"], flatten=True
            )
            tools.session = attached["sessionId"]
            try:
                yield tools
            finally:
                tools.reader.cancel()
    finally:
        process.terminate()
        await process.wait()


async def test_graphiql_renders_and_runs_a_query_with_the_network_cut_off(
    app: Any, db: None, tmp_path: Path
) -> None:
    async with served(app) as origin, browser(tmp_path / "profile") as page:
        await page.send("Fetch.enable", patterns=[{"urlPattern": "*"}])
        await page.send("Runtime.enable")
        await page.send("Page.enable")
        await page.send("Page.navigate", url=f"{origin}/graphql")

        # the editor rendered (GraphiQL's CodeMirror instances)
        await page.until("!!document.querySelector('.graphiql-query-editor .CodeMirror')")
        await page.evaluate(
            "document.querySelector('.graphiql-query-editor .CodeMirror')"
            f".CodeMirror.setValue({json.dumps(QUERY)})"
        )
        await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
        answer = await page.until(
            "(() => { const r = document.querySelector('.graphiql-response .CodeMirror');"
            " const v = r && r.CodeMirror.getValue(); return v && v.includes('data') && v; })()"
        )
        shot = await page.send("Page.captureScreenshot", format="png")
        loaded_from_outside = list(page.outside)
        # the control: a request to anywhere else is seen and refused, so none was made above
        await page.evaluate("fetch('http://example.org/probe').catch(() => null)")
        await page.until("true")
        async with asyncio.timeout(10):
            while not page.outside[len(loaded_from_outside) :]:  # noqa: ASYNC110 - Fetch events
                await asyncio.sleep(0.05)

    picture = base64.b64decode(shot["data"])
    if os.environ.get("GRIDGOV_GRAPHIQL_SCREENSHOT"):
        Path(os.environ["GRIDGOV_GRAPHIQL_SCREENSHOT"]).write_bytes(picture)
    assert picture.startswith(b"\x89PNG") and len(picture) > 10_000
    assert json.loads(answer)["data"]["__typename"] == "Query", answer
    assert loaded_from_outside == []
    assert page.outside == ["http://example.org/probe"]
    assert page.exceptions == []
