"""Helpers for tests about what a request becomes: its calls as the receiver reads them, and its price."""

from __future__ import annotations

from typing import Any

from titan import FunctionEngine, Price, TitanClient
from titan.families import Call, family_of_model_id, spec_for_model_id
from titan.tasks import Request

SIDES = ("left", "right", "top", "bottom")
#: What each Stability call carries on its own: one image, its own seed.
PER_CALL = ("number_of_images", "seed")


def received(call: Call) -> Request:
    """What the emulator reads from a call: the family's decode, then the validation the client ran."""
    request = family_of_model_id(call.model_id).decode(call.model_id, call.body)
    return request.validate(spec_for_model_id(call.model_id))


def meaning(request: Request, *, per_call: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's set fields, paddings of 0 counted as unset, less the fields in `per_call`."""
    fields = request.set_fields()
    return {name: value for name, value in fields.items() if name not in per_call and (value or name not in SIDES)}


def assert_calls_read_back(request: Request, calls: list[Call], *, left_out: tuple[str, ...] = ()) -> None:
    """Every call reads back as `request` (less the fields `left_out`, which the call cannot carry);
    Stability's calls one image each, with seeds seed, seed+1, ..."""
    stability = any(family_of_model_id(call.model_id).name == "stability" for call in calls)
    per_call = (*PER_CALL, *left_out) if stability else left_out
    seed = getattr(request, "seed", None)
    for index, call in enumerate(calls):
        back = received(call)
        assert type(back) is type(request)
        assert meaning(back, per_call=per_call) == meaning(request, per_call=per_call)
        if stability and "seed" in call.body:
            assert seed is not None and back.seed == seed + index


def price(model_id: str, task: str, *args: Any, **settings: Any) -> Price:
    """What `task` costs on `model_id` if every image comes back, from a plan (nothing is sent)."""
    client = TitanClient(engine=FunctionEngine(lambda model, body: {}), model_id=model_id)
    return client.plan(client.request(task, *args, **settings)).price
