"""FormationEnergyGP: element order of array fits, refits, amounts and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from ai4s_lab.errors import InputError
from ai4s_lab.materials import (
    Entry,
    FormationEnergyGP,
    PhaseDiagram,
    composition_grid,
    composition_map,
)


def _data(order: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Fractions over ``order`` and a formation energy that is not symmetric in the elements
    (-1 eV/atom * x_Li * x_S - 0.3 eV/atom * x_P * x_S), so a column mix-up shows."""
    grid = composition_grid(3, 0.125)  # columns Li, P, S
    energy = -1.0 * grid[:, 0] * grid[:, 2] - 0.3 * grid[:, 1] * grid[:, 2]
    columns = [["Li", "P", "S"].index(el) for el in order]
    return grid[:, columns], energy


def test_array_fit_with_elements_maps_in_its_own_column_order() -> None:
    x, y = _data(["P", "S", "Li"])
    gp = FormationEnergyGP(device="cpu", iterations=20).fit(x, y, elements=["P", "S", "Li"])
    assert gp.elements == ("P", "S", "Li")
    frame = composition_map(["Li", "P", "S"], gp, 0.25, name="e_form")
    expected, _ = gp.predict(frame[["P", "S", "Li"]].to_numpy())
    np.testing.assert_allclose(frame["e_form"], expected, rtol=0, atol=1e-12)
    # the model learned the function: at the Li-S midpoint -1/4 eV/atom, not the P-S one
    li_s = frame[(frame["Li"] == 0.5) & (frame["S"] == 0.5)]["e_form"].item()
    assert li_s == pytest.approx(-0.25, abs=0.03)
    with pytest.raises(InputError, match="elements of the fitted model"):
        composition_map(["Li", "P", "O"], gp, 0.25)


def test_array_fit_without_elements_takes_the_callers_order() -> None:
    x, y = _data(["S", "Li", "P"])
    gp = FormationEnergyGP(device="cpu", iterations=5).fit(x, y)
    assert gp.elements is None
    frame = composition_map(["S", "Li", "P"], gp, 0.25)
    expected, _ = gp.predict(frame[["S", "Li", "P"]].to_numpy())
    np.testing.assert_allclose(frame["value"], expected, rtol=0, atol=1e-12)


def test_a_refit_on_arrays_forgets_the_element_order_of_an_earlier_diagram_fit() -> None:
    """Fitted first on a Li-P-S diagram, then on arrays in another column order: the map must
    follow the arrays' order, not the diagram's (which would silently permute the columns)."""
    entries = [Entry("Li", 0.0), Entry("P", 0.0), Entry("S", 0.0), Entry("Li3PS4", -8.0)]
    entries += [Entry("Li2S", -3.0), Entry("P2S5", -2.0)]
    gp = FormationEnergyGP(device="cpu", iterations=5).fit(PhaseDiagram(entries))
    assert gp.elements == ("Li", "P", "S")
    x, y = _data(["S", "Li", "P"])
    gp.fit(x, y)
    assert gp.elements is None
    frame = composition_map(["S", "Li", "P"], gp, 0.25)
    expected, _ = gp.predict(frame[["S", "Li", "P"]].to_numpy())
    np.testing.assert_allclose(frame["value"], expected, rtol=0, atol=1e-12)
    gp.fit(x, y, elements=["S", "Li", "P"])
    assert gp.elements == ("S", "Li", "P")


def test_amounts_are_read_as_compositions_in_fit_and_predict() -> None:
    x, y = _data(["Li", "P", "S"])
    gp = FormationEnergyGP(device="cpu", iterations=10).fit(x, y)
    amounts = np.array([[2.0, 0.0, 1.0], [3.0, 1.0, 4.0]])  # Li2S, Li3PS4
    mean, std = gp.predict(amounts)
    mean_f, std_f = gp.predict(amounts / amounts.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(mean, mean_f, rtol=0, atol=1e-12)
    np.testing.assert_allclose(std, std_f, rtol=0, atol=1e-12)
    scaled = FormationEnergyGP(device="cpu", iterations=10).fit(8 * x, y)
    np.testing.assert_allclose(scaled.predict(amounts)[0], mean, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("elements", "message"),
    [
        (["Li", "P"], "gives 2 symbols for 3 columns"),
        (["Li", "P", "Xx"], r"\['Xx'\] are not element symbols"),
        (["Li", "Li", "S"], "repeats an element"),
    ],
)
def test_bad_elements_are_typed_errors(elements: list[str], message: str) -> None:
    x, y = _data(["Li", "P", "S"])
    with pytest.raises(InputError, match=message):
        FormationEnergyGP(device="cpu", iterations=1).fit(x, y, elements=elements)


def test_rows_that_are_not_compositions_and_tables_are_typed_errors() -> None:
    x, y = _data(["Li", "P", "S"])
    bad = x.copy()
    bad[3] = [0.5, -0.5, 1.0]
    with pytest.raises(InputError, match=r"fit: row 3 .* is not a composition"):
        FormationEnergyGP(device="cpu", iterations=1).fit(bad, y)
    gp = FormationEnergyGP(device="cpu", iterations=1).fit(x, y, elements=["Li", "P", "S"])
    with pytest.raises(InputError, match=r"predict: row 0 .* is not a composition"):
        gp.predict([[0.0, 0.0, 0.0]])
    frame = composition_map(["Li", "P", "S"], gp, 0.5)
    with pytest.raises(InputError, match=r"frame\[list\(elements\)\]"):
        gp.predict(frame)  # has the 'formula' column of strings
    with pytest.raises(InputError, match="do not have the 3 columns"):
        gp.predict([[0.5, 0.5]])
