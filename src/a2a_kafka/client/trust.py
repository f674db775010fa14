"""Cards are trusted, not obeyed: which clusters a caller connects to.

An agent card's ``kafka://<bootstrap>/<agent>`` URL comes from the registry
topic, which any agent principal may write. A caller following it blindly
would connect wherever a card says, offering its own SASL credentials there.
`check_cluster` refuses a URL naming any broker outside the caller's own
``bootstrap_servers`` and its `KafkaConfig.trusted_servers`, before any
connection is opened; `check_card` refuses a registered card whose URL names
another agent or topic prefix than the one looked up (its requests, with the
caller's credentials, would go to topics someone else reads).
"""

from __future__ import annotations

from a2a.types.a2a_pb2 import AgentCard

from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import UntrustedCardError
from a2a_kafka.registry import KAFKA_PROTOCOL_BINDING, parse_kafka_url


def servers(bootstrap: str) -> frozenset[str]:
    """The ``host:port`` entries of a bootstrap list, normalised (lower case, no spaces)."""
    return frozenset(s.strip().lower() for s in bootstrap.split(",") if s.strip())


def trusted_servers(config: KafkaConfig) -> frozenset[str]:
    """The brokers a caller with ``config`` may connect to."""
    return servers(config.bootstrap_servers) | servers(",".join(config.trusted_servers))


def check_cluster(config: KafkaConfig, bootstrap: str, agent: str) -> None:
    """Raise `UntrustedCardError` unless every broker of ``bootstrap`` is trusted."""
    allowed = trusted_servers(config)
    untrusted = sorted(servers(bootstrap) - allowed)
    if untrusted or not servers(bootstrap):
        raise UntrustedCardError(
            f"the card of agent {agent!r} names cluster {bootstrap!r}, which this caller is "
            f"not configured for (trusted: {', '.join(sorted(allowed))}); not connecting. "
            "If that cluster is yours, add its brokers to A2A_KAFKA_TRUSTED_SERVERS "
            "(KafkaConfig.trusted_servers)"
        )


def check_card(config: KafkaConfig, card: AgentCard, agent: str) -> None:
    """Raise `UntrustedCardError` unless each Kafka interface of ``card`` is ``agent``'s."""
    for interface in card.supported_interfaces:
        if interface.protocol_binding != KAFKA_PROTOCOL_BINDING:
            continue
        bootstrap, named, prefix = parse_kafka_url(interface.url)
        if (named, prefix) != (agent, config.topic_prefix):
            raise UntrustedCardError(
                f"the card registered as agent {agent!r} sends requests to agent {named!r}"
                f"{f' with topic prefix {prefix!r}' if prefix else ''}; not connecting"
            )
        check_cluster(config, bootstrap, agent)
