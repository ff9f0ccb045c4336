"""Bad input to PhaseDiagram gives typed errors that name the entry or element."""

from __future__ import annotations

import numpy as np
import pytest

from ai4s_lab.errors import Ai4sWarning, InputError
from ai4s_lab.materials import (
    Entry,
    FormulaError,
    MissingReferenceError,
    PhaseDiagram,
)


def _li_o() -> list[Entry]:
    return [
        Entry("Li", -1.9, entry_id="li"),
        Entry("O2", -9.8, entry_id="o2"),
        Entry("Li2O", -14.3, entry_id="li2o"),
        Entry("Li2O2", -19.5, entry_id="li2o2"),
        Entry("LiO2", -13.0, entry_id="lio2-high"),
    ]


def test_empty_list() -> None:
    with pytest.raises(InputError, match="empty list of entries"):
        PhaseDiagram([])


def test_one_element_system_names_the_element_and_entry() -> None:
    with pytest.raises(InputError, match=r"one-element system \(Li; first entry Li \(li-bcc\)\)"):
        PhaseDiagram([Entry("Li", -1.9, entry_id="li-bcc"), Entry("Li2", -3.7, "li-fcc")])


def test_missing_elemental_reference_names_the_element() -> None:
    entries = [e for e in _li_o() if e.entry_id != "o2"]
    with pytest.raises(MissingReferenceError, match=r"element 'O' has no elemental entry") as info:
        PhaseDiagram(entries)
    assert "zero_references=True" in str(info.value)
    assert isinstance(info.value, ValueError)
    # formation-energy data: implicit references at 0 eV/atom
    pd = PhaseDiagram([Entry("Li2O", -6.0, "f1")], zero_references=True)
    assert {e.entry_id for e in pd.stable_entries} == {
        "f1",
        "Li (implicit reference)",
        "O (implicit reference)",
    }


def test_zero_references_beside_total_energies_warns() -> None:
    """The missing-reference error suggests zero_references=True for formation energies; given
    for total energies (Li metal at -1.9 eV/atom), O's reference at 0 eV/atom puts Li2O at
    (-14.3 - 2 × -1.9) / 3 = -3.5 eV/atom instead of its real -2.0: a warning says so."""
    entries = [e for e in _li_o() if e.entry_id != "o2"]
    with pytest.warns(Ai4sWarning, match=r"puts O at 0 eV/atom.*Li lies at -1\.90 eV/atom"):
        pd = PhaseDiagram(entries, zero_references=True)
    li2o = next(e for e in pd.entries if e.entry_id == "li2o")
    assert pd.formation_energy_per_atom(li2o) == pytest.approx((-14.3 + 2 * 1.9) / 3)


def test_unknown_element_in_elements_argument() -> None:
    with pytest.raises(FormulaError, match=r"'Ox' is not an element symbol"):
        PhaseDiagram(_li_o(), elements=["Li", "Ox"])


def test_not_an_entry_is_named_by_position() -> None:
    with pytest.raises(InputError, match=r"item 2 of the entries is a tuple"):
        PhaseDiagram([*_li_o()[:2], ("Li2O", -14.3)])


def test_nan_energy_names_the_entry() -> None:
    with pytest.raises(InputError, match=r"entry 'bad-calc' \(Li2O\): energy is nan"):
        PhaseDiagram([*_li_o(), Entry("Li2O", float("nan"), entry_id="bad-calc")])


def test_queries_outside_the_system_or_with_foreign_entries() -> None:
    pd = PhaseDiagram(_li_o())
    with pytest.raises(InputError, match=r"LiFeO2 contains \['Fe'\], outside this Li-O"):
        pd.decomposition("LiFeO2")
    stranger = Entry("Li2O", -14.0, entry_id="stranger")
    with pytest.raises(InputError, match="stranger"):
        pd.equilibrium_reaction_energy(stranger)
    unstable = next(e for e in pd.entries if e.entry_id == "lio2-high")
    with pytest.raises(InputError, match=r"LiO2 \(lio2-high\) is not stable"):
        pd.equilibrium_reaction_energy(unstable)
    # a new entry may lie below the present hull: a negative energy above hull
    assert pd.e_above_hull(Entry("Li2O", -20.0)) < 0


