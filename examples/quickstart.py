"""A2A over Kafka in one file: an a2a-sdk agent served from Kafka, and a2a's Client calling it.

Run against any cluster: ``KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 python examples/quickstart.py``
(``a2a-kafka broker start`` gives you a local one). Or serve the same agent with the CLI,
the way ``uvicorn module:app`` serves an app, and call it from another shell::

    a2a-kafka serve quickstart:shouter --app-dir examples
    a2a-kafka send shouter hi
"""

import asyncio
import uuid
from collections.abc import Sequence

from a2a.helpers import get_artifact_text, new_task_from_user_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentSkill,
    Message,
    Part,
    Role,
    SendMessageRequest,
    TaskState,
)

from a2a_kafka import (
    AgentSpec,
    KafkaClients,
    KafkaConfig,
    KafkaConsumerHandler,
    ServeContext,
    kafka_interface,
)


class Shouter(AgentExecutor):
    """An ordinary a2a-sdk agent: nothing in it knows about Kafka."""

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        task = context.current_task or new_task_from_user_message(context.message)
        await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        thinking = updater.new_agent_message([Part(text="thinking…")])
        await updater.update_status(TaskState.TASK_STATE_WORKING, thinking)
        await updater.add_artifact([Part(text=context.get_user_input().upper())])
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        raise NotImplementedError


def shouter_card(interfaces: Sequence[AgentInterface]) -> AgentCard:
    return AgentCard(
        name="shouter",
        description="Answers in capitals",
        version="1.0.0",
        supported_interfaces=list(interfaces),
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="shout", name="Shout", description="capitals", tags=["text"])],
    )


def shouter(context: ServeContext) -> AgentSpec:
    """``a2a-kafka serve quickstart:shouter``: the CLI serves the agent this returns."""
    card = shouter_card(context.interfaces)  # kafka://<bootstrap>/shouter (and HTTP's)
    return AgentSpec(context.request_handler(Shouter(), card), card)


async def main() -> None:
    config = KafkaConfig.from_env()  # KAFKA_BOOTSTRAP_SERVERS, security settings, ...
    card = shouter_card([kafka_interface(config, "shouter")])
    handler = DefaultRequestHandler(Shouter(), InMemoryTaskStore(), card)

    # Server side: KafkaConsumerHandler consumes agent.shouter.requests and registers the card.
    # Client side: KafkaClients finds the agent by name; a2a's Client does the rest.
    async with (
        KafkaConsumerHandler("shouter", handler, config, agent_card=card),
        KafkaClients(config) as clients,
    ):
        client = await clients.connect("shouter")
        message = Message(
            role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text="hi")]
        )
        async for event in client.send_message(SendMessageRequest(message=message)):
            if event.HasField("artifact_update"):
                print(get_artifact_text(event.artifact_update.artifact))  # HI
        await client.close()


if __name__ == "__main__":
    asyncio.run(main())
