"""What a run really sent: every invoke_model call (model id and exact body, images
shortened) for the Request panel, and a boto3 snippet that repeats those calls."""

from __future__ import annotations

import json
from typing import Any

from titan import GenerationResult
from titan.models import service_model
from titan.requests import boto3_snippet, display_body


def sent_calls(result: GenerationResult) -> list[dict[str, Any]]:
    """One entry per call: {"modelId", "body"} with base64 shortened. Titan family: one call."""
    calls = result.calls or []
    if not calls:  # an engine that reports no calls: the Titan body went to the chosen model
        return [{"modelId": result.model_id, "body": display_body(result.body)}]
    return [{"modelId": call.model_id, "body": display_body(call.body)} for call in calls]


def calls_snippet(result: GenerationResult, region: str | None) -> str:
    """boto3 code for the call(s) made. Several calls (one image each) differ only in a few
    fields: the snippet makes the first and says how the others differ."""
    calls = [(call.model_id, call.body) for call in result.calls] or [(result.model_id, result.body)]
    model_id, body = calls[0]
    snippet = boto3_snippet(model_id, body, region or _home_region(model_id))
    if len(calls) == 1:
        return snippet
    header = [f"# This run made {len(calls)} invoke_model calls to {model_id}, one image each."]
    for key in sorted({key for _, other in calls[1:] for key in _differences(body, other)}):
        values = ", ".join(json.dumps(other.get(key)) for _, other in calls)
        header.append(f'# They differ only in body["{key}"]: {values}.')
    return "\n".join([*header, "", snippet])


def _differences(first: dict[str, Any], other: dict[str, Any]) -> set[str]:
    return {key for key in first.keys() | other.keys() if first.get(key) != other.get(key)}


def _home_region(model_id: str) -> str | None:
    """Without a Bedrock region (offline): a region that serves this id, for a snippet that runs."""
    service = service_model(model_id)
    return "us-west-2" if service is not None and "us-west-2" in service.regions else None
