"""docker-compose.yml: valid Compose, the same variables as everything else, and a system that
holds together (commands the CLI accepts, health checks that dependencies wait for).

Docker does not run on this project's machines: these checks are static. The schema is the
Compose Specification's own (compose-spec.json beside this file; its source is in README.md).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from deploy_helpers import COMPOSE_FILE, ROOT, configuration_table

from a2a_kafka.cli.main import build_parser

SCHEMA = Path(__file__).with_name("compose-spec.json")
AGENTS = ("data", "cs", "balance")


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8")))


def a2a_kafka_services() -> dict[str, dict[str, Any]]:
    """The services that run the a2a-kafka image (built from the Dockerfile)."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if "build" in service or str(service.get("image", "")).startswith("a2a-kafka")
    }


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = [
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(compose())
    ]
    assert not errors


def test_the_schema_rejects_what_compose_rejects() -> None:
    """The vendored schema is the real one: it finds a misspelt key and a wrong type."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = compose()
    broken["services"]["gui"]["helthcheck"] = broken["services"]["gui"].pop("healthcheck")
    broken["services"]["data"]["deploy"]["replicas"] = [2]
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(broken))
    assert len(errors) == 2


def test_the_system_has_a_broker_postgres_three_agents_two_data_instances_and_the_gui() -> None:
    services = compose()["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["postgres"]["image"].startswith("postgres:")
    assert set(a2a_kafka_services()) == {*AGENTS, "gui"}
    assert services["data"]["deploy"]["replicas"] == 2
    # KRaft: the broker is its own controller, no ZooKeeper.
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_every_a2a_kafka_services_variable_is_in_the_configuration_table() -> None:
    table = configuration_table()
    for name, service in a2a_kafka_services().items():
        unknown = sorted(set(environment(service)) - table.keys())
        assert not unknown, f"service {name} sets {unknown}, which docs/configuration.md lacks"


def test_the_services_reach_the_broker_and_postgres_of_this_file() -> None:
    services = compose()["services"]
    advertised = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    pg = services["postgres"]["environment"]
    state_url = (
        f"postgresql+asyncpg://{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{pg['POSTGRES_DB']}"
    )
    for name, service in a2a_kafka_services().items():
        env = environment(service)
        assert f"//{env['KAFKA_BOOTSTRAP_SERVERS']}" in advertised, name
        assert env["A2A_KAFKA_STATE_URL"] == state_url, name
        assert env["KAFKA_CLIENT_ID"], name


@pytest.mark.parametrize("service", [*AGENTS, "gui"])
def test_each_services_command_is_one_the_cli_accepts(service: str) -> None:
    command = compose()["services"][service]["command"]
    args = build_parser().parse_args(command)
    if service in AGENTS:
        assert (args.agent, args.transport) == (service, "kafka")
    else:
        assert args.no_agents  # the agents are the services above
        assert args.host == "0.0.0.0"  # reachable through the published port


def test_every_service_has_a_health_check_and_waits_for_healthy_dependencies() -> None:
    services = compose()["services"]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on a missing {dependency}"
            assert condition == {"condition": "service_healthy"}, f"{name} -> {dependency}"
    assert {"data", "cs"} <= set(services["balance"]["depends_on"])  # Balance calls them


@pytest.mark.parametrize("agent", AGENTS)
def test_an_agents_health_check_asks_the_cli_about_that_agent(agent: str) -> None:
    test = compose()["services"][agent]["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    first = shlex.split(test[1].split("|")[0])
    assert first[0] == "a2a-kafka"
    args = build_parser().parse_args(first[1:])
    assert (args.agents, args.json) == ([agent], True)


def test_the_image_is_built_from_the_dockerfile_with_the_a2a_kafka_entry_point() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["a2a-kafka"]' in dockerfile
    assert "-c constraints.txt" in dockerfile  # the same pinned versions as everywhere
    for service in a2a_kafka_services().values():
        assert service["build"] == "."
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for copied in ("pyproject.toml", "constraints.txt", "README.md", "src/"):
        assert f"!{copied}" in ignored, f".dockerignore leaves {copied} out of the image"
