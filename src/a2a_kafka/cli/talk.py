"""``a2a-kafka send`` and ``a2a-kafka chat``: talk to any agent registered on Kafka.

Thinking (the agent's WORKING status updates) prints live as it streams; an
``input-required`` question is printed and, in ``chat``, answered on the same
task and context. Exit codes of ``send``: 0 completed, 1 failed or error,
3 the agent asks a question (continue with ``--task`` and ``--context``).
Credentials for agents that require them: ``A2A_KAFKA_BEARER_TOKEN`` (or
``A2A_KAFKA_BEARER_TOKEN_FILE``) and ``A2A_KAFKA_API_KEY`` (environment only, never
arguments, which other users can see in the process list).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from a2a_kafka.cli.common import Subparsers, cluster_config

if TYPE_CHECKING:
    from a2a_kafka.client.connect import KafkaClients
    from a2a_kafka.config import KafkaConfig

NEEDS_INPUT = 3


def register(subparsers: Subparsers) -> None:
    """Add ``send`` and ``chat``."""
    send = subparsers.add_parser("send", help="send one message to an agent and print the reply")
    send.add_argument("agent", help="the agent's registered name (see `a2a-kafka agents`)")
    send.add_argument("text", help="the message")
    send.add_argument("--json", action="store_true", help="print each event as a JSON line")
    send.add_argument("--task", default="", help="continue this task (after a question)")
    send.add_argument("--context", default="", help="continue this conversation")
    _timeout_option(send)
    send.set_defaults(handler=_send)
    chat = subparsers.add_parser("chat", help="talk with an agent, turn by turn")
    chat.add_argument("agent", help="the agent's registered name")
    _timeout_option(chat)
    chat.set_defaults(handler=_chat)


def _timeout_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds to wait for each next event before giving up (default 60)",
    )


async def _send(args: argparse.Namespace) -> int:
    from a2a_kafka.cli.render import StreamPrinter, turn

    async with _clients(await cluster_config()) as clients:
        client = await clients.connect(args.agent)
        printer = StreamPrinter(as_json=args.json)
        await turn(client, args.text, printer, args.timeout, args.task, args.context)
    outcome = printer.outcome
    if outcome.needs_input:
        if not args.json:
            print(
                f'\ncontinue with: a2a-kafka send {args.agent} "<answer>" '
                f"--task {outcome.task_id} --context {outcome.context_id}"
            )
        return NEEDS_INPUT
    return 1 if outcome.failed else 0


async def _chat(args: argparse.Namespace) -> int:
    import asyncio

    from a2a_kafka.cli.render import Outcome, StreamPrinter, turn

    async with _clients(await cluster_config()) as clients:
        client = await clients.connect(args.agent)
        print(f"chatting with {args.agent!r}; an empty line or Ctrl-D ends", flush=True)
        previous = Outcome()
        while text := await asyncio.to_thread(_read, "you> "):
            printer = StreamPrinter()
            task_id = previous.task_id if previous.needs_input else ""
            await turn(client, text, printer, args.timeout, task_id, previous.context_id)
            previous = printer.outcome
    return 0


def _clients(config: KafkaConfig) -> KafkaClients:
    """Clients that send ``A2A_KAFKA_BEARER_TOKEN`` / ``A2A_KAFKA_API_KEY`` if set, and
    check cards against ``A2A_KAFKA_CARD_KEYS_FILE`` if set."""
    from a2a_kafka.auth.cards import caller_options
    from a2a_kafka.client.connect import KafkaClients

    return KafkaClients(config, **caller_options())


def _read(prompt: str) -> str:
    try:
        return input(prompt).strip()
    except EOFError:
        return ""
