"""Optional wording of final answers by a language model; off by default.

The agents compute every answer deterministically. A `Phraser` may then reword the text part
of the answer artifact (the data part is never touched). `OpenAIPhraser` calls any
OpenAI-compatible chat-completions endpoint configured by environment variables:

- ``GAME_BALANCE_LLM_BASE_URL`` (e.g. ``http://localhost:11434/v1``): required to enable it;
- ``GAME_BALANCE_LLM_MODEL``: the model name (required with the URL);
- ``GAME_BALANCE_LLM_API_KEY``: sent as a bearer token if set.

The reworded text is used only if it keeps every number of the original (``49.2%``,
``27,345``, ``7.3``...); on any error, timeout or lost number the deterministic text is kept.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import Protocol

import httpx

from game_balance.agents.language import Lang

logger = logging.getLogger(__name__)

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?%?")
_SYSTEM = (
    "You reword answers of a game-balance analytics agent for players. Answer in {language}. "
    "Keep every number, percentage, unit name and race name exactly as given; add no facts; "
    "keep it short; markdown is allowed."
)


class Phraser(Protocol):
    """Rewords a finished answer; must return `answer` itself when it cannot do better."""

    async def phrase(self, answer: str, *, question: str, lang: Lang) -> str:
        """The answer to `question`, possibly reworded, in `lang`."""
        ...


def numbers(text: str) -> set[str]:
    """The numbers written in `text` (with thousands separators and percent signs)."""
    return set(_NUMBER.findall(text))


@dataclass(frozen=True)
class OpenAIPhraser:
    """A `Phraser` backed by an OpenAI-compatible ``/chat/completions`` endpoint."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 20.0
    transport: httpx.AsyncBaseTransport | None = None
    """For tests: an httpx transport to use instead of the network."""

    @classmethod
    def from_env(cls) -> OpenAIPhraser | None:
        """The phraser configured by the environment, or None if it is not configured."""
        base_url = os.environ.get("GAME_BALANCE_LLM_BASE_URL")
        model = os.environ.get("GAME_BALANCE_LLM_MODEL")
        if not base_url or not model:
            return None
        return cls(base_url, model, os.environ.get("GAME_BALANCE_LLM_API_KEY") or None)

    async def phrase(self, answer: str, *, question: str, lang: Lang) -> str:
        """Ask the model to reword `answer`; keep `answer` unless every number survives."""
        try:
            worded = await self._complete(answer, question, lang)
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            logger.warning("LLM phrasing failed, keeping the deterministic answer: %s", exc)
            return answer
        if not worded.strip() or not numbers(answer) <= numbers(worded):
            logger.warning("LLM phrasing dropped numbers, keeping the deterministic answer")
            return answer
        return worded

    async def _complete(self, answer: str, question: str, lang: Lang) -> str:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        language = "Korean" if lang == "ko" else "English"
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": _SYSTEM.format(language=language)},
                {"role": "user", "content": f"Question: {question}\n\nAnswer:\n{answer}"},
            ],
        }
        async with httpx.AsyncClient(timeout=self.timeout_s, transport=self.transport) as client:
            response = await client.post(
                self.base_url.rstrip("/") + "/chat/completions", json=body, headers=headers
            )
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        return str(content)
