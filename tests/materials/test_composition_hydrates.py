"""Hydrates written with a full stop ("CuSO4.5H2O") are refused, since the point would read as a
decimal point; fractional formulas still parse. Compositions checked against pymatgen."""

from __future__ import annotations

import pytest

from ai4s_lab.materials import Composition, FormulaError

pmg = pytest.importorskip("pymatgen.core", reason="pymatgen is the test oracle")


def _pymatgen(formula: str) -> dict[str, float]:
    return {str(el): float(n) for el, n in pmg.Composition(formula).items()}


@pytest.mark.parametrize(
    ("written", "suggested", "grouped"),
    [
        ("CuSO4.5H2O", "CuSO4·5H2O", "CuSO4(H2O)5"),
        ("CaCl2.2H2O", "CaCl2·2H2O", "CaCl2(H2O)2"),
        ("Na2CO3.10H2O", "Na2CO3·10H2O", "Na2CO3(H2O)10"),
        ("CaSO4.0.5H2O", "CaSO4·0.5H2O", "CaSO4(H2O)0.5"),
        ("Al2(SO4)3.18H2O", "Al2(SO4)3·18H2O", "Al2(SO4)3(H2O)18"),
        ("MgSO4.H2O", "MgSO4·H2O", "MgSO4H2O"),
        ("(NH4)2SO4.FeSO4.6H2O", "(NH4)2SO4·FeSO4·6H2O", "(NH4)2SO4FeSO4(H2O)6"),
    ],
)
def test_a_hydrate_with_a_full_stop_is_refused_with_the_formula_to_write(
    written: str, suggested: str, grouped: str
) -> None:
    with pytest.raises(FormulaError, match=r"'\.' at character ") as caught:
        Composition(written)
    assert "'·' or '*'" in str(caught.value) and f"e.g. '{suggested}'" in str(caught.value)
    assert dict(Composition(suggested)) == pytest.approx(_pymatgen(grouped))


def test_an_unknown_number_of_waters_is_refused_too() -> None:
    with pytest.raises(FormulaError, match=r"e\.g\. 'CuSO4·xH2O'"):
        Composition("CuSO4.xH2O")


@pytest.mark.parametrize(
    "formula",
    ["Li0.5CoO2", "Li0.5Fe0.5PO4", "Na0.666Co2O4", "Li0.5H2O", "Li3PS4", "La0.6Sr0.4MnO3"],
)
def test_fractional_amounts_still_parse(formula: str) -> None:
    assert dict(Composition(formula)) == pytest.approx(_pymatgen(formula))


def test_a_leading_decimal_multiplier_of_a_hydrate_part_still_parses() -> None:
    assert dict(Composition("CuSO4·2.5H2O")) == pytest.approx(_pymatgen("CuSO4(H2O)2.5"))
    assert dict(Composition("2.5H2O")) == pytest.approx(_pymatgen("(H2O)2.5"))


@pytest.mark.parametrize(
    ("written", "grouped"),
    [
        ("CuSO4 · 5 H2O", "CuSO4(H2O)5"),
        ("Na2SO4·10 H2O", "Na2SO4(H2O)10"),
        ("CaSO4·0.5 H2O", "CaSO4(H2O)0.5"),
        ("Li₂O", "Li2O"),
        ("Ca₃(PO₄)₂", "Ca3(PO4)2"),
        ("CuSO₄·5H₂O", "CuSO4(H2O)5"),
    ],
)
def test_a_space_after_a_hydrate_multiplier_and_subscript_digits_parse(
    written: str, grouped: str
) -> None:
    """As formulas are typed ("Na2SO4·10 H2O") or copied from papers ("Li₂O"); both were
    refused ("the number '10' follows no element", "cannot read '₂O'")."""
    assert dict(Composition(written)) == pytest.approx(_pymatgen(grouped))
