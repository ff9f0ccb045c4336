"""Dropping candidates above a subset's hull before Qhull (6+ elements) changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

import ai4s_lab.materials.phase_diagram as phase_diagram
from ai4s_lab.materials import Entry, PhaseDiagram

ELEMENTS = ["Li", "Na", "Fe", "Mn", "P", "O"]


def _entries(n: int, seed: int = 1) -> list[Entry]:
    rng = np.random.default_rng(seed)
    mu = rng.uniform(-8.0, -1.0, len(ELEMENTS))
    entries = [Entry({el: 1}, float(mu[k]), entry_id=el) for k, el in enumerate(ELEMENTS)]
    while len(entries) < n:
        chosen = rng.choice(len(ELEMENTS), size=rng.integers(2, len(ELEMENTS) + 1), replace=False)
        amounts = rng.integers(1, 7, size=len(chosen))
        energy = amounts.sum() * -rng.gamma(2.0, 0.4) + float(amounts @ mu[chosen])
        comp = {ELEMENTS[c]: int(a) for c, a in zip(chosen, amounts, strict=True)}
        entries.append(Entry(comp, energy, entry_id=f"c{len(entries)}"))
    return entries


def test_prefilter_gives_the_same_diagram(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = _entries(1500)
    filtered = PhaseDiagram(entries)
    monkeypatch.setattr(phase_diagram, "PREFILTER_MIN_ELEMENTS", 99)
    full = PhaseDiagram(entries)
    assert {id(e) for e in filtered.stable_entries} == {id(e) for e in full.stable_entries}
    np.testing.assert_allclose(filtered.e_above_hull(), full.e_above_hull(), rtol=0, atol=1e-9)
    probe = next(e for e in entries if not full.is_stable(e) and len(e.composition) >= 4)
    assert {id(e) for e in filtered.decomposition(probe)} == {
        id(e) for e in full.decomposition(probe)
    }