@pytest.mark.parametrize(
    "fractions",
    [[0.0, 0.0], [0.5, float("nan")], [-0.5, 1.5], [[0.5, 0.5], [0.0, 0.0]]],
)
def test_hull_energy_refuses_fraction_rows_that_are_not_compositions(
    fractions: list[float],
) -> None:
    import numpy as np

    pd = PhaseDiagram(_li_o())
    with pytest.raises(InputError, match=r"hull_energy: row \d .*not a composition"):
        pd.hull_energy(np.array(fractions))


def test_hull_energy_accepts_amounts_and_rounding_noise() -> None:
    import numpy as np

    pd = PhaseDiagram(_li_o())
    assert pd.hull_energy(np.array([2.0, 1.0])) == pytest.approx(pd.hull_energy("Li2O"))
    assert pd.hull_energy(np.array([-1e-17, 1.0])) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("given", ["Li2O", ["Li2O"], 3.0])
def test_e_above_hull_of_something_else_than_entries_is_a_typed_error(given: object) -> None:
    pd = PhaseDiagram(_li_o())
    with pytest.raises(InputError, match="Entry"):
        pd.e_above_hull(given)  # type: ignore[arg-type]


def test_hull_energy_of_a_non_numeric_array_is_a_typed_error() -> None:
    pd = PhaseDiagram(_li_o())
    with pytest.raises(InputError, match=r"hull_energy: an array of dtype <U3 is not atomic"):
        pd.hull_energy(np.array(["0.5", "abc"]))


def test_hull_energy_names_the_row_as_given_and_refuses_arrays_of_other_shapes() -> None:
    pd = PhaseDiagram(_li_o())
    with pytest.raises(InputError, match=r"row 0 \[-0.5, 1.5\]"):  # not the clipped [0.0, 1.5]
        pd.hull_energy(np.array([-0.5, 1.5]))
    with pytest.raises(InputError, match=r"shape \(5, 2, 2\) is not rows of atomic fractions"):
        pd.hull_energy(np.full((5, 2, 2), 0.5))


def test_reaction_of_a_new_entry_below_the_hull_says_it_is_stable() -> None:
    """A new Li2O 0.7 eV under the diagram's: the hull would have to move down to it, so it
    decomposes into nothing (it is not "Li2O -> Li2O (ground-state polymorph ...)")."""
    pd = PhaseDiagram(_li_o())
    lower = Entry("Li2O", -15.0, entry_id="new")
    below = -pd.e_above_hull(lower)
    assert below == pytest.approx(0.7 / 3)
    assert pd.reaction(lower) == f"Li2O (stable: {below:.4g} eV/atom below this diagram's hull)"
    higher = Entry("Li2O", -14.0, entry_id="higher")
    assert pd.reaction(higher).startswith("Li2O -> Li2O (ground-state polymorph")


def test_arguments_of_other_types_get_typed_errors() -> None:
    from ai4s_lab.materials import FormationEnergyGP, composition_map

    pd = PhaseDiagram(_li_o())
    with pytest.raises(InputError, match=r"elements='Li-O' is one string; .*\['Li', 'O'\]"):
        PhaseDiagram(_li_o(), elements="Li-O")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"elements=\[\] names no element"):
        PhaseDiagram(_li_o(), elements=[])
    with pytest.raises(InputError, match=r"step='0\.1'"):
        composition_map(["Li", "O"], pd, step="0.1")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"shape \(3, 2, 2\) are not rows"):
        FormationEnergyGP().fit(np.ones((3, 2, 2)), [0.0, 1.0, 2.0])
    with pytest.raises(InputError, match="learning_rate=-1"):
        FormationEnergyGP(learning_rate=-1)
    with pytest.raises(InputError, match=r"iterations=2\.5"):
        FormationEnergyGP(iterations=2.5)  # type: ignore[arg-type]
