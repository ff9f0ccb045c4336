"""Many saved frames are held once: the peak memory of a run is about the size of its result
(what the memory check before the run counts), not twice that."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab import pde

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _peak_rss_mib() -> float:
    for line in _STATUS.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc/self/status")


def _reset_peak() -> None:
    _CLEAR_REFS.write_text("5")  # Linux: resets VmHWM to the current resident size


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self (Linux)")
def test_peak_memory_of_many_frames_is_the_result_once() -> None:
    try:
        _reset_peak()
    except OSError:
        pytest.skip("/proc/self/clear_refs is not writable here")
    eq = pde.Diffusion()
    u0 = pde.initial.random_field(eq.grid(128), seed=0)
    pde.solve(eq, u0, 0.01, device="cpu", dtype="float64", progress=False)  # warm up
    _reset_peak()
    before = _peak_rss_mib()
    ds = pde.solve(eq, u0, 1.0, save_every=1 / 600, device="cpu", dtype="float64", progress=False)
    grown = _peak_rss_mib() - before
    result = ds["u"].nbytes / 2**20  # 601 frames of 128² float64: 75 MiB
    assert ds.sizes["t"] == 601
    assert np.isfinite(ds["u"].values).all()
    # before: the frames were kept in a list and stacked at the end, twice the result at once
    assert grown < 1.4 * result, f"peak grew by {grown:.0f} MiB for a {result:.0f} MiB result"
