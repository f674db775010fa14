"""What ``a2a-kafka serve TARGET`` serves: any agent, named the way ``uvicorn module:app`` is.

A TARGET is one of:

- ``MODULE:ATTR``: ``ATTR`` of the importable module ``MODULE`` (the current directory, or
  ``--app-dir``, is put on ``sys.path`` first) is either

  - a `RequestHandler` (e.g. a2a's ``DefaultRequestHandler``) whose card is its
    ``agent_card`` (or a2a's ``DefaultRequestHandler``'s own card), served under the card's
    name; or
  - an `AgentFactory`: called with a `ServeContext`, it returns (or its coroutine returns)
    an `AgentSpec` (or a ``(request_handler, card)`` tuple), served under ``ATTR``'s name;

- the name of an agent an installed package registers in the entry-point group
  `AGENTS_GROUP` (the demo registers ``data``, ``cs`` and ``balance``), whose value is
  ``MODULE:ATTR`` as above and which is served under that name.

``--name`` overrides the name. ``ServeContext.interfaces`` are those the card should list:
Kafka's (``kafka://<bootstrap>/<name>``) first, then HTTP's with ``--transport both``.
Problems are `ConfigurationError`s naming the target and what to do.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from a2a.client.client import Client
from a2a.client.interceptors import ClientCallInterceptor
from a2a.server.agent_execution import AgentExecutor
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.request_handlers.request_handler import RequestHandler
from a2a.server.tasks import InMemoryTaskStore
from a2a.types.a2a_pb2 import AgentCard, AgentInterface

from a2a_kafka.auth.policy import AuthPolicy
from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import ConfigurationError
from a2a_kafka.server.handler import KafkaConsumerHandler

AGENTS_GROUP = "a2a_kafka.agents"
"""Entry-point group of agents installed packages offer to ``a2a-kafka serve <name>``."""

CardResolver = Callable[[str], Awaitable[AgentCard]]
"""Finds the card of the agent of that name (raises `AgentNotFoundError` if none)."""


class ClientMaker(Protocol):
    """Makes a2a clients from cards: a2a's `ClientFactory`, or `a2a_kafka.KafkaClients`
    (which adds the caller's credentials)."""

    def create(
        self, card: AgentCard, interceptors: list[ClientCallInterceptor] | None = None
    ) -> Client:
        """A client of the agent ``card`` describes."""
        ...


class AgentSpec(NamedTuple):
    """What an agent factory returns: the request handler and its card."""

    request_handler: RequestHandler
    card: AgentCard


class AgentState(Protocol):
    """Where a served agent's tasks and dedupe claims live (`MemoryState`, `SharedTaskState`)."""

    def request_handler(
        self, executor: AgentExecutor, card: AgentCard, **options: Any
    ) -> DefaultRequestHandler:
        """a2a's `DefaultRequestHandler` over this state's task store."""
        ...

    def consumer_handler(
        self, request_handler: RequestHandler, **options: Any
    ) -> KafkaConsumerHandler:
        """The agent's `KafkaConsumerHandler`, with this state's dedupe store."""
        ...


@dataclass
class MemoryState:
    """Tasks and dedupe claims in this process's memory: one instance per agent."""

    config: KafkaConfig
    agent: str

    def request_handler(
        self, executor: AgentExecutor, card: AgentCard, **options: Any
    ) -> DefaultRequestHandler:
        """a2a's `DefaultRequestHandler` over an `InMemoryTaskStore`."""
        return DefaultRequestHandler(executor, InMemoryTaskStore(), card, **options)

    def consumer_handler(
        self, request_handler: RequestHandler, **options: Any
    ) -> KafkaConsumerHandler:
        """A `KafkaConsumerHandler` with a `MemoryDedupeStore`."""
        return KafkaConsumerHandler(self.agent, request_handler, self.config, **options)


@dataclass(frozen=True)
class ServeContext:
    """What ``a2a-kafka serve`` hands an agent factory."""

    name: str
    """The name the agent is served under (its topics are ``agent.<name>.*``)."""
    config: KafkaConfig
    """The cluster."""
    interfaces: tuple[AgentInterface, ...]
    """The interfaces the card should list: Kafka's first (unless ``--transport http``), HTTP's."""
    client_factory: ClientMaker
    """Builds a2a clients to other agents (Kafka, and HTTP JSON-RPC), sending ``serve``'s
    credentials (``A2A_KAFKA_BEARER_TOKEN`` / ``A2A_KAFKA_API_KEY``) when set."""
    resolve_card: CardResolver
    """Finds another agent's card by name (the card registry on Kafka)."""
    state: AgentState = field(repr=False)
    """Where tasks live: use `request_handler` so that the served instances share them
    (``serve``'s shared state by default, `MemoryState` with ``--state memory``)."""
    auth: AuthPolicy | None = field(default=None, repr=False)
    """The callers the agent accepts (``A2A_KAFKA_AUTH_*``); None: anyone."""

    def request_handler(
        self, executor: AgentExecutor, card: AgentCard, **options: Any
    ) -> DefaultRequestHandler:
        """a2a's `DefaultRequestHandler` for ``executor`` over the served task store.

        ``options`` go to `DefaultRequestHandler` (push config store, extended card, ...).
        The card gets the security schemes of `auth`.
        """
        return self.state.request_handler(executor, self.secured(card), **options)

    def secured(self, card: AgentCard) -> AgentCard:
        """``card`` declaring the schemes `auth` accepts (unchanged without `auth`)."""
        return card if self.auth is None else self.auth.secure_card(card)


AgentResult = AgentSpec | tuple[RequestHandler, AgentCard]
"""What an `AgentFactory` returns."""

AgentFactory = Callable[[ServeContext], AgentResult | Awaitable[AgentResult]]
"""``ATTR`` of a ``MODULE:ATTR`` target that builds the agent."""


@dataclass(frozen=True)
class Target:
    """A resolved TARGET: the object it names and the name to serve it under."""

    text: str
    name: str
    value: object

    async def build(self, context: ServeContext) -> AgentSpec:
        """The handler and card: the handler itself, or what the factory returns."""
        if isinstance(self.value, RequestHandler):
            return AgentSpec(self.value, handler_card(self.value, self.text))
        if not callable(self.value):
            raise ConfigurationError(
                f"{self.text} is neither a RequestHandler nor a factory of one "
                f"(it is a {type(self.value).__name__})"
            )
        result = self.value(context)
        if inspect.isawaitable(result):
            result = await result
        return _spec(result, self.text)


def registered_agents() -> dict[str, EntryPoint]:
    """Agents installed packages offer (`AGENTS_GROUP`): name → entry point."""
    return {ep.name: ep for ep in entry_points(group=AGENTS_GROUP)}


def resolve(text: str, name: str | None = None, app_dir: Path | None = None) -> Target:
    """The `Target` of a TARGET argument (see the module docstring)."""
    registered = registered_agents()
    if ":" not in text:
        if text not in registered:
            known = ", ".join(sorted(registered)) or "none installed"
            raise ConfigurationError(
                f"{text!r} is neither MODULE:ATTR nor a registered agent ({known})"
            )
        return Target(text, name or text, _load(registered[text].value, app_dir))
    value = _load(text, app_dir)
    if isinstance(value, RequestHandler):
        return Target(text, name or handler_card(value, text).name, value)
    return Target(text, name or text.rpartition(":")[2].rpartition(".")[2], value)


def handler_card(handler: RequestHandler, text: str) -> AgentCard:
    """The card of a `RequestHandler` target: its ``agent_card``, or a2a's handler's own."""
    for attribute in ("agent_card", "_agent_card"):  # a2a's DefaultRequestHandler keeps it private
        card = getattr(handler, attribute, None)
        if isinstance(card, AgentCard):
            return card
    raise ConfigurationError(
        f"{text} is a RequestHandler without an agent card: "
        "give a factory returning (request_handler, card) instead"
    )


def _load(text: str, app_dir: Path | None) -> object:
    module_name, _, attribute = text.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"{text!r} is not MODULE:ATTR")
    directory = str((app_dir or Path.cwd()).resolve())
    if directory not in sys.path:
        sys.path.insert(0, directory)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        raise ConfigurationError(
            f"cannot import {module_name!r} (from {directory} or the installed packages); "
            "use --app-dir to say where it is"
        ) from exc
    value: object = module
    for part in attribute.split("."):
        if not hasattr(value, part):
            raise ConfigurationError(f"{module_name!r} has no attribute {attribute!r}")
        value = getattr(value, part)
    return value


def _spec(result: object, text: str) -> AgentSpec:
    if isinstance(result, tuple) and len(result) == 2:
        handler, card = result
        if isinstance(handler, RequestHandler) and isinstance(card, AgentCard):
            return AgentSpec(handler, card)
    raise ConfigurationError(
        f"the factory {text} returned {type(result).__name__}, "
        "not (request_handler, card) or an AgentSpec"
    )
