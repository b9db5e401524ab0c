"""Keep credentials out of every log line, whoever logs them.

botocore's DEBUG logging prints request headers: the access key id in `Authorization`
and the session token in `X-Amz-Security-Token`. `install_log_redaction()` replaces the
logging record factory, so each record's message is scrubbed once, at creation, for
every logger and every handler (including ones added later).
"""

from __future__ import annotations

import logging
import os
import re

MASK = "[redacted]"
# Each pattern's first group is kept (the header or field name); the secret after it is masked.
_PATTERNS = (
    re.compile(r"(Credential=)[^/,\s'\"]+"),
    re.compile(r"((?:X-Amz-Security-Token|x-amz-security-token)['\"]?\s*[:=]\s*b?['\"]?)[^'\"\s,}]+"),
    re.compile(r"(Signature=)[0-9a-f]+"),
    re.compile(r"()\b(?:AKIA|ASIA)[0-9A-Z]{12,}\b"),
)
_ENV_SECRETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
_installed = False


def redact(text: str) -> str:
    """`text` with AWS credentials (patterns and this process's own values) masked."""
    for name in _ENV_SECRETS:
        value = os.environ.get(name)
        if value and len(value) >= 8:
            text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + MASK, text)
    return text


def install_log_redaction() -> None:
    """Scrub every log record from now on (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging to report
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
