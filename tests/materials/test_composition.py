"""Composition parsing, reduction and fractions."""

from __future__ import annotations

import pytest

from ai4s_lab.errors import InputError
from ai4s_lab.materials import Composition, FormulaError


@pytest.mark.parametrize(
    ("formula", "amounts"),
    [
        ("Li3PS4", {"Li": 3, "P": 1, "S": 4}),
        ("Li0.5Fe0.5PO4", {"Li": 0.5, "Fe": 0.5, "P": 1, "O": 4}),
        ("Ca3(PO4)2", {"Ca": 3, "P": 2, "O": 8}),
        ("K4[Fe(CN)6]", {"K": 4, "Fe": 1, "C": 6, "N": 6}),
        ("CuSO4·5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
        ("CuSO4*5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
        ("Mg(OH)2", {"Mg": 1, "O": 2, "H": 2}),
        (" Li2 O ", {"Li": 2, "O": 1}),
        ("LiFe.5", {"Li": 1, "Fe": 0.5}),
    ],
)
def test_formulas_parse(formula: str, amounts: dict[str, float]) -> None:
    comp = Composition(formula)
    assert dict(comp) == pytest.approx(amounts)
    assert comp == Composition(amounts)


@pytest.mark.parametrize(
    "amounts",
    [{"Li": 1e-7, "O": 1}, {"Li": 5e-7, "Co": 1, "O": 2}, {"Al": 2e-7, "Si": 1, "O": 2}],
)
def test_reduction_keeps_a_dilute_element(amounts: dict[str, float]) -> None:
    """An amount below the reduction tolerance (1e-6) was reduced to 0 atoms ("Li0O"), and
    ``reduced()`` then lost the element; the reduced composition has pymatgen's fractions."""
    pmg = pytest.importorskip("pymatgen.core", reason="pymatgen is the test oracle")
    reduced = Composition(amounts).reduced()
    expected = pmg.Composition(amounts).fractional_composition
    assert set(reduced) == {str(el) for el in expected}
    assert reduced.fractions == pytest.approx({str(el): x for el, x in expected.items()}, rel=1e-12)
    assert Composition(Composition(amounts).reduced_formula) == reduced  # no "Li1e-07O"


def test_reduction_fractions_and_formula_order() -> None:
    comp = Composition({"O": 8, "Li": 4, "P": 2})  # electronegativity order in formulas
    assert comp.formula == "Li4P2O8"
    assert comp.reduced_formula == "Li2PO4"
    assert comp.num_atoms == 14
    assert comp.fraction("Li") == pytest.approx(4 / 14)
    assert sum(comp.fractions.values()) == pytest.approx(1.0)
    assert comp.chemical_system == "Li-O-P"
    assert Composition("Li0.5Fe0.5PO4").reduced_formula == "LiFeP2O8"
    assert Composition("Li2O").almost_equal_fractions("Li4O2")
    assert comp.fraction_vector(["Li", "S"]) == [pytest.approx(4 / 14), 0.0]


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("Xx2O", "'Xx' is not an element"),
        ("LiCo(O2", "never closed"),
        ("LiCoO2)", "no opening"),
        ("", "empty"),
        ("3", "follows no element"),
        ("li2o", "cannot read"),
        ("Li-O", "cannot read"),
        ("Li2O0", "'0' after O is zero"),
        ("Ca3(PO4)0.0", r"after \(PO4\) is zero"),
        ("CuSO4·0H2O", "multiplied by zero"),
    ],
)
def test_bad_formulas_raise_formula_error_quoting_the_formula(formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message) as info:
        Composition(formula)
    assert isinstance(info.value, InputError) and isinstance(info.value, ValueError)
    if formula:
        assert repr(formula) in str(info.value)


@pytest.mark.parametrize(
    "mapping",
    [{"Li": -1}, {"Li": float("nan")}, {"Qq": 1}, {"Li": "two"}, {"Li": 0}, {"Li": True, "O": 1}],
)
def test_bad_mappings_raise(mapping: dict[str, object]) -> None:
    with pytest.raises(FormulaError):
        Composition(mapping)  # type: ignore[arg-type]


def test_fractional_formulas_keep_their_whole_amounts_as_written() -> None:
    """Amounts that are not small-integer ratios are divided by the common factor of the whole
    ones, so both ways of writing one composition get one readable name (pymatgen writes
    Na0.333Co1O2); with no whole amount, they are fractions of one atom."""
    assert Composition("Na0.333CoO2").reduced_formula == "Na0.333CoO2"
    assert Composition("Na0.666Co2O4").reduced_formula == "Na0.333CoO2"
    assert Composition("Li0.123Fe0.877").reduced_formula == "Li0.123Fe0.877"
    assert Composition("Li0.5Fe0.5PO4").reduced_formula == "LiFeP2O8"  # small ratios: whole
