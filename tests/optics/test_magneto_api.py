"""``refimpl.optics.__all__`` is exactly the union of its submodules' ``__all__``."""

from __future__ import annotations

import refimpl.optics
from refimpl.optics import (
    angular,
    atoms,
    hilbert,
    indirect,
    kramers_kronig,
    lineshapes,
    propagation,
    susceptibility,
    zeeman,
)

SUBMODULES = (
    angular,
    atoms,
    hilbert,
    indirect,
    kramers_kronig,
    lineshapes,
    propagation,
    susceptibility,
    zeeman,
)


def test_optics_all_is_union_of_all_submodules():
    union = set().union(*(set(m.__all__) for m in SUBMODULES))
    assert set(refimpl.optics.__all__) == union
    assert len(refimpl.optics.__all__) == len(union)
    for name in union:
        assert getattr(refimpl.optics, name) is not None
