"""The GUI's web app: one static page and three JSON/SSE endpoints (Starlette, no build step).

| route | what |
| --- | --- |
| ``GET /`` | the page (``static/index.html``; its script and style under ``/static/``) |
| ``GET /api/agents`` | the agents to talk to, with their registered cards' descriptions |
| ``POST /api/chat`` | body ``{"agent", "text", "task_id"?, "context_id"?}``; a Server-Sent Events stream of the turn's page events (`game_balance.gui.chat`), ending with ``done`` |
| ``GET /api/wire`` | Server-Sent Events: the wire rows and broker status (`game_balance.gui.observer`) |
| ``GET /api/health`` | ``{"ok": true, "broker": "up" \\| "down" \\| ...}`` |

Every SSE message is one ``data:`` line of JSON (UTF-8, non-ASCII kept).
"""  # noqa: E501

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from a2a.types import AgentCard
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from game_balance.gui.events import Event

STATIC = Path(__file__).parent / "static"
KEEPALIVE_S = 15.0
REGISTRY_WAIT_S = 30.0
"""Longest wait for the agent registry when the page asks which agents run. Reading it takes
a fresh consumer a few round trips: seconds on a busy machine, where 5 s showed every agent
as unknown; an unreachable broker fails at once, a stalled one within this bound."""
MAX_TEXT = 4_000

CardLookup = Callable[[], Awaitable[Mapping[str, AgentCard]]]
"""Every registered agent's card by name (`a2a_kafka.AgentRegistry.cards`)."""


class Chat(Protocol):
    """What the app needs of `game_balance.gui.chat.ChatService`."""

    def turn(
        self, agent: str, text: str, task_id: str = "", context_id: str = ""
    ) -> AsyncIterator[Event]: ...


class Wire(Protocol):
    """What the app needs of `game_balance.gui.observer.WireObserver`."""

    status: dict[str, Any]

    def subscribe(self) -> AsyncIterator[dict[str, Any]]: ...


@dataclass
class GuiState:
    """What the routes share."""

    chat: Chat
    wire: Wire | None
    agents: Sequence[str]
    cards: CardLookup | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Shown to the page (e.g. the request deadline)."""
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    """Set on shutdown: open streams end so the server can stop."""


def build_app(state: GuiState) -> Starlette:
    """The Starlette app serving the page and its endpoints."""

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    async def agents(request: Request) -> Response:
        return JSONResponse(await _agents(state))

    async def chat(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        problem = _check_chat(body, state.agents)
        if problem:
            return JSONResponse({"error": problem}, status_code=400)
        events = state.chat.turn(
            body["agent"], body["text"], body.get("task_id") or "", body.get("context_id") or ""
        )
        return _sse(_until(state.stopping, events))

    async def wire(request: Request) -> Response:
        if state.wire is None:
            return JSONResponse({"error": "no wire observer"}, status_code=404)
        return _sse(_until(state.stopping, state.wire.subscribe(), keepalive=KEEPALIVE_S))

    async def health(request: Request) -> Response:
        broker = state.wire.status.get("broker") if state.wire else "unknown"
        return JSONResponse({"ok": True, "broker": broker})

    return Starlette(
        routes=[
            Route("/", index),
            Route("/api/agents", agents),
            Route("/api/chat", chat, methods=["POST"]),
            Route("/api/wire", wire),
            Route("/api/health", health),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )


def _check_chat(body: object, agents: Sequence[str]) -> str:
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    if body.get("agent") not in agents:
        return f"agent must be one of {', '.join(agents)}"
    text = body.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        return f"text must be a non-empty string of at most {MAX_TEXT} characters"
    for key in ("task_id", "context_id"):
        if not isinstance(body.get(key) or "", str):
            return f"{key} must be a string"
    return ""


async def _agents(state: GuiState) -> dict[str, Any]:
    cards: Mapping[str, AgentCard] = {}
    error = ""
    if state.cards is not None:
        try:
            async with asyncio.timeout(REGISTRY_WAIT_S):
                cards = await state.cards()
        except Exception as exc:  # shown on the page; the chat reports its own errors
            error = f"cannot read the agent registry: {exc}"
    listed = [
        {
            "name": name,
            "registered": name in cards if not error else None,
            "description": cards[name].description if name in cards else "",
        }
        for name in state.agents
    ]
    return {"agents": listed, "error": error, "settings": dict(state.settings)}


def _sse(events: AsyncIterator[dict[str, Any] | None]) -> StreamingResponse:
    async def body() -> AsyncIterator[str]:
        async for event in events:
            if event is None:
                yield ": keep-alive\n\n"
            else:
                yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)


async def _until(
    stopping: asyncio.Event,
    events: AsyncIterator[dict[str, Any]],
    keepalive: float | None = None,
) -> AsyncIterator[dict[str, Any] | None]:
    """``events`` until ``stopping`` is set; None every ``keepalive`` seconds of silence.

    Each next event is awaited in a task of its own; when the stream ends early (the page
    went away, the server stops) that task is cancelled, which closes ``events``.
    """
    stop: asyncio.Future[Any] = asyncio.ensure_future(stopping.wait())
    following: asyncio.Future[Any] | None = None
    try:
        while True:
            if following is None:
                following = asyncio.ensure_future(anext(events))
            done, _ = await asyncio.wait(
                {following, stop}, timeout=keepalive, return_when=asyncio.FIRST_COMPLETED
            )
            if not done:  # silence: keep the connection alive
                yield None
                continue
            if following not in done:
                return
            arrived, following = following, None
            try:
                event = arrived.result()
            except StopAsyncIteration:
                return
            yield event
    finally:
        stop.cancel()
        if following is not None and not following.done():
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await following
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
