"""Typed errors for grids and simplex coordinates of things that are not compositions."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from ai4s_lab.errors import InputError
from ai4s_lab.materials import composition_grid, simplex_coordinates


@pytest.mark.parametrize(
    ("n_elements", "message"),
    [(3.0, r"n_elements=3\.0 is a float"), ("3", "n_elements='3' is a str"), (True, "is a bool"),
     (1, "n_elements=1: a composition grid needs at least 2")],
)  # fmt: skip
def test_a_grid_needs_a_whole_number_of_elements(n_elements: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        composition_grid(n_elements, 0.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([[0.5, 0.5, 0.0], [1.2, -0.2, 0.0]], r"row 1 \[1\.2, -0\.2, 0\.0\] is not a composition"),
        ([[0.0, 0.0, 0.0]], r"row 0 \[0\.0, 0\.0, 0\.0\] is not a composition"),
        ([[np.nan, 0.5, 0.5]], "row 0"),
        ([["Li", "O", "S"]], "are not numbers"),
        ([[0.2] * 5], "cannot be drawn in a simplex"),
    ],
)
def test_simplex_coordinates_refuse_what_is_not_a_composition(rows: list, message: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning of a division by zero on the way
        with pytest.raises(InputError, match=message):
            simplex_coordinates(
                np.array(rows, dtype=object) if isinstance(rows[0][0], str) else rows
            )


def test_amounts_are_scaled_to_fractions() -> None:
    # Li2O2 on the Li-O segment: the middle; LiFeO2 in the Li-Fe-O triangle (analytic)
    np.testing.assert_allclose(simplex_coordinates([[2.0, 2.0]]), [[0.5]])
    expected = 0.25 * np.array([0.0, 0.0]) + 0.25 * np.array([1.0, 0.0])
    expected += 0.5 * np.array([0.5, math.sqrt(3) / 2])
    np.testing.assert_allclose(simplex_coordinates([[1, 1, 2]]), [expected])
