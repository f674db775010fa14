"""What ``a2a-kafka serve TARGET`` resolves a TARGET to (no broker: nothing is served)."""

from __future__ import annotations

from pathlib import Path

import pytest
from a2a.client import ClientConfig, ClientFactory
from a2a.types import AgentCard

from a2a_kafka import ConfigurationError, KafkaConfig, MemoryState, ServeContext
from a2a_kafka.serving import registered_agents, resolve

MODULE = """
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.tasks import InMemoryTaskStore
from a2a.types import AgentCard

from a2a_kafka import AgentSpec

card = AgentCard(name="carded", description="d", version="1")
handler = DefaultRequestHandler(None, InMemoryTaskStore(), card)
not_an_agent = 42


def factory(context):
    made = AgentCard(name="made", description="d", version="1")
    return AgentSpec(context.request_handler(None, made), made)


async def async_factory(context):
    return factory(context)


def wrong(context):
    return "nothing useful"
"""


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    (tmp_path / "my_agents.py").write_text(MODULE)
    return tmp_path


def context(name: str) -> ServeContext:
    config = KafkaConfig()

    async def no_card(agent: str) -> AgentCard:
        raise AssertionError("not called")

    factory = ClientFactory(ClientConfig())
    return ServeContext(name, config, (), factory, no_card, MemoryState(config, name))


async def test_a_request_handler_is_served_under_its_cards_name(app_dir: Path) -> None:
    target = resolve("my_agents:handler", app_dir=app_dir)
    assert target.name == "carded"
    spec = await target.build(context(target.name))
    assert spec.request_handler is target.value
    assert spec.card.name == "carded"


@pytest.mark.parametrize("attr", ["factory", "async_factory"])
async def test_a_factory_is_served_under_its_attribute_name(app_dir: Path, attr: str) -> None:
    target = resolve(f"my_agents:{attr}", app_dir=app_dir)
    assert target.name == attr
    _, card = await target.build(context(target.name))
    assert card.name == "made"


def test_name_overrides_the_default(app_dir: Path) -> None:
    assert resolve("my_agents:factory", name="shouter", app_dir=app_dir).name == "shouter"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no_such_module:x", "cannot import 'no_such_module'"),
        ("my_agents:missing", "has no attribute 'missing'"),
        ("my_agents:", "is not MODULE:ATTR"),
        ("not-registered", "neither MODULE:ATTR nor a registered agent"),
    ],
)
def test_unusable_targets_are_configuration_errors(app_dir: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        resolve(text, app_dir=app_dir)


@pytest.mark.parametrize("attr", ["not_an_agent", "wrong"])
async def test_what_is_not_an_agent_is_a_configuration_error(app_dir: Path, attr: str) -> None:
    target = resolve(f"my_agents:{attr}", app_dir=app_dir)
    with pytest.raises(ConfigurationError):
        await target.build(context(target.name))


def test_the_demo_registers_its_agents_for_serve() -> None:
    assert {"data", "cs", "balance"} <= set(registered_agents())
    assert resolve("data").name == "data"
