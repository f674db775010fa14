"""The GUI's web app with stand-ins for the chat and the wire: routes, SSE, validation."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from a2a.types import AgentCard

from a2a_kafka.cli.main import build_parser
from game_balance.gui.app import GuiState, _until, build_app
from game_balance.gui.events import Event


class FakeChat:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    async def turn(
        self, agent: str, text: str, task_id: str = "", context_id: str = ""
    ) -> AsyncIterator[Event]:
        self.calls.append((agent, text, task_id, context_id))
        yield {"type": "thinking", "text": "생각 중"}
        yield {"type": "done", "state": "completed"}


class FakeWire:
    def __init__(self) -> None:
        self.status: dict[str, Any] = {"type": "status", "broker": "up", "detail": ""}
        self.stream: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        yield dict(self.status)
        while True:
            yield await self.stream.get()


async def cards() -> dict[str, AgentCard]:
    return {"balance": AgentCard(name="balance", description="the coordinator")}


@pytest.fixture
def state() -> GuiState:
    return GuiState(FakeChat(), FakeWire(), ["balance", "data"], cards, {"idle_timeout": 5})


def client(state: GuiState) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=build_app(state))
    return httpx.AsyncClient(transport=transport, base_url="http://gui.test")


def sse(body: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


async def test_the_page_and_its_assets_are_served_as_utf8(state: GuiState) -> None:
    async with client(state) as http:
        page = await http.get("/")
        script = await http.get("/static/app.js")
        style = await http.get("/static/app.css")

    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<meta charset="utf-8">' in page.text
    assert "밸런스" in page.text
    for asset in (script, style):
        assert asset.status_code == 200
    assert "http://" not in script.text + style.text  # nothing is fetched from elsewhere
    assert "Noto Sans CJK KR" in style.text


async def test_agents_lists_the_configured_ones_with_their_registration(state: GuiState) -> None:
    async with client(state) as http:
        body = (await http.get("/api/agents")).json()

    assert body["agents"] == [
        {"name": "balance", "registered": True, "description": "the coordinator"},
        {"name": "data", "registered": False, "description": ""},
    ]
    assert body["settings"] == {"idle_timeout": 5}
    assert body["error"] == ""


async def test_a_registry_failure_is_reported(state: GuiState) -> None:
    async def broken() -> dict[str, AgentCard]:
        raise OSError("no route")

    state.cards = broken
    async with client(state) as http:
        body = (await http.get("/api/agents")).json()

    assert body["error"] == "cannot read the agent registry: no route"
    assert body["agents"][0]["registered"] is None


async def test_chat_streams_the_turn_as_sse(state: GuiState) -> None:
    async with client(state) as http:
        reply = await http.post(
            "/api/chat", json={"agent": "data", "text": "승률?", "task_id": "t", "context_id": "c"}
        )

    assert reply.headers["content-type"].startswith("text/event-stream")
    assert sse(reply.text) == [
        {"type": "thinking", "text": "생각 중"},
        {"type": "done", "state": "completed"},
    ]
    assert "생각 중" in reply.text  # UTF-8, not \\u escapes
    assert state.chat.calls == [("data", "승률?", "t", "c")]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [
        {"agent": "nobody", "text": "hi"},
        {"agent": "data", "text": "   "},
        {"agent": "data", "text": "x" * 5_000},
        {"agent": "data", "text": "hi", "task_id": 3},
        ["not", "an", "object"],
    ],
)
async def test_chat_rejects_bad_requests(state: GuiState, body: object) -> None:
    async with client(state) as http:
        reply = await http.post("/api/chat", json=body)

    assert reply.status_code == 400
    assert reply.json()["error"]


async def test_wire_ends_when_the_gui_stops(state: GuiState) -> None:
    wire = state.wire
    assert isinstance(wire, FakeWire)
    wire.stream.put_nowait({"id": "t:0:1", "direction": "request"})
    asyncio.get_running_loop().call_later(0.2, state.stopping.set)

    async with client(state) as http:
        reply = await asyncio.wait_for(http.get("/api/wire"), 5)

    assert [e.get("broker", e.get("id")) for e in sse(reply.text)] == ["up", "t:0:1"]


async def test_health(state: GuiState) -> None:
    async with client(state) as http:
        assert (await http.get("/api/health")).json() == {"ok": True, "broker": "up"}


def test_the_cli_has_gui() -> None:
    argv = ["gui", "--port", "0", "--timeout", "12", "--no-agents"]
    args = build_parser(argv).parse_args(argv)

    assert (args.port, args.timeout, args.no_agents, args.host) == (0, 12.0, True, "127.0.0.1")


async def test_a_stream_left_early_closes_its_source() -> None:
    closed = asyncio.Event()

    async def source() -> AsyncIterator[dict[str, Any]]:
        try:
            yield {"n": 1}
            await asyncio.Event().wait()
        finally:
            closed.set()

    stream = _until(asyncio.Event(), source())
    assert await anext(stream) == {"n": 1}
    reader = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.01)
    reader.cancel()  # the page went away while the source was waiting

    with contextlib.suppress(asyncio.CancelledError):
        await reader
    assert closed.is_set()
    await stream.aclose()  # type: ignore[attr-defined]
