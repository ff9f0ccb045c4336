"""Composition grids over a simplex (a ternary triangle, a tetrahedron) and property maps on them.

A map is a tidy :class:`pandas.DataFrame`, one row per grid composition, with a column of atomic
fractions per element, a ``formula`` label and one column per mapped quantity: ready for
``CompositionMapView``, for a groupby, or for saving.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ai4s_lab._numbers import is_integer, is_real
from ai4s_lab.errors import InputError
from ai4s_lab.materials._fractions import fraction_rows
from ai4s_lab.materials.composition import ELEMENTS

__all__ = ["composition_grid", "composition_map", "simplex_coordinates"]

#: The grid step must divide 1 into a whole number of intervals within this tolerance.
STEP_TOL = 1e-9
#: Largest number of grid points :func:`composition_grid` builds (about 20 MB as float64).
MAX_GRID_POINTS = 2_000_000


def composition_grid(n_elements: int, step: float) -> np.ndarray:
    """All compositions of ``n_elements`` elements whose fractions are multiples of ``step``.

    Parameters
    ----------
    n_elements
        Number of elements (3 for a ternary triangle).
    step
        Spacing of the atomic fractions, e.g. 0.05; ``1/step`` must be a whole number.

    Returns
    -------
    numpy.ndarray
        Shape (M, n_elements), rows summing to 1, corners included; M = C(n + k - 1, k - 1)
        with n = 1/step and k = n_elements.
    """
    if not is_integer(n_elements):
        raise InputError(
            f"n_elements={n_elements!r} is a {type(n_elements).__name__}, not a whole number; "
            "give the number of elements of the grid, e.g. 3 for a ternary"
        )
    if n_elements < 2:
        raise InputError(f"n_elements={n_elements}: a composition grid needs at least 2 elements")
    if not is_real(step) or not (0 < step <= 1):
        raise InputError(f"step={step!r}: the fraction step must lie in (0, 1], e.g. 0.05")
    divisions = round(1.0 / step)
    if abs(divisions * step - 1.0) > STEP_TOL * divisions:
        raise InputError(
            f"step={step}: 1/step = {1 / step:.6g} is not a whole number; use a step such as "
            "0.1, 0.05, 0.02 or 1/30"
        )
    size = math.comb(divisions + n_elements - 1, n_elements - 1)
    if size > MAX_GRID_POINTS:
        raise InputError(
            f"step={step} over {n_elements} elements gives {size} grid points (limit "
            f"{MAX_GRID_POINTS}); use a larger step"
        )
    rows = _integer_compositions(divisions, n_elements)
    return rows.astype(np.float64) / divisions


def _integer_compositions(total: int, parts: int) -> np.ndarray:
    if parts == 1:
        return np.array([[total]], dtype=np.int64)
    blocks = []
    for first in range(total, -1, -1):
        rest = _integer_compositions(total - first, parts - 1)
        blocks.append(np.column_stack([np.full(len(rest), first), rest]))
    return np.vstack(blocks)


def simplex_coordinates(fractions: np.ndarray) -> np.ndarray:
    """Cartesian coordinates of compositions in a regular simplex with unit edges.

    Two elements map to a segment (x), three to an equilateral triangle (x, y; the first
    element at the bottom-left corner, the second bottom-right, the third on top), four to a
    regular tetrahedron (x, y, z).

    Parameters
    ----------
    fractions
        Atomic fractions, shape (M, k) with k in 2..4.

    Returns
    -------
    numpy.ndarray
        Shape (M, k - 1).

    Raises
    ------
    InputError
        Values that are not numbers, rows with a NaN, infinite or negative value or that sum
        to 0 (the message names the first), or not 2 to 4 columns.
    """
    try:
        x = np.atleast_2d(np.asarray(fractions, dtype=np.float64))
    except (TypeError, ValueError) as err:
        raise InputError(
            f"simplex_coordinates: fractions of type {type(fractions).__name__} are not "
            f"numbers ({err}); give an array of atomic fractions of shape (M, k)"
        ) from err
    corners = {
        2: np.array([[0.0], [1.0]]),
        3: np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3) / 2]]),
        4: np.array(
            [
                [0.0, 0.0, 0.0],
                [1.0, 0.0, 0.0],
                [0.5, math.sqrt(3) / 2, 0.0],
                [0.5, math.sqrt(3) / 6, math.sqrt(6) / 3],
            ]
        ),
    }.get(x.shape[1])
    if x.ndim != 2 or corners is None:
        raise InputError(
            f"simplex_coordinates: fractions of shape {x.shape} cannot be drawn in a simplex; "
            "give rows of 2, 3 or 4 atomic fractions, shape (M, k)"
        )
    return fraction_rows(x, "simplex_coordinates") @ corners


def composition_map(
    elements: Sequence[str],
    source: Any,
    step: float = 0.05,
    *,
    name: str = "value",
) -> Any:
    """Evaluate a quantity on a composition grid and return a tidy table.

    Parameters
    ----------
    elements
        The elements spanning the grid, e.g. ``["Li", "P", "S"]``. For a phase diagram or a
        model that knows its elements, a subset of them maps that face of its simplex
        (``["Li", "S"]`` of a Li-P-S diagram: the Li-S edge, the other fractions 0).
    source
        What to map:

        * a :class:`~ai4s_lab.materials.PhaseDiagram`: its hull formation energy (eV/atom),
          column ``name`` (default renamed ``"hull_energy"``);
        * a model with ``predict(fractions)`` returning an array or ``(mean, std)`` (such as
          :class:`~ai4s_lab.materials.FormationEnergyGP`): columns ``name`` and ``name + "_std"``;
          a model with an ``elements`` attribute (a GP fitted on a phase diagram, or on arrays
          with ``fit(..., elements=[...])``) gets the fractions in its own element order,
          whatever the order of ``elements``; a model whose ``elements`` is ``None`` gets
          them in the order of ``elements``;
        * a function of the fraction array (M, k) returning an array (M,) or a dict of arrays
          (one column each).
    step
        Fraction step of the grid (``1/step`` a whole number).
    name
        Column name for a single mapped quantity.

    Returns
    -------
    pandas.DataFrame
        One row per grid composition: one fraction column per element, ``formula``, then the
        mapped quantities.
    """
    import pandas as pd

    symbols = [str(el) for el in elements]
    unknown = [el for el in symbols if el not in ELEMENTS]
    if unknown:
        raise InputError(f"elements={symbols}: {unknown} are not element symbols")
    if len(set(symbols)) != len(symbols):
        raise InputError(f"elements={symbols} repeats an element")
    grid = composition_grid(len(symbols), step)
    columns = _evaluate(source, symbols, grid, name)
    frame = pd.DataFrame(grid, columns=symbols)
    frame.insert(len(symbols), "formula", _labels(symbols, grid, round(1.0 / step)))
    for column, values in columns.items():
        array = np.asarray(values, dtype=np.float64).reshape(-1)
        if array.shape[0] != len(grid):
            raise InputError(
                f"composition_map: {column!r} has {array.shape[0]} values for {len(grid)} "
                "grid compositions; the function must return one value per row of its input"
            )
        frame[column] = array
    return frame


def _evaluate(
    source: Any, elements: list[str], grid: np.ndarray, name: str
) -> Mapping[str, np.ndarray]:
    from ai4s_lab.materials.phase_diagram import PhaseDiagram

    if isinstance(source, PhaseDiagram):
        x = _in_source_order(grid, elements, source.elements, "the phase diagram")
        label = "hull_energy" if name == "value" else name
        return {label: source.hull_energy(x)}
    predict = getattr(source, "predict", None)
    if callable(predict):
        fitted = getattr(source, "elements", None)
        if fitted is not None:  # a model fitted on a phase diagram knows its column order
            grid = _in_source_order(grid, elements, tuple(fitted), "the fitted model")
        result = predict(grid)
        if isinstance(result, tuple):
            mean, std = result
            return {name: np.asarray(mean), f"{name}_std": np.asarray(std)}
        return {name: np.asarray(result)}
    if callable(source):
        function: Callable[[np.ndarray], Any] = source
        result = function(grid)
        if isinstance(result, Mapping):
            return {str(key): np.asarray(value) for key, value in result.items()}
        return {name: np.asarray(result)}
    raise InputError(
        f"composition_map: source is a {type(source).__name__}; give a PhaseDiagram, a model "
        "with predict(fractions) or a function of the (M, k) fraction array"
    )


def _in_source_order(
    grid: np.ndarray, elements: list[str], source_elements: tuple[str, ...], what: str
) -> np.ndarray:
    """The grid's columns (in the order of ``elements``) rearranged into ``source_elements``;
    elements of the source that the map leaves out get fraction 0 (a face of its simplex)."""
    names = [str(el) for el in source_elements]
    if not set(elements) <= set(names):
        raise InputError(
            f"elements={elements} must be the elements of {what} {tuple(names)} (in any "
            "order), or some of them for a map of a face (e.g. a binary edge of a ternary)"
        )
    x = np.zeros((len(grid), len(names)))
    x[:, [names.index(el) for el in elements]] = grid
    return x


def _labels(elements: list[str], grid: np.ndarray, divisions: int) -> list[str]:
    """``"Li0.25P0.125S0.625"`` per row: at least 3 significant digits, and enough that grid
    fractions (multiples of ``1/divisions``) never share a label."""
    digits = max(3, math.ceil(math.log10(divisions)) + 1)
    labels = []
    for row in grid:
        parts = [
            f"{el}{value:.{digits}g}" for el, value in zip(elements, row, strict=True) if value > 0
        ]
        labels.append("".join(parts))
    return labels
