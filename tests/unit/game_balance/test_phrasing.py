"""Optional LLM wording: used only when it keeps every number; never required."""

from __future__ import annotations

import json

import httpx
import pytest
from a2a.server.context import ServerCallContext
from a2a.types import TaskArtifactUpdateEvent, TaskStatusUpdateEvent
from game_balance_helpers import request_handler, user_message
from google.protobuf.json_format import MessageToDict

from game_balance.agents import DataAgentExecutor
from game_balance.agents.language import Lang
from game_balance.agents.phrasing import OpenAIPhraser, numbers
from game_balance.data import GameData

ANSWER = "Terran win rate: **49.2%** (all patches; 13,441 wins in 27,345 non-mirror games)."


def model_replying(content: str | None, status: int = 200) -> OpenAIPhraser:
    """A phraser whose endpoint answers `content` and records the requests it got."""

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert request.url == "http://llm.invalid/v1/chat/completions"
        assert request.headers["authorization"] == "Bearer secret"
        assert body["model"] == "tiny"
        assert body["temperature"] == 0
        if content is None:
            return httpx.Response(status, text="not json")
        return httpx.Response(status, json={"choices": [{"message": {"content": content}}]})

    return OpenAIPhraser(
        "http://llm.invalid/v1/", "tiny", "secret", transport=httpx.MockTransport(handle)
    )


async def test_rewording_that_keeps_the_numbers_is_used() -> None:
    worded = "Terrans win 49.2% of 27,345 non-mirror games (13,441 wins), all patches."
    assert await model_replying(worded).phrase(ANSWER, question="q", lang="en") == worded


@pytest.mark.parametrize(
    ("content", "status"),
    [("Terrans win about half their games.", 200), ("", 200), ("oops", 500), (None, 200)],
)
async def test_anything_else_keeps_the_deterministic_answer(
    content: str | None, status: int
) -> None:
    phraser = model_replying(content, status)
    assert await phraser.phrase(ANSWER, question="q", lang="en") == ANSWER


def test_numbers() -> None:
    assert numbers(ANSWER) == {"49.2%", "13,441", "27,345"}


def test_configured_only_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GAME_BALANCE_LLM_BASE_URL", raising=False)
    assert OpenAIPhraser.from_env() is None
    monkeypatch.setenv("GAME_BALANCE_LLM_BASE_URL", "http://llm.invalid/v1")
    monkeypatch.setenv("GAME_BALANCE_LLM_MODEL", "tiny")
    monkeypatch.delenv("GAME_BALANCE_LLM_API_KEY", raising=False)
    assert OpenAIPhraser.from_env() == OpenAIPhraser("http://llm.invalid/v1", "tiny")


class Shouting:
    """A phraser that upper-cases the answer."""

    async def phrase(self, answer: str, *, question: str, lang: Lang) -> str:
        assert question == "Terran win rate?"
        return answer.upper()


async def test_executor_rewords_the_text_part_only(game_data: GameData) -> None:
    handler = request_handler("data", DataAgentExecutor(game_data, Shouting()))
    request = user_message("Terran win rate?")

    events = [e async for e in handler.on_message_send_stream(request, ServerCallContext())]

    (artifact,) = [e for e in events if isinstance(e, TaskArtifactUpdateEvent)]
    text, data = artifact.artifact.parts
    assert text.text.startswith("TERRAN WIN RATE: **")
    assert MessageToDict(data.data)["results"][0]["race"] == "Terran"
    steps = [
        MessageToDict(e.status.message.metadata).get("step")
        for e in events
        if isinstance(e, TaskStatusUpdateEvent)
    ]
    assert "phrasing" in steps
    await handler.aclose()
