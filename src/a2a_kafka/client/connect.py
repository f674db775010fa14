"""Plugging Kafka into a2a's `ClientFactory`, and "connect to agent X" in one call.

>>> async with KafkaClients(KafkaConfig.from_env()) as clients:
...     client = await clients.connect("data")
...     async for event in client.send_message(request): ...

`KafkaClients` shares one `Requester` (one producer, one reply consumer) among
all the agents it connects to, per cluster. It connects only to the clusters
it is configured for (`a2a_kafka.client.trust`): a card naming another is
refused with `UntrustedCardError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType

from a2a.client.auth import AuthInterceptor, CredentialService
from a2a.client.client import Client, ClientConfig
from a2a.client.client_factory import ClientFactory
from a2a.client.interceptors import ClientCallInterceptor
from a2a.client.transports.base import ClientTransport
from a2a.types.a2a_pb2 import AgentCard

from a2a_kafka.client.requester import Requester
from a2a_kafka.client.transport import KafkaTransport
from a2a_kafka.client.trust import check_card, check_cluster
from a2a_kafka.config import KafkaConfig
from a2a_kafka.registry import KAFKA_PROTOCOL_BINDING, AgentRegistry, parse_kafka_url
from a2a_kafka.topics import AgentTopics


class KafkaClients:
    """Creates a2a `Client`s whose transport is Kafka.

    Args:
        config: cluster and client settings; a card's ``kafka://`` URL may name
            another cluster only if its brokers are in ``config.trusted_servers``
            (reached with these security settings); others are refused.
        client_config: a2a's client settings (streaming on by default); the
            Kafka binding is added to its ``supported_protocol_bindings``.
        credentials: the caller's credentials (e.g. `a2a_kafka.auth.StaticCredentials`):
            every client made here gets a2a's ``AuthInterceptor`` with them, which
            sends what the agent's card asks for.
        signature_verifier: checks each card `connect` finds in the registry before it
            is used (`a2a_kafka.auth.cards.card_verifier`: signed by a trusted key).
    """

    def __init__(
        self,
        config: KafkaConfig,
        client_config: ClientConfig | None = None,
        *,
        credentials: CredentialService | None = None,
        signature_verifier: Callable[[AgentCard], None] | None = None,
    ) -> None:
        self.config = config
        self.credentials = credentials
        self.signature_verifier = signature_verifier
        self.client_config = client_config or ClientConfig(streaming=True)
        if KAFKA_PROTOCOL_BINDING not in self.client_config.supported_protocol_bindings:
            self.client_config.supported_protocol_bindings.insert(0, KAFKA_PROTOCOL_BINDING)
        self.registry = AgentRegistry(config)
        self.factory = ClientFactory(self.client_config)
        self.register(self.factory)
        self._requesters: dict[tuple[str, str], Requester] = {}

    def register(self, factory: ClientFactory) -> None:
        """Teach ``factory`` to build `KafkaTransport`s for Kafka interfaces."""
        factory.register(KAFKA_PROTOCOL_BINDING, self._transport)

    def _transport(self, card: AgentCard, url: str, _: ClientConfig) -> ClientTransport:
        bootstrap, agent, prefix = parse_kafka_url(url)
        check_cluster(self.config, bootstrap, agent)
        return KafkaTransport(self._requester(bootstrap, prefix), agent, card)

    def _requester(self, bootstrap: str, prefix: str) -> Requester:
        """The one requester of a cluster and topic prefix (not started)."""
        key = (bootstrap, prefix)
        if key not in self._requesters:
            config = self.config.with_(bootstrap_servers=bootstrap, topic_prefix=prefix)
            self._requesters[key] = Requester(config)
        return self._requesters[key]

    def create(
        self, card: AgentCard, interceptors: list[ClientCallInterceptor] | None = None
    ) -> Client:
        """A client for ``card`` (any transport the card and config share).

        Raises `UntrustedCardError` if its Kafka interface names an untrusted cluster.
        """
        chain = list(interceptors or [])
        if self.credentials is not None:
            chain.insert(0, AuthInterceptor(self.credentials))
        return self.factory.create(card, chain)

    async def connect(
        self, agent: str, interceptors: list[ClientCallInterceptor] | None = None
    ) -> Client:
        """A client for the agent registered under ``agent``; `AgentNotFoundError` if none
        (or if its request topic is gone).

        The registered card is checked first (`UntrustedCardError`): its Kafka
        interfaces must name ``agent`` with this caller's topic prefix (a card cannot
        send requests to another agent's topics), and its signature must verify when a
        ``signature_verifier`` is set.
        """
        # The reply route (reply topic, producer, reply consumer) is set up while the
        # registry is read, and the agent's request topic looked up once the card is
        # trusted, so the client's first call costs what the next ones do (when the card
        # names this caller's cluster; another trusted cluster is reached on first call).
        requester = self._requester(self.config.bootstrap_servers, self.config.topic_prefix)
        starting = asyncio.ensure_future(requester.start())
        try:
            card = await self.registry.get(agent)
            check_card(self.config, card, agent)
            if self.signature_verifier is not None:
                self.signature_verifier(card)
            await starting
            if _kafka_cluster(card) == self.config.bootstrap_servers:  # else: on first call
                await requester.prepare(AgentTopics.of(requester.config, agent).requests, agent)
        except BaseException:  # the route stays for later calls; `aclose` deletes it
            await asyncio.gather(starting, return_exceptions=True)
            raise
        return self.create(card, interceptors)

    async def aclose(self) -> None:
        """Close every requester. Clients made here stop working. Idempotent."""
        requesters, self._requesters = list(self._requesters.values()), {}
        results = await asyncio.gather(*(r.aclose() for r in requesters), return_exceptions=True)
        for failure in (r for r in results if isinstance(r, BaseException)):
            raise failure  # after every requester had its chance to close

    async def __aenter__(self) -> KafkaClients:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _kafka_cluster(card: AgentCard) -> str | None:
    """The bootstrap servers of ``card``'s first Kafka interface (the one a client uses)."""
    for interface in card.supported_interfaces:
        if interface.protocol_binding == KAFKA_PROTOCOL_BINDING:
            return parse_kafka_url(interface.url)[0]
    return None
