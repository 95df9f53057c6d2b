"""Fixtures for the refimpl.so3 tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def e3nn_o3():
    """``e3nn.o3`` with torch's default dtype set to float64 and default device to the CPU for
    the test (e3nn builds its constants and buffers in the default dtype; float32 would limit
    agreement to ~1e-7; the oracle's tensors are read back with ``.numpy()``)."""
    pytest.importorskip("e3nn", reason="e3nn (torch) is an optional oracle, installed by .ci/run")
    import torch
    from e3nn import o3

    previous = torch.get_default_dtype()
    previous_device = torch.get_default_device()
    torch.set_default_dtype(torch.float64)
    torch.set_default_device("cpu")  # the oracle runs on the host (REFIMPL_DEVICE=cuda runs)
    try:
        yield o3
    finally:
        torch.set_default_dtype(previous)
        torch.set_default_device(previous_device)
