"""Serving the agents over Kafka, and reaching them over Kafka, with a2a-kafka's public API.

The executors are the very ones served over HTTP (`game_balance.serve_http`); only the
transport differs:

- `kafka_connector(clients)`: the Balance Agent's `Connector` through the card registry.
- `KafkaAgentServer`: one agent on its request topic (`a2a_kafka.KafkaConsumerHandler`)
  over its shared task state (`a2a_kafka.SharedTaskState`: any number of instances of
  it, in any processes, answer every task operation), optionally also over HTTP from
  the same request handler.
- `run_kafka_agents(config, data)`: all three agents served this way, wired together.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from a2a.server.agent_execution import AgentExecutor
from a2a.types import AgentCard, AgentInterface

from a2a_kafka import KafkaClients, KafkaConfig, SharedTaskState, kafka_interface
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
        state: the agent's shared task state (`SharedTaskState.open`).
        max_in_flight: concurrent requests of this instance.
        also_at: other interfaces the card lists (e.g. the same handler over HTTP).
        auth: the callers the agent accepts over Kafka (None: anyone, anonymously).
        card_signer: signs the published card (`a2a_kafka.auth.cards`).
    """

    def __init__(
        self,
        name: str,
        executor: AgentExecutor,
        state: SharedTaskState,
        max_in_flight: int = 32,
        also_at: Sequence[AgentInterface] = (),
        auth: AuthPolicy | None = None,
        card_signer: CardSigner | None = None,
    ) -> None:
        self.name = name
        self.state = state
        self.card: AgentCard = CARD_BUILDERS[name]([kafka_interface(state.config, name), *also_at])
        if auth is not None:
            self.card = auth.secure_card(self.card)
        self.request_handler = state.request_handler(executor, self.card)
        self.handler = state.consumer_handler(
            self.request_handler,
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
    state: str | None = None,
) -> AsyncIterator[dict[str, KafkaAgentServer]]:
    """Serve ``names`` (default: all three) over Kafka; yield name → server.

    The Balance agent reaches Data and CS through the card registry, so they may run here
    or in any other process of the cluster. ``state``: the shared state's URL
    (`a2a_kafka.cluster.database`); by default each agent's file in the state folder.
    """
    async with contextlib.AsyncExitStack() as stack:
        clients = await stack.enter_async_context(KafkaClients(config))
        connector = kafka_connector(clients)
        servers: dict[str, KafkaAgentServer] = {}
        for name in sorted(names, key=lambda n: n == "balance"):  # callees first
            shared = await stack.enter_async_context(SharedTaskState.open(config, name, state))
            executor = build_executor(name, data, connector, phraser)
            server = KafkaAgentServer(name, executor, shared)
            await server.start()
            stack.push_async_callback(server.aclose)
            servers[name] = server
        yield servers
