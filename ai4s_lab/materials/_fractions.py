"""Rows of element amounts as atomic fractions, for the array inputs of the materials lab."""

from __future__ import annotations

import numpy as np

from ai4s_lab.errors import InputError

#: Negative amounts down to this are rounding noise and count as 0.
ROUNDING_TOL = 1e-8


def fraction_rows(amounts: np.ndarray, what: str, elements: tuple[str, ...] = ()) -> np.ndarray:
    """Rows of ``amounts`` (n, elements) scaled to sum to 1.

    Refuses rows with a NaN, an infinite or a negative value (below ``-ROUNDING_TOL``) and rows
    that sum to 0, with an :class:`InputError` that names ``what`` asked, the first bad row and
    how many there are; and arrays that are not (n, elements).
    """
    if amounts.ndim != 2:
        raise InputError(
            f"{what}: an array of shape {amounts.shape} is not rows of atomic fractions; give "
            "one composition of shape (elements,) or several of shape (n, elements)"
        )
    bad = ~np.isfinite(amounts).all(axis=1) | (amounts < -ROUNDING_TOL).any(axis=1)
    clipped = np.clip(amounts, 0.0, None)
    totals = clipped.sum(axis=1)
    bad |= ~(totals > 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        columns = f" (elements {', '.join(elements)})" if elements else ""
        raise InputError(
            f"{what}: row {row} {amounts[row].tolist()}{columns} is not a composition "
            f"({int(bad.sum())} of {len(amounts)} rows have a NaN, infinite or negative value "
            "or sum to 0); give non-negative atomic fractions (or amounts) with a positive sum"
        )
    return clipped / totals[:, None]
