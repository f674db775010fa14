"""docs/deploy.md's commands are ones the tools accept: every ``a2a-kafka`` command parses with
the real CLI parser, every Terraform output and resource it names exists in the module, and
every variable it writes into an environment file is one of docs/configuration.md."""

from __future__ import annotations

import re
import shlex

import pytest
from deploy_helpers import ROOT, configuration_table, terraform_module

from a2a_kafka.cli.main import build_parser

DOC = ROOT / "docs" / "deploy.md"


def bash_lines() -> list[str]:
    """The lines of the doc's ``bash`` blocks, continuation lines joined."""
    blocks = re.findall(r"```bash\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    text = "\n".join(blocks).replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip()]


def cli_commands() -> list[list[str]]:
    """The ``a2a-kafka`` argument lists in the doc, including those run in containers."""
    commands = []
    for line in bash_lines():
        if not re.match(r"(a2a-kafka|docker (run|compose exec)) ", line):
            continue
        words = shlex.split(line.split(" #")[0])
        if "a2a-kafka" in words:
            commands.append(words[words.index("a2a-kafka") + 1 :])
    return commands


def test_the_doc_has_the_acls_of_every_agent_and_caller() -> None:
    acls = [c for c in cli_commands() if c[0] == "acls"]
    agents = {c[2] for c in acls if c[1] == "agent" and "--apply" in c}
    assert agents == {"data", "cs", "balance"}
    assert any(c[1] == "caller" and "--client-id" in c for c in acls)


@pytest.mark.parametrize("args", cli_commands(), ids=" ".join)
def test_every_a2a_kafka_command_in_the_doc_parses(args: list[str]) -> None:
    parsed = build_parser(args).parse_args(args)
    assert parsed.handler


def test_the_terraform_outputs_and_resources_it_names_exist() -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = terraform_module()
    named_outputs = set(re.findall(r"output -raw (\w+)", text))
    assert named_outputs == {"bootstrap_brokers_sasl_iam", "bootstrap_brokers_sasl_scram"}
    assert named_outputs <= set(blocks["output"])
    for type_, name in re.findall(r"-replace='(\w+)\.(\w+)\[", text):
        assert name in blocks["resource"][type_]


def test_the_environment_files_it_writes_use_only_the_tables_variables() -> None:
    written = {m for line in bash_lines() for m in re.findall(r"^([A-Z][A-Z0-9_]+)=", line)}
    written |= set(re.findall(r"'([A-Z][A-Z0-9_]+)=", DOC.read_text(encoding="utf-8")))
    assert {"KAFKA_SASL_PASSWORD", "A2A_KAFKA_STATE_URL"} <= written
    assert written <= configuration_table().keys()
