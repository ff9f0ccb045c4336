"""Composition grids, maps and the Gaussian-process surrogate."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import InputError
from ai4s_lab.materials import (
    FormationEnergyGP,
    PhaseDiagram,
    composition_grid,
    composition_map,
    simplex_coordinates,
)
from tests.materials._oracle import load_real


@pytest.mark.parametrize(("k", "step"), [(2, 0.1), (3, 0.05), (4, 0.25), (5, 0.5)])
def test_grid_covers_the_simplex(k: int, step: float) -> None:
    grid = composition_grid(k, step)
    n = round(1 / step)
    assert grid.shape == (math.comb(n + k - 1, k - 1), k)
    np.testing.assert_allclose(grid.sum(axis=1), 1.0)
    assert len(np.unique(np.round(grid * n).astype(int), axis=0)) == len(grid)
    assert np.all(np.isclose(grid * n, np.round(grid * n)))


def test_grid_rejects_bad_steps() -> None:
    with pytest.raises(InputError, match="not a whole number"):
        composition_grid(3, 0.3)
    with pytest.raises(InputError, match=r"must lie in \(0, 1\]"):
        composition_grid(3, 0)


def test_simplex_coordinates_put_corners_at_unit_distance() -> None:
    corners = simplex_coordinates(np.eye(4))
    distances = np.linalg.norm(corners[:, None] - corners[None], axis=-1)
    np.testing.assert_allclose(distances[~np.eye(4, dtype=bool)], 1.0)
    centre = simplex_coordinates(np.full((1, 3), 1 / 3))
    np.testing.assert_allclose(centre, [[0.5, math.sqrt(3) / 6]])


def test_map_of_a_function_and_of_a_phase_diagram(shared_data: Path) -> None:
    frame = composition_map(["Li", "P", "S"], lambda x: {"li": x[:, 0], "twice": 2 * x[:, 0]}, 0.1)
    assert list(frame.columns) == ["Li", "P", "S", "formula", "li", "twice"]
    np.testing.assert_allclose(frame["twice"], 2 * frame["Li"])
    assert frame.loc[0, "formula"] == "Li1"

    pd = PhaseDiagram(load_real(shared_data, "Li-P-S.json.gz"))
    hull = composition_map(["S", "Li", "P"], pd, 0.1)  # any element order
    for _, row in hull.sample(10, random_state=0).iterrows():
        assert row.hull_energy == pytest.approx(
            pd.hull_energy({"S": row.S, "Li": row.Li, "P": row.P})
        )
    li3ps4 = {"Li": 3 / 8, "P": 1 / 8, "S": 4 / 8}
    assert hull.hull_energy.min() <= 0 and pd.hull_energy(li3ps4) < hull.hull_energy.max()
    with pytest.raises(InputError, match="must return one value per row"):
        composition_map(["Li", "P", "S"], lambda x: np.zeros(3), 0.1)


def test_gaussian_process_learns_formation_energies(shared_data: Path, device: str) -> None:
    """Held-out compositions of Li-Co-O: the GP beats the mean predictor by far, and its
    uncertainty is larger far from the data than at the training compositions."""
    pd = PhaseDiagram(load_real(shared_data, "Li-Co-O.json.gz"))
    chosen = pd.lowest_entries
    x = pd.fractions(chosen)
    y = np.array([pd.formation_energy_per_atom(e) for e in chosen])
    rng = np.random.default_rng(0)
    test = rng.random(len(y)) < 0.2
    gp = FormationEnergyGP(device=device, iterations=100).fit(x[~test], y[~test])
    mean, std = gp.predict(x[test])
    rmse = float(np.sqrt(np.mean((mean - y[test]) ** 2)))
    baseline = float(np.sqrt(np.mean((y[~test].mean() - y[test]) ** 2)))
    assert rmse < 0.3 * baseline, (rmse, baseline)
    _, std_train = gp.predict(x[~test])
    far = np.array([[0.02, 0.96, 0.02]])  # Co-rich corner: few training points
    assert gp.predict(far)[1][0] > 2 * np.median(std_train)
    assert np.all(std >= 0)
    frame = composition_map(list(pd.elements), gp, 0.1, name="e_form")
    assert {"e_form", "e_form_std"} <= set(frame.columns)
    with pytest.raises(InputError, match="not fitted"):
        FormationEnergyGP(device=device).predict(x)


def test_map_of_a_fitted_model_does_not_depend_on_the_element_order(shared_data: Path) -> None:
    """A GP fitted on a phase diagram knows its column order: a map over the same elements in
    another order must give each composition the model's own prediction there."""
    pd = PhaseDiagram(load_real(shared_data, "Li-P-S.json.gz"))
    gp = FormationEnergyGP(device="cpu", iterations=5).fit(pd)
    reordered = [pd.elements[2], pd.elements[0], pd.elements[1]]
    frame = composition_map(reordered, gp, 0.25, name="e_form")
    expected, _ = gp.predict(frame[list(pd.elements)].to_numpy())
    np.testing.assert_allclose(frame["e_form"], expected, rtol=0, atol=1e-12)
    with pytest.raises(InputError, match="elements of the fitted model"):
        composition_map(["Li", "P", "O"], gp, 0.25)


@pytest.mark.parametrize(("k", "step"), [(2, 0.0005), (3, 1 / 30), (3, 0.004), (4, 0.05)])
def test_formula_labels_are_unique_and_name_the_fractions(k: int, step: float) -> None:
    """The formula column identifies a grid point: fine grids (step 0.0005) must not round two
    compositions to one label, and each label must parse back to its fractions."""
    from ai4s_lab.materials import Composition

    elements = ["Li", "Fe", "O", "S"][:k]
    frame = composition_map(elements, lambda x: x[:, 0], step)
    assert not frame["formula"].duplicated().any()
    for _, row in frame.sample(min(len(frame), 50), random_state=0).iterrows():
        fractions = Composition(row["formula"]).fraction_vector(elements)
        np.testing.assert_allclose(fractions, row[elements].to_numpy(float), atol=step / 2)


def test_map_of_a_face_of_a_ternary_diagram_equals_the_binary_diagram(shared_data: Path) -> None:
    """The Li-O edge of the Li-Fe-O hull is the Li-O hull (same references, same entries)."""
    from ai4s_lab.materials import load_entries

    entries = load_entries(shared_data / "materials" / "li-fe-o-entries.json.gz")
    ternary = PhaseDiagram(entries)
    binary = PhaseDiagram(entries, elements=["Li", "O"])
    edge = composition_map(["O", "Li"], ternary, 0.05)
    np.testing.assert_allclose(
        edge["hull_energy"], binary.hull_energy(edge[["Li", "O"]].to_numpy()), atol=1e-12
    )
    with pytest.raises(InputError, match="must be the elements of the phase diagram"):
        composition_map(["Li", "S"], ternary, 0.25)
