"""Model lifecycle from Bedrock's control plane (botocore Stubber): states, caching, the
two-second ceiling, working without permission, the default model and replacements."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.waiting import wait_until
from titan import TitanClient, TitanModelUnavailableError
from titan import lifecycle as lc
from titan.engines.bedrock import BedrockControlPlane, BedrockEngine
from titan.errors import TitanTimeoutError
from titan.families import family_named
from titan.models import MODELS, NOVA_CANVAS, SD35_LARGE, STABLE_IMAGE_CORE, STABLE_IMAGE_ULTRA, TITAN_V2

TODAY = dt.date(2026, 11, 26)
CORE, NOVA, SD35 = STABLE_IMAGE_CORE.model_id, NOVA_CANVAS.model_id, SD35_LARGE.model_id
INPAINT = "stability.stable-image-inpaint-v1:0"


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    lc.clear_cache()
    yield
    lc.clear_cache()


@pytest.fixture
def cache(tmp_path) -> Any:
    return tmp_path / "lifecycle.json"


def summary(model_id: str, status: str = "ACTIVE", end: dt.datetime | None = None) -> dict[str, Any]:
    life: dict[str, Any] = {"status": status}
    if end:
        life["endOfLifeTime"] = end
    return {
        "modelArn": f"arn:aws:bedrock:us-west-2::foundation-model/{model_id}",
        "modelId": model_id,
        "modelLifecycle": life,
    }


def check(stub_setup, *, region: str = "us-west-2", cache_path=None, **kwargs: Any) -> lc.LifecycleReport:
    plane = BedrockControlPlane(region=region)
    with Stubber(plane.client()) as stub:
        stub_setup(stub)
        return lc.check_lifecycle(region, control_plane=plane, cache_path=cache_path, **kwargs)


def listing(*summaries: dict[str, Any]):
    def setup(stub: Stubber) -> None:
        stub.add_response("list_foundation_models", {"modelSummaries": list(summaries)}, {"byOutputModality": "IMAGE"})

    return setup


def test_active_legacy_and_missing_models(cache) -> None:
    report = check(
        listing(summary(CORE), summary(NOVA, "LEGACY", dt.datetime(2026, 12, 30)), summary(INPAINT)), cache_path=cache
    )
    assert report.source == "control-plane" and report.note is None

    core = report.status(CORE, today=TODAY)
    assert (core.state, core.usable, core.replacement) == ("active", True, None)

    nova = report.status(NOVA, today=TODAY)
    assert (nova.state, nova.end_of_life, nova.usable) == ("legacy", dt.date(2026, 12, 30), True)
    assert "legacy until 2026-12-30" in nova.explanation and nova.replacement == CORE  # active before legacy

    titan = report.status(TITAN_V2.model_id, today=TODAY)
    assert (titan.state, titan.usable) == ("retired", False) and "retired" in titan.explanation
    assert titan.replacement == CORE

    ultra = report.status(STABLE_IMAGE_ULTRA.model_id, today=TODAY)
    assert ultra.state == "not_offered" and not ultra.usable


def test_past_end_of_life_is_retired_even_when_listed(cache) -> None:
    report = check(listing(summary(NOVA, "LEGACY", dt.datetime(2026, 9, 30))), cache_path=cache)
    nova = report.status(NOVA, today=TODAY)
    assert nova.state == "retired" and "2026-09-30" in nova.explanation


def test_availability_says_not_enabled(cache) -> None:
    def setup(stub: Stubber) -> None:
        listing(summary(CORE))(stub)
        stub.add_response(
            "get_foundation_model_availability",
            {
                "modelId": CORE,
                "agreementAvailability": {"status": "NOT_AVAILABLE"},
                "authorizationStatus": "AUTHORIZED",
                "entitlementAvailability": "AVAILABLE",
                "regionAvailability": "AVAILABLE",
            },
            {"modelId": CORE},
        )

    report = check(setup, cache_path=cache)
    core = report.status(CORE, today=TODAY)
    assert core.state == "not_enabled" and "Marketplace" in core.explanation and not core.usable


def test_a_region_without_the_text_to_image_model_still_offers_the_edit_services(cache) -> None:
    every_id = family_named("stability").model_ids(STABLE_IMAGE_CORE)
    services = [summary(model_id) for model_id in every_id if model_id not in (CORE, SD35)]
    report = check(listing(*services), region="us-east-1", cache_path=cache)
    line = report.spec_status(STABLE_IMAGE_CORE, today=TODAY)
    assert line.state == "not_offered" and line.usable and "runs in us-west-2" in line.explanation
    assert "Still available here:" in line.explanation and "Inpaint" in line.explanation
    blockers = report.task_blockers(STABLE_IMAGE_CORE, today=TODAY)
    # variation runs on SD3.5 only; text to image keeps its guided routes (Control Sketch and
    # Structure) and colour guided runs on Style Guide, both services listed here
    assert set(blockers) == {"IMAGE_VARIATION"} and "Stable Diffusion 3.5 Large" in blockers["IMAGE_VARIATION"]
    assert report.default_model_id(today=TODAY) == CORE


def test_access_denied_is_unknown_with_a_note(cache) -> None:
    def denied(stub: Stubber) -> None:
        stub.add_client_error("list_foundation_models", "AccessDeniedException", "not allowed", 403)

    report = check(denied, cache_path=cache)
    assert "bedrock:ListFoundationModels" in report.note
    status = report.status(CORE, today=TODAY)
    assert status.state == "unknown" and status.usable  # the table says active, in us-west-2
    assert report.status(TITAN_V2.model_id, today=TODAY).usable is False
    assert not cache.exists()  # failures are not written to the file


WAIT = 10.0  # the longest any wait below may take before the test fails (never reached when it passes)


class HeldPlane:
    """A control plane whose model list answers only once the test lets it (`release`)."""

    region = "us-west-2"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.finished = threading.Event()
        self.calls = 0

    def image_models(self) -> list[dict[str, Any]]:
        self.calls += 1
        try:
            if not self.release.wait(WAIT):
                raise RuntimeError("the test never let the control plane answer")
            return [summary(CORE, "ACTIVE")]
        finally:
            self.finished.set()

    def has_availability(self) -> bool:
        return False


class RefusingPlane(HeldPlane):
    """A control plane that must not be asked: every hit has to come from a cache."""

    def image_models(self) -> list[dict[str, Any]]:
        self.calls += 1
        raise AssertionError("asked although the answer was cached")


class TimingOutPlane(HeldPlane):
    def image_models(self) -> list[dict[str, Any]]:
        raise TitanTimeoutError("the model list did not answer in time")


def test_a_slow_control_plane_is_unknown_quickly_and_fills_the_cache_later(cache) -> None:
    plane = HeldPlane()
    report = lc.check_lifecycle("us-west-2", control_plane=plane, cache_path=cache, timeout=0.1)
    assert not plane.finished.is_set()  # the report came back while the control plane was still held
    assert report.status(CORE, today=TODAY).state == "unknown" and "within 0.1 s" in report.note
    again = lc.check_lifecycle("us-west-2", control_plane=plane, cache_path=cache, timeout=0.1)
    assert plane.calls == 1 and again.facts is None  # the question in flight is not asked twice
    assert not cache.exists()

    plane.release.set()  # the answer arrives late: it still fills the memory and the file
    wait_until(lambda: lc.cached_report("us-west-2") is not None and cache.exists(), "the late answer to be cached")
    later = lc.check_lifecycle("us-west-2", control_plane=plane, cache_path=cache, timeout=0.1)
    assert later.source == "memory" and later.status(CORE, today=TODAY).state == "active" and plane.calls == 1


def test_a_timeout_error_is_unknown(cache) -> None:
    report = lc.check_lifecycle("us-west-2", control_plane=TimingOutPlane(), cache_path=cache)
    assert report.facts is None and "did not answer within 2 s" in report.note


def test_cache_hits_memory_then_file_then_expires(cache) -> None:
    first = check(listing(summary(CORE)), cache_path=cache)
    assert first.source == "control-plane" and json.loads(cache.read_text())["entries"]

    plane = RefusingPlane()  # every hit below must come from a cache
    assert lc.check_lifecycle("us-west-2", control_plane=plane, cache_path=cache).source == "memory"
    lc.clear_cache()
    from_file = lc.check_lifecycle("us-west-2", control_plane=plane, cache_path=cache)
    assert from_file.source == "file" and from_file.status(CORE, today=TODAY).state == "active"
    assert plane.calls == 0

    lc.clear_cache()
    stale = check(listing(summary(SD35)), cache_path=cache, ttl=0)
    assert stale.source == "control-plane" and stale.status(CORE, today=TODAY).state == "not_offered"


def test_default_model_is_the_first_usable_stability_model_then_titan_and_nova(cache) -> None:
    assert lc.FAMILY_ORDER == ("stability", "titan")
    assert lc.default_model_id(today=TODAY) == CORE  # by the table alone
    nova_and_core = check(listing(summary(NOVA), summary(CORE)), cache_path=cache)
    assert lc.default_model_id(nova_and_core, today=dt.date(2026, 9, 1)) == CORE  # Stability first
    lc.clear_cache()
    only_nova = check(listing(summary(NOVA)), cache_path=cache, refresh=True)
    assert lc.default_model_id(only_nova, today=dt.date(2026, 9, 1)) == NOVA  # no Stability model usable
    lc.clear_cache()
    only_sd35 = check(listing(summary(SD35)), cache_path=cache, refresh=True)
    assert lc.default_model_id(only_sd35, today=TODAY) == SD35


def bedrock_engine(region: str) -> BedrockEngine:
    return BedrockEngine(region=region, max_attempts=1)


def retired_error(engine: BedrockEngine) -> TitanModelUnavailableError:
    with Stubber(engine.client()) as stub:
        stub.add_client_error(
            "invoke_model", "ResourceNotFoundException", "This model version has reached the end of its life.", 404
        )
        with pytest.raises(TitanModelUnavailableError) as info:
            TitanClient(engine=engine, model_id=TITAN_V2.model_id).text_image("a cat")
    return info.value


def test_retired_titan_suggests_a_usable_model(cache) -> None:
    error = retired_error(bedrock_engine("us-west-2"))
    assert error.suggestion == CORE and f"Switch to {CORE}" in str(error)  # no lifecycle known: first active Stability

    check(listing(summary(SD35), summary(INPAINT)), cache_path=cache)  # lifecycle known for us-west-2
    assert retired_error(bedrock_engine("us-west-2")).suggestion == SD35


def test_every_model_and_service_id_has_a_state() -> None:
    report = lc.table_report("us-west-2")
    for model_id in (*MODELS, INPAINT, "us." + INPAINT):
        assert report.status(model_id, today=TODAY).state in lc.STATES
