"""Credentials are scrubbed from every log record, whoever logs them."""

from __future__ import annotations

import logging

import pytest

from titan.redact import MASK, install_log_redaction, redact

BOTOCORE_LINE = (
    "Sending http request: <AWSPreparedRequest headers={'X-Amz-Security-Token': b'tokenSENTINEL123', "
    "'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIASENTINEL00000KEY/20261126/us-west-2/bedrock/aws4_request, "
    "SignedHeaders=accept, Signature=0123abcd'}>"
)


def test_botocore_request_headers_are_scrubbed() -> None:
    cleaned = redact(BOTOCORE_LINE)
    for secret in ("tokenSENTINEL123", "AKIASENTINEL00000KEY", "0123abcd"):
        assert secret not in cleaned
    assert "Credential=" + MASK in cleaned and "us-west-2" in cleaned  # context stays readable


def test_this_process_credentials_are_scrubbed_wherever_they_appear(monkeypatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t/with+symbols")
    assert redact("oops: s3cr3t/with+symbols") == f"oops: {MASK}"


def test_log_records_are_scrubbed_for_every_logger(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    install_log_redaction()  # idempotent
    caplog.set_level(logging.DEBUG)
    logging.getLogger("botocore.endpoint").debug("%s", BOTOCORE_LINE)
    logging.getLogger("anything").warning("key AKIAIOSFODNN7EXAMPLE in a message")
    assert "AKIA" not in caplog.text and "tokenSENTINEL123" not in caplog.text
    assert caplog.text.count(MASK) >= 3
