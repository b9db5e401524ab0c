"""The public surface of `titan` is exactly its `__all__` (httpx-style)."""

from __future__ import annotations

import types

import titan


def test_public_names_are_exactly_all() -> None:
    public = {
        name
        for name, value in vars(titan).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"
    }
    assert public == set(titan.__all__)


def test_every_error_is_a_titan_error() -> None:
    errors = [getattr(titan, name) for name in titan.__all__ if name.endswith("Error")]
    assert len(errors) == 11
    assert all(issubclass(error, titan.TitanError) for error in errors)
