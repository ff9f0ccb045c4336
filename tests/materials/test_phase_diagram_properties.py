"""Property tests (hypothesis) of PhaseDiagram on random chemical systems."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai4s_lab.materials import Entry, PhaseDiagram

SYSTEMS = [["Li", "O"], ["Li", "Fe", "O"], ["Li", "Fe", "P", "O"], ["Na", "Mn", "Si", "S", "Cl"]]
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def systems(draw: Any, max_compounds: int = 25) -> list[Entry]:
    """Random entries: elemental references (polymorphs included) and compounds with random
    integer compositions and formation energies in [-2, 0.5] eV/atom."""
    elements = draw(st.sampled_from(SYSTEMS))
    mu = {el: draw(st.floats(-8.0, -0.5)) for el in elements}
    entries = []
    for el in elements:
        for k in range(draw(st.integers(1, 2))):
            extra = 0.0 if k == 0 else draw(st.floats(0.0, 0.3))
            entries.append(Entry({el: 2}, 2 * (mu[el] + extra), entry_id=f"{el}-{k}"))
    for k in range(draw(st.integers(1, max_compounds))):
        amounts = [draw(st.integers(0, 4)) for _ in elements]
        if sum(1 for a in amounts if a) < 2:
            amounts[0], amounts[-1] = amounts[0] or 1, amounts[-1] or 1
        comp = {el: a for el, a in zip(elements, amounts, strict=True) if a}
        atoms = sum(comp.values())
        e_form = draw(st.floats(-2.0, 0.5))
        energy = atoms * e_form + sum(mu[el] * n for el, n in comp.items())
        entries.append(Entry(comp, energy, entry_id=f"c{k}"))
    return entries


@given(systems())
@PROPERTY_SETTINGS
def test_e_above_hull_is_nonnegative_and_zero_exactly_for_stable(entries: list[Entry]) -> None:
    pd = PhaseDiagram(entries)
    above = pd.e_above_hull()
    assert np.all(above >= 0.0)
    for entry, value in zip(pd.entries, above, strict=True):
        if pd.is_stable(entry):
            assert value == 0.0
    # every element's reference is stable
    assert all(pd.is_stable(ref) for ref in pd.references.values())


@given(systems(), st.data())
@PROPERTY_SETTINGS
def test_adding_an_entry_above_the_hull_keeps_the_stable_set(
    entries: list[Entry], data: Any
) -> None:
    pd = PhaseDiagram(entries)
    elements = pd.elements
    amounts = [data.draw(st.integers(0, 5)) for _ in elements]
    if sum(amounts) == 0:
        amounts[0] = 1
    comp = {el: a for el, a in zip(elements, amounts, strict=True) if a}
    fractions = np.array(amounts, dtype=float) / sum(amounts)
    height = data.draw(st.floats(1e-5, 1.0))
    atoms = sum(comp.values())
    energy = atoms * (pd.hull_energy(fractions) + height + fractions @ pd._mu)
    newcomer = Entry(comp, energy, entry_id="newcomer")
    assert pd.e_above_hull(newcomer) == pytest.approx(height, abs=1e-9)
    bigger = PhaseDiagram([*entries, newcomer])
    assert {id(e) for e in bigger.stable_entries} == {id(e) for e in pd.stable_entries}
    np.testing.assert_allclose(bigger.e_above_hull(entries), pd.e_above_hull(), atol=1e-9)


@given(systems(), st.data())
@PROPERTY_SETTINGS
def test_shifting_one_elements_references_shifts_formation_energies_consistently(
    entries: list[Entry], data: Any
) -> None:
    pd = PhaseDiagram(entries)
    element = data.draw(st.sampled_from(pd.elements))
    delta = data.draw(st.floats(-3.0, 3.0).filter(lambda d: abs(d) > 1e-3))
    column = pd.elements.index(element)
    x = pd.fractions()

    # 1. Shift the elemental entries of one element only: every other formation energy moves
    #    by -delta * x_element (the reference moved, the compounds did not); the elemental
    #    entries of that element moved with their reference and keep theirs.
    def shift_refs(e: Entry) -> Entry:
        if set(e.composition) == {element}:
            return Entry(e.composition, e.energy + delta * e.composition.num_atoms, e.entry_id)
        return e

    moved = PhaseDiagram([shift_refs(e) for e in entries])
    pure = np.array([set(e.composition) == {element} for e in pd.entries])
    expected = np.where(pure, pd.formation_energies, pd.formation_energies - delta * x[:, column])
    np.testing.assert_allclose(moved.formation_energies, expected, atol=1e-9)

    # 2. Shift the chemical potential of that element in *every* entry (a change of the energy
    #    zero of that element): formation energies, e_above_hull and the stable set are unchanged.
    def shift_all(e: Entry) -> Entry:
        return Entry(e.composition, e.energy + delta * e.composition[element], e.entry_id)

    shifted = [shift_all(e) for e in entries]
    same = PhaseDiagram(shifted)
    np.testing.assert_allclose(same.formation_energies, pd.formation_energies, atol=1e-9)
    np.testing.assert_allclose(same.e_above_hull(), pd.e_above_hull(), atol=1e-9)
    stable_positions = {i for i, e in enumerate(pd.entries) if pd.is_stable(e)}
    assert {i for i, e in enumerate(same.entries) if same.is_stable(e)} == stable_positions


@given(systems(), st.data())
@PROPERTY_SETTINGS
def test_decomposition_conserves_atoms_and_lies_on_the_hull(
    entries: list[Entry], data: Any
) -> None:
    pd = PhaseDiagram(entries)
    amounts = [data.draw(st.integers(0, 6)) for _ in pd.elements]
    if sum(amounts) == 0:
        amounts[-1] = 1
    x = np.array(amounts, dtype=float) / sum(amounts)
    decomposition = pd.decomposition(dict(zip(pd.elements, amounts, strict=True)))
    fractions = np.array(list(decomposition.values()))
    assert np.all(fractions > 0) and fractions.sum() == pytest.approx(1.0, abs=1e-12)
    products = pd.fractions(list(decomposition))
    np.testing.assert_allclose(fractions @ products, x, atol=1e-9)
    energies = np.array([pd.formation_energy_per_atom(e) for e in decomposition])
    assert fractions @ energies == pytest.approx(pd.hull_energy(x), abs=1e-9)
    assert all(pd.is_stable(e) for e in decomposition)


@given(systems(max_compounds=15))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_systems_agree_with_pymatgen(entries: list[Entry]) -> None:
    pytest.importorskip("pymatgen.analysis.phase_diagram")
    from tests.materials._oracle import build_both

    ours, theirs, pmg_entries = build_both(entries)
    expected = np.array([theirs.get_e_above_hull(e) for e in pmg_entries])
    np.testing.assert_allclose(ours.e_above_hull(), expected, atol=1e-6, rtol=0)
