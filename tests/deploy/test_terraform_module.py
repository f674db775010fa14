"""infrastructure/terraform: every .tf file parses, the module holds what the binding needs on
MSK, and checkov finds no failed check (each skip justified beside it).

checkov runs from its own venv (`scripts/checkov`, installed by `scripts/test`); when it cannot
be had the scan skips, and fails under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from deploy_helpers import (
    ROOT,
    TERRAFORM,
    configuration_table,
    load_hcl,
    terraform_files,
    terraform_module,
)

from a2a_kafka.pytest_plugin import unavailable

_SKIP = re.compile(r"#\s*checkov:skip=(?P<check>[A-Z0-9_]+):(?P<reason>.*)$", re.MULTILINE)


def test_every_terraform_file_parses() -> None:
    files = terraform_files()
    assert {p.name for p in files} >= {"main.tf", "variables.tf", "outputs.tf", "scram.tf"}
    for path in files:
        assert load_hcl(path), f"{path} is empty"


def test_the_cluster_is_three_private_brokers_with_tls_auth_encryption_logs_and_exporters() -> None:
    blocks = terraform_module()
    variables = blocks["variable"]
    cluster = blocks["resource"]["aws_msk_cluster"]["a2a"]
    assert cluster["kafka_version"] == "${var.kafka_version}"
    assert cluster["number_of_broker_nodes"] == "${var.broker_count}"
    assert variables["broker_count"]["default"] == 3
    assert (
        "length(var.client_subnet_ids) == 3"
        in variables["client_subnet_ids"]["validation"][0]["condition"]
    )
    nodes = cluster["broker_node_group_info"][0]
    assert nodes["connectivity_info"][0]["public_access"][0]["type"] == "DISABLED"
    auth = cluster["client_authentication"][0]
    assert auth["unauthenticated"] is False
    assert auth["sasl"][0] == {"scram": "${var.scram_enabled}", "iam": "${var.iam_enabled}"}
    encryption = cluster["encryption_info"][0]
    assert encryption["encryption_in_transit"][0] == {"client_broker": "TLS", "in_cluster": True}
    assert encryption["encryption_at_rest_kms_key_arn"] == "${aws_kms_key.msk.arn}"
    prometheus = cluster["open_monitoring"][0]["prometheus"][0]
    assert prometheus["jmx_exporter"][0]["enabled_in_broker"] is True
    assert prometheus["node_exporter"][0]["enabled_in_broker"] is True
    logs = cluster["logging_info"][0]["broker_logs"][0]["cloudwatch_logs"][0]
    assert logs["enabled"] is True
    assert cluster["configuration_info"][0]["arn"] == "${aws_msk_configuration.a2a.arn}"


def test_the_broker_configuration_has_the_settings_the_binding_needs() -> None:
    configuration = terraform_module()["resource"]["aws_msk_configuration"]["a2a"]
    lines = {line.strip() for line in configuration["server_properties"].splitlines()}
    # docs/production.md §4: a deleted reply topic must stay deleted; acks=all with 3 replicas
    # and 2 in sync survives a broker; SCRAM principals get only the ACLs granted.
    assert {
        "auto.create.topics.enable=false",
        "delete.topic.enable=true",
        "default.replication.factor=3",
        "min.insync.replicas=2",
        "allow.everyone.if.no.acl.found=false",
        "unclean.leader.election.enable=false",
    } <= lines
    assert configuration["kafka_versions"] == ["${var.kafka_version}"]


def test_scram_secrets_are_named_for_msk_and_encrypted_with_the_modules_key() -> None:
    resources = terraform_module()["resource"]
    secret = resources["aws_secretsmanager_secret"]["scram"]
    assert secret["name"].startswith("AmazonMSK_")
    assert secret["kms_key_id"] == "${aws_kms_key.msk.arn}"
    association = resources["aws_msk_scram_secret_association"]["a2a"]
    assert association["cluster_arn"] == "${aws_msk_cluster.a2a.arn}"
    assert "aws_secretsmanager_secret.scram" in association["secret_arn_list"]


def test_the_security_group_opens_only_the_client_and_exporter_ports() -> None:
    blocks = terraform_module()
    group = blocks["resource"]["aws_security_group"]["msk"]
    assert "egress" not in group
    assert len(group["dynamic"]) == 2
    locals_ = {k: v for entry in blocks["locals"] for k, v in entry.items()}
    ports = re.findall(r"port = (\d+)", locals_["client_ports"])
    ports += [str(p["port"]) for p in locals_["monitoring_ports"]]
    assert sorted(ports) == ["11001", "11002", "9096", "9098"]


def test_the_outputs_give_each_auth_modes_brokers_and_the_tables_variables() -> None:
    outputs = terraform_module()["output"]
    assert "bootstrap_brokers_sasl_scram" in outputs["bootstrap_brokers_sasl_scram"]["value"]
    assert "bootstrap_brokers_sasl_iam" in outputs["bootstrap_brokers_sasl_iam"]["value"]
    table = configuration_table()
    for name in ("scram_environment", "iam_environment"):
        variables = re.findall(r"\b([A-Z][A-Z0-9_]+)\s*=", outputs[name]["value"])
        assert "KAFKA_BOOTSTRAP_SERVERS" in variables
        assert set(variables) <= table.keys(), f"{name}: {set(variables) - table.keys()}"


def test_the_example_tfvars_sets_declared_variables_and_every_required_one() -> None:
    variables = terraform_module()["variable"]
    example = load_hcl(TERRAFORM / "terraform.tfvars.example")
    assert set(example) <= set(variables)
    required = {name for name, body in variables.items() if "default" not in body}
    assert required == {"vpc_id", "client_subnet_ids"}
    assert required <= set(example)
    assert len(example["client_subnet_ids"]) == 3


def test_the_docs_carry_no_unparsed_copy_of_the_terraform_module() -> None:
    for doc in (ROOT / "docs").glob("*.md"):
        text = doc.read_text(encoding="utf-8")
        assert 'resource "aws_msk' not in text, f"{doc.name} has Terraform; point to the module"


def checkov(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(ROOT / "scripts" / "checkov"), *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        unavailable(f"checkov could not run: {exc}")
    if done.returncode == 3:
        unavailable(f"checkov could not be installed: {done.stderr.strip()[-500:]}")
    return done


def test_checkov_passes_the_module_and_every_skip_is_justified_beside_it() -> None:
    done = checkov(
        "--directory", str(TERRAFORM), "--framework", "terraform", "--skip-download",
        "--output", "json",
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-2000:]
    results = json.loads(done.stdout)["results"]
    failed = [(c["check_id"], c["resource"], c["file_path"]) for c in results["failed_checks"]]
    assert not failed, f"checkov failed: {failed}"
    assert len(results["passed_checks"]) >= 30
    assert done.returncode == 0

    comments = {}
    for path in TERRAFORM.glob("*.tf"):
        for match in _SKIP.finditer(path.read_text(encoding="utf-8")):
            comments[match["check"]] = match["reason"].strip()
    skipped = {c["check_id"] for c in results["skipped_checks"]}
    assert skipped == set(comments), "every checkov:skip comment must suppress a real failure"
    for check, reason in comments.items():
        assert len(reason.split()) >= 8, f"{check}: say why it is skipped, beside it"


def test_the_terraform_files_are_in_terraforms_canonical_format(tmp_path: Path) -> None:
    """``terraform fmt -check``: Terraform's own parser reads them, and they are formatted.

    Needs the ``terraform`` binary, which no package registry this project uses ships: the test
    skips where it is not installed (it is on this project's machines)."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed")
    for path in terraform_files():
        copy = tmp_path / path.name.removesuffix(".example")  # fmt reads .tf and .tfvars only
        shutil.copyfile(path, copy)
        done = subprocess.run(
            [terraform, "fmt", "-check", "-diff", "-no-color", str(copy)],
            capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
            env={**os.environ, "CHECKPOINT_DISABLE": "1"},  # no version check over the network
        )  # fmt: skip
        assert done.returncode == 0, f"{path.relative_to(ROOT)}:\n{done.stdout}{done.stderr}"
