"""Serving the agents over Kafka, and reaching them over Kafka, with a2a-kafka's public API.

The executors are the very ones served over HTTP (`game_balance.serve_http`); only the
transport differs:

- `kafka_connector(clients)`: the Balance Agent's `Connector` through the card registry.
- `KafkaAgentServer`: one agent on its request topic (`a2a_kafka.KafkaConsumerHandler`),
  optionally also over HTTP from the same request handler (``also_http=True``).
- `run_kafka_agents(config, data)`: all three agents served this way, wired together.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from a2a.server.agent_execution import AgentExecutor
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.tasks import InMemoryTaskStore
from a2a.types import AgentCard, AgentInterface

from a2a_kafka import KafkaClients, KafkaConfig, KafkaConsumerHandler, kafka_interface
from a2a_kafka.auth import AuthPolicy
from a2a_kafka.auth.cards import CardSigner
from game_balance.agents import AGENT_NAMES, CARD_BUILDERS, Phraser, build_executor
from game_balance.connectors import ClientFactoryConnector, caching
from game_balance.data.queries import GameData


def kafka_connector(clients: KafkaClients) -> ClientFactoryConnector:
    """A `Connector` to agents registered on the cluster of ``clients`` (cards cached)."""
    return ClientFactoryConnector(clients, caching(clients.registry.get))


class KafkaAgentServer:
    """One agent served from its Kafka request topic.

    Args:
        name: the agent's name (its topics are ``agent.<name>.*``).
        executor: the agent.
        config: the cluster.
        max_in_flight: concurrent requests of this instance.
        also_at: other interfaces the card lists (e.g. the same handler over HTTP).
        auth: the callers the agent accepts over Kafka (None: anyone, anonymously).
        card_signer: signs the published card (`a2a_kafka.auth.cards`).
    """

    def __init__(
        self,
        name: str,
        executor: AgentExecutor,
        config: KafkaConfig,
        max_in_flight: int = 32,
        also_at: Sequence[AgentInterface] = (),
        auth: AuthPolicy | None = None,
        card_signer: CardSigner | None = None,
    ) -> None:
        self.name = name
        self.card: AgentCard = CARD_BUILDERS[name]([kafka_interface(config, name), *also_at])
        if auth is not None:
            self.card = auth.secure_card(self.card)
        self.request_handler = DefaultRequestHandler(
            agent_executor=executor, task_store=InMemoryTaskStore(), agent_card=self.card
        )
        self.handler = KafkaConsumerHandler(
            name,
            self.request_handler,
            config,
            agent_card=self.card,
            max_in_flight=max_in_flight,
            auth=auth,
            card_signer=card_signer,
        )

    async def start(self) -> None:
        """Join the agent's consumer group and publish its card."""
        await self.handler.start()

    async def wait_failed(self) -> BaseException:
        """Return once the agent cannot go on serving (its consume loop failed); the reason."""
        return await self.handler.wait_failed()

    async def aclose(self) -> None:
        """Drain in-flight requests, leave the group, end the agent's tasks; idempotent."""
        await self.handler.aclose()
        await self.request_handler.aclose()


@contextlib.asynccontextmanager
async def run_kafka_agents(
    config: KafkaConfig,
    data: GameData,
    names: Sequence[str] = AGENT_NAMES,
    phraser: Phraser | None = None,
) -> AsyncIterator[dict[str, KafkaAgentServer]]:
    """Serve ``names`` (default: all three) over Kafka; yield name → server.

    The Balance agent reaches Data and CS through the card registry, so they may run here
    or in any other process of the cluster.
    """
    async with contextlib.AsyncExitStack() as stack:
        clients = await stack.enter_async_context(KafkaClients(config))
        connector = kafka_connector(clients)
        servers: dict[str, KafkaAgentServer] = {}
        for name in sorted(names, key=lambda n: n == "balance"):  # callees first
            server = KafkaAgentServer(name, build_executor(name, data, connector, phraser), config)
            await server.start()
            stack.push_async_callback(server.aclose)
            servers[name] = server
        yield servers
