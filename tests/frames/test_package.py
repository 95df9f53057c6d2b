"""refimpl.frames re-exports exactly the union of its public submodules' ``__all__``."""

from __future__ import annotations

import importlib

import refimpl.frames

SUBMODULES = ["average", "errors", "graph", "pca"]


def test_all_is_the_union_of_the_submodules():
    union: set[str] = set()
    for name in SUBMODULES:
        mod = importlib.import_module(f"refimpl.frames.{name}")
        union |= set(mod.__all__)
        for public in mod.__all__:
            assert getattr(refimpl.frames, public) is getattr(mod, public)
    assert set(refimpl.frames.__all__) == union
    assert len(refimpl.frames.__all__) == len(union)
