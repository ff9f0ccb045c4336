"""CompositionMapView criteria: Series matched by index, missing values, bad criteria."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ai4s_lab.errors import InputError

pytest.importorskip("plotly")
from ai4s_lab.widgets import CompositionMapView


def _binary_map() -> pd.DataFrame:
    """A Li-O table shaped like composition_map's output, with a non-default index."""
    x = np.linspace(0.0, 1.0, 6)
    frame = pd.DataFrame(
        {
            "Li": 1 - x,
            "O": x,
            "formula": [f"Li{1 - v:.1f}O{v:.1f}" for v in x],
            "hull_energy": [0.0, -0.8, -1.9, -1.2, -0.6, 0.0],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    return frame


def test_a_series_criterion_is_matched_by_index_not_by_position() -> None:
    frame = _binary_map()
    rule = frame["hull_energy"] < -1.0  # rows 12 and 13
    shuffled = rule.sample(frac=1.0, random_state=0)
    assert not shuffled.index.equals(frame.index)
    view = CompositionMapView(frame, "hull_energy", criteria={"deep": shuffled})
    aligned = frame.assign(deep=shuffled)["deep"]  # pandas' own alignment as the oracle
    np.testing.assert_array_equal(view.mask, aligned.to_numpy(dtype=bool))
    assert view.where.index.tolist() == [12, 13]


def test_a_series_with_other_rows_is_refused() -> None:
    frame = _binary_map()
    other = pd.Series([True] * 6, index=range(6))
    with pytest.raises(InputError, match=r"criterion 'x' is a Series whose index .*to_numpy"):
        CompositionMapView(frame, "hull_energy", criteria={"x": other})
    # a criterion of the whole map holds a part of it: matched by label, as pandas aligns
    part = frame.iloc[[3, 0, 1]]
    rule = frame["Li"] > 0.5
    view = CompositionMapView(part, "hull_energy", criteria={"x": rule})
    np.testing.assert_array_equal(view.mask, part.assign(x=rule)["x"].to_numpy(dtype=bool))
    # an array is matched by position
    view = CompositionMapView(frame, "hull_energy", criteria={"x": other.to_numpy()})
    assert view.mask.all()


def test_missing_values_in_a_criterion_do_not_hold() -> None:
    frame = _binary_map()
    scores = pd.Series([1.0, np.nan, 0.0, 1.0, np.nan, 1.0], index=frame.index)
    view = CompositionMapView(frame, "hull_energy", criteria={"scored": scores})
    np.testing.assert_array_equal(view.mask, (scores > 0.5).to_numpy())  # NaN > x is False
    nullable = pd.Series([True, pd.NA, False, True, pd.NA, True], dtype="boolean")
    view = CompositionMapView(frame, "hull_energy", criteria={"n": nullable.to_numpy()})
    np.testing.assert_array_equal(view.mask, nullable.fillna(False).to_numpy(dtype=bool))


def test_text_criteria_are_refused() -> None:
    frame = _binary_map()
    with pytest.raises(InputError, match="text values"):
        CompositionMapView(frame, "hull_energy", criteria={"x": ["yes"] * 6})


def test_a_text_value_column_is_refused() -> None:
    with pytest.raises(
        InputError,
        match=r"value='formula' is a column of .* values; the map colours numbers: use .*'Li'",
    ):
        CompositionMapView(_binary_map(), "formula")
