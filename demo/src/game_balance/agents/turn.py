"""One turn of an agent's conversation: what was asked, and how to think, ask and answer.

"Thinking" is a WORKING `TaskStatusUpdateEvent` whose status message is an agent message with
``metadata = {"thinking": True, "agent": <name>, ...}``. Each one is enqueued when the step it
describes happens, so callers see it while the rest of the work is still running.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from a2a.helpers import get_data_parts, get_message_text, new_data_part, new_text_part
from a2a.server.agent_execution import RequestContext
from a2a.server.tasks import TaskUpdater
from a2a.types import Artifact, Message, Role, Task, TaskState, TaskStatus

from game_balance.agents.language import Lang, detect_lang, pick
from game_balance.agents.phrasing import Phraser
from game_balance.agents.query import Query, parse_text
from game_balance.data.queries import ProgressCallback, ScanProgress


@dataclass(frozen=True)
class Request:
    """What the user has said in this task so far."""

    message: Message
    """The message of this turn."""
    user_texts: tuple[str, ...]
    """The text of every user turn in the task, oldest first, this turn last."""
    structured: Mapping[str, Any] | None
    """The first data part of this turn's message carrying an ``op``, if any."""
    previous_status: TaskStatus | None
    """The task's status before this turn (set on follow-ups, e.g. INPUT_REQUIRED)."""

    @classmethod
    def from_context(cls, context: RequestContext, task: Task | None) -> Request:
        """Collect the turns of `task` (None on a new task) plus the message of `context`."""
        message = context.message
        if message is None:
            raise ValueError("the request carries no message")
        history = [m for m in task.history if m.role == Role.ROLE_USER] if task else []
        if not any(m.message_id == message.message_id for m in history):
            history.append(message)
        structured = next(
            (d for d in get_data_parts(message.parts) if isinstance(d, dict) and "op" in d), None
        )
        return cls(
            message=message,
            user_texts=tuple(t for t in (get_message_text(m) for m in history) if t),
            structured=structured,
            previous_status=task.status if task and task.HasField("status") else None,
        )

    @property
    def text(self) -> str:
        """Every user turn joined by newlines (how follow-up answers complete a question)."""
        return "\n".join(self.user_texts)

    @property
    def lang(self) -> Lang:
        """The structured query's language, else the language of the task's first question."""
        if self.structured is not None:
            return Query.from_data(self.structured).lang
        return detect_lang(self.user_texts[0]) if self.user_texts else "en"

    def query(self) -> Query:
        """The structured query if one was sent, else the query read from all turns' text."""
        if self.structured is not None:
            return Query.from_data(self.structured)
        return parse_text(self.text).with_lang(self.lang)


class Turn:
    """Publishes one agent's events for one turn through a `TaskUpdater`."""

    def __init__(
        self,
        agent: str,
        updater: TaskUpdater,
        lang: Lang,
        phraser: Phraser | None = None,
        question: str = "",
    ) -> None:
        self.agent = agent
        self.updater = updater
        self.lang = lang
        self.phraser = phraser
        self.question = question
        self.thoughts = 0

    def text(self, ko: str, en: str) -> str:
        """`ko` or `en` by the turn's language."""
        return pick(self.lang, ko, en)

    def message(self, text: str, metadata: Mapping[str, Any]) -> Message:
        """An agent message of this task with `text`, and `metadata` plus the agent's name."""
        return self.updater.new_agent_message(
            [new_text_part(text)], metadata={**metadata, "agent": self.agent}
        )

    async def think(self, step: str, ko: str, en: str, **metadata: Any) -> None:
        """Publish one thinking step (a WORKING status update) in the turn's language.

        `step` names the kind of step (``"understood"``, ``"query"``, ``"scan"``, ``"result"``,
        ``"call"``, ...) in the message metadata, for clients that style or filter thinking.
        """
        await self.relay(self.text(ko, en), step=step, **metadata)

    async def relay(self, text: str, **metadata: Any) -> None:
        """Publish `text` as a thinking step as is (e.g. a sub-agent's thinking)."""
        self.thoughts += 1
        message = self.message(text, {**metadata, "thinking": True})
        await self.updater.update_status(TaskState.TASK_STATE_WORKING, message)

    def progress(self, noun_ko: str, noun_en: str) -> ProgressCallback:
        """A progress callback that reports a scan of `noun` rows as thinking steps."""

        async def report(progress: ScanProgress) -> None:
            counts = {"rows_scanned": progress.rows_scanned, "rows_total": progress.rows_total}
            total = f"{progress.rows_total:,}"
            if progress.chunk == 0:
                await self.think(
                    "scan",
                    f"{noun_ko} {total}건을 {progress.chunks}개 구간으로 나눠 스캔합니다",
                    f"{total} {noun_en} selected; scanning them in {progress.chunks} chunks",
                    **counts,
                )
                return
            done = f"{progress.rows_scanned:,}"
            share = f"{progress.fraction:.0%}"
            await self.think(
                "scan",
                f"{noun_ko} {done} / {total}건 스캔 완료 ({share})",
                f"Scanned {done} / {total} {noun_en} ({share})",
                **counts,
            )

        return report

    async def ask(self, ko: str, en: str, **metadata: Any) -> None:
        """End the turn in INPUT_REQUIRED with a question; the answer continues the task."""
        await self.requires_input(self.text(ko, en), **metadata)

    async def requires_input(self, text: str, **metadata: Any) -> None:
        """End the turn in INPUT_REQUIRED with the question `text` as is."""
        await self.updater.requires_input(self.message(text, metadata))

    async def answer(self, name: str, text: str, data: Mapping[str, Any]) -> None:
        """Publish the answer artifact (markdown text + structured data) and complete the task.

        With a `phraser`, the text is reworded first (the data part never is).
        """
        if self.phraser is not None:
            await self.think("phrasing", "답변 문장을 다듬습니다", "Wording the answer")
            text = await self.phraser.phrase(text, question=self.question, lang=self.lang)
        parts = [new_text_part(text, media_type="text/markdown"), new_data_part(dict(data))]
        await self.updater.add_artifact(parts, name=name, last_chunk=True)
        await self.updater.complete()

    async def forward_artifacts(self, artifacts: Sequence[Artifact]) -> None:
        """Publish another agent's artifacts as this task's answer and complete the task."""
        for artifact in artifacts:
            await self.updater.add_artifact(
                list(artifact.parts), name=artifact.name or None, last_chunk=True
            )
        await self.updater.complete()

    async def fail(self, ko: str, en: str) -> None:
        """End the task as FAILED with an explanation."""
        await self.updater.failed(self.message(self.text(ko, en), {}))
