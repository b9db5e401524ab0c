"""README's promises that code can check: the two commands, the price table, the IAM policy, the flags."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import pytest

from titan import MODELS, request_types
from titan.families import family_for
from titan.models import SERVICES, STABILITY_MODELS, ServiceModel
from ui.settings import ENV_VARS, build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
ACCOUNT = "123456789012"


def test_the_two_commands_install_and_run_the_app_and_the_suite() -> None:
    assert "pip install -r requirements-app.txt && python app.py" in README
    assert "pip install -r requirements.txt && python -m pytest" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python -m pytest\n" in ci and "-r requirements.txt" in ci


# --- the price table ----------------------------------------------------------------------


def price_rows() -> list[str]:
    """The table README shows, made from the task declarations and the service table."""
    rows = []
    for request_type in request_types():
        mapping = request_type.mappings.get("stability")
        for native in mapping.routes.values() if mapping else ():
            services = [SERVICES[spec.model_id] for spec in STABILITY_MODELS] if native.service is None else [
                SERVICES[native.service]
            ]  # fmt: skip
            rows += [_row(request_type.label, native.when or "—", service) for service in services]
    return rows


def _row(task: str, when: str, service: ServiceModel) -> str:
    price = f"${service.price:.2f}" + ("" if service.price_confirmed else " *")
    return f"| {task} | {when} | {service.name} | `{service.model_id}` | {price} |"


def test_the_price_table_is_the_declarations() -> None:
    table = [line for line in README.splitlines() if line.startswith("| ") and "`stability." in line]
    assert table == price_rows()


# --- the IAM policy -----------------------------------------------------------------------


def policy_resources() -> list[str]:
    [block] = re.findall(r"### IAM policy.*?```json\n(.*?)```", README, re.S)
    policy = json.loads(block.replace("ACCOUNT_ID", ACCOUNT))
    invoking = [s for s in policy["Statement"] if s["Effect"] == "Allow" and "bedrock:InvokeModel" in s["Action"]]
    return [resource for statement in invoking for resource in statement["Resource"]]


def arns_called(model_id: str) -> list[str]:
    """Every ARN a call to `model_id` is authorised against, from each region the app may call it in."""
    service = SERVICES.get(model_id)
    if service is None:  # Titan and Nova: on demand in their own regions
        return [f"arn:aws:bedrock:{region}::foundation-model/{model_id}" for region in MODELS[model_id].regions]
    arns = [f"arn:aws:bedrock:{region}::foundation-model/{model_id}" for region in service.on_demand_regions]
    for region in service.profile_regions:  # the profile where it is called, the model wherever it routes
        arns.append(f"arn:aws:bedrock:{region}:{ACCOUNT}:inference-profile/us.{model_id}")
        arns += [
            f"arn:aws:bedrock:{destination}::foundation-model/{model_id}" for destination in service.profile_regions
        ]
    return arns


def every_model_id_the_app_calls() -> set[str]:
    ids = set()
    for spec in MODELS.values():
        ids |= set(family_for(spec).model_ids(spec))
    return ids


@pytest.mark.parametrize("model_id", sorted(every_model_id_the_app_calls()))
def test_the_iam_policy_lets_the_app_call(model_id: str) -> None:
    resources = policy_resources()
    for arn in arns_called(model_id):
        assert any(fnmatch.fnmatchcase(arn, pattern) for pattern in resources), f"{arn} is not in README's policy"


def test_the_policy_covers_every_stability_service_and_sd35() -> None:
    assert "stability.sd3-5-large-v1:0" in every_model_id_the_app_calls()
    assert set(SERVICES) <= every_model_id_the_app_calls()
    assert "aws-marketplace:Subscribe" in README and "aws-marketplace:ViewSubscriptions" in README


# --- options ------------------------------------------------------------------------------


def test_every_flag_and_variable_is_in_the_options_table() -> None:
    flags = {option for action in build_parser({})._actions for option in action.option_strings}
    for flag in sorted(flags - {"-h", "--help", "--no-mcp"}):
        assert f"`{flag}" in README, f"{flag} is missing from README's options"
    for variable in ENV_VARS.values():
        assert variable in README, f"{variable} is missing from README's options"
