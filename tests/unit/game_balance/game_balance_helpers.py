"""Helpers shared by the game-balance unit tests (imported as a plain module)."""

from __future__ import annotations

import uuid

from a2a.helpers import new_text_part
from a2a.server.agent_execution import AgentExecutor
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.tasks import InMemoryTaskStore
from a2a.types import Message, Role, SendMessageRequest

from a2a_kafka.http_server import jsonrpc_interface
from game_balance.agents import CARD_BUILDERS


def user_message(text: str, task_id: str = "", context_id: str = "") -> SendMessageRequest:
    """A request carrying one user text message (continuing a task when ids are given)."""
    message = Message(
        role=Role.ROLE_USER,
        message_id=str(uuid.uuid4()),
        parts=[new_text_part(text)],
        task_id=task_id,
        context_id=context_id,
    )
    return SendMessageRequest(message=message)


def request_handler(name: str, executor: AgentExecutor) -> DefaultRequestHandler:
    """The a2a request handler serving `executor` as agent `name`, with no transport."""
    card = CARD_BUILDERS[name]([jsonrpc_interface("http://agents.invalid")])
    return DefaultRequestHandler(executor, InMemoryTaskStore(), card)
