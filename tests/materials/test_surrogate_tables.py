"""FormationEnergyGP: the elements of a fit come from the columns of a table; a learning rate
that makes Adam diverge is refused instead of giving a meaningless model."""

from __future__ import annotations

import numpy as np
import pytest

from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.materials import FormationEnergyGP, composition_grid, composition_map

pd = pytest.importorskip("pandas")
# Adam imports torch._dynamo on first use (over a second): at collection, not in a test
pytest.importorskip("torch._dynamo")


def _table() -> tuple[object, np.ndarray]:
    """Fractions as a table with columns Li, P, S, and an energy that is not symmetric in the
    elements (-1 eV/atom x_Li x_S - 0.3 eV/atom x_P x_S), so a column mix-up shows."""
    grid = composition_grid(3, 0.125)
    energy = -1.0 * grid[:, 0] * grid[:, 2] - 0.3 * grid[:, 1] * grid[:, 2]
    return pd.DataFrame(grid, columns=["Li", "P", "S"]), energy


def test_a_table_fit_takes_its_elements_from_the_columns() -> None:
    frame, energy = _table()
    gp = FormationEnergyGP(device="cpu", iterations=20).fit(frame[["Li", "P", "S"]], energy)
    assert gp.elements == ("Li", "P", "S")
    mapped = composition_map(["S", "Li", "P"], gp, 0.25, name="e_form")
    expected, _ = gp.predict(mapped[["Li", "P", "S"]].to_numpy())
    np.testing.assert_allclose(mapped["e_form"], expected, rtol=0, atol=1e-12)
    # the analytic energy at the Li-S midpoint is -1/4 eV/atom (the P-S one is -0.075)
    li_s = mapped[(mapped["Li"] == 0.5) & (mapped["S"] == 0.5)]["e_form"].item()
    assert li_s == pytest.approx(-0.25, abs=0.03)
    # a table in another column order is taken by name
    shuffled, _ = gp.predict(frame[["S", "Li", "P"]])
    np.testing.assert_allclose(shuffled, gp.predict(frame.to_numpy())[0], atol=1e-12)


def test_elements_that_contradict_the_columns_are_refused() -> None:
    frame, energy = _table()
    with pytest.raises(InputError, match=r"elements=\['P', 'Li', 'S'\] do not match the columns"):
        FormationEnergyGP(device="cpu", iterations=1).fit(frame, energy, elements=["P", "Li", "S"])
    gp = FormationEnergyGP(device="cpu", iterations=1).fit(frame, energy)
    with pytest.raises(InputError, match=r"columns \['Li', 'P', 'O'\] are not the elements"):
        gp.predict(frame.rename(columns={"S": "O"}))


def test_a_learning_rate_that_diverges_is_refused() -> None:
    frame, energy = _table()
    with pytest.raises(ParameterError, match=r"diverged with learning_rate=50.*smaller"):
        FormationEnergyGP(device="cpu", iterations=10, learning_rate=50).fit(frame, energy)
    gp = FormationEnergyGP(device="cpu", iterations=10, learning_rate=0.5).fit(frame, energy)
    assert 1e-3 < gp.hyperparameters["length_scale"] < 1e3
