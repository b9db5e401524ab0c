"""The public surface of `titan` is exactly its `__all__` (httpx-style)."""

from __future__ import annotations

import inspect
import types

import titan
import titan.errors


def test_public_names_are_exactly_all() -> None:
    """Every public non-module name is listed, and everything listed exists; a listed module is a titan module."""
    values = {name: value for name, value in vars(titan).items() if not name.startswith("_") and name != "annotations"}
    exported_modules = {name for name in titan.__all__ if isinstance(values.get(name), types.ModuleType)}
    public = {name for name, value in values.items() if not isinstance(value, types.ModuleType)}
    assert public | exported_modules == set(titan.__all__)
    assert all(values[name].__name__ == f"titan.{name}" for name in exported_modules)


def test_every_error_is_a_titan_error_and_the_whole_tree_is_exported() -> None:
    exported = {getattr(titan, name) for name in titan.__all__ if name.endswith("Error")}
    assert all(issubclass(error, titan.TitanError) for error in exported)
    tree = {
        value
        for value in vars(titan.errors).values()
        if inspect.isclass(value) and issubclass(value, titan.TitanError) and value.__module__ == "titan.errors"
    }
    assert len(tree) == 11  # the tree in titan.errors' docstring: the base and ten kinds
    assert tree <= exported
    assert exported - tree == {titan.HistoryError}  # History's own failures, a TitanError too
