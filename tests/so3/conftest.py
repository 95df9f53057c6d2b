"""Fixtures for the refimpl.so3 tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def e3nn_o3():
    """``e3nn.o3`` with torch's default dtype set to float64 for the test (e3nn builds its
    constants and buffers in the default dtype; float32 would limit agreement to ~1e-7)."""
    pytest.importorskip("e3nn", reason="e3nn (torch) is an optional oracle, installed by .ci/run")
    import torch
    from e3nn import o3

    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield o3
    finally:
        torch.set_default_dtype(previous)
