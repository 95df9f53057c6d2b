"""refimpl.so3 re-exports exactly the union of its public submodules' ``__all__``."""

from __future__ import annotations

import importlib

import refimpl.so3

SUBMODULES = [
    "cg_product",
    "convert",
    "coupling",
    "fourier",
    "gaunt_product",
    "harmonics",
    "wigner",
]


def test_all_is_the_union_of_the_submodules():
    union: set[str] = set()
    for name in SUBMODULES:
        mod = importlib.import_module(f"refimpl.so3.{name}")
        union |= set(mod.__all__)
        for public in mod.__all__:
            assert getattr(refimpl.so3, public) is getattr(mod, public)
    assert set(refimpl.so3.__all__) == union
    assert len(refimpl.so3.__all__) == len(union)
