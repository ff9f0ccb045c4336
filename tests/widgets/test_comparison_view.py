"""ComparisonView without a browser: colour range with NaN/inf, times on the slider."""

from __future__ import annotations

import numpy as np
import pytest

from ai4s_lab.errors import InputError

pytest.importorskip("anywidget")
pytest.importorskip("ipywidgets")
from ai4s_lab.widgets import ComparisonView


def _fields() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    truth = rng.normal(size=(4, 8, 8))
    return truth, truth + rng.normal(scale=0.1, size=truth.shape)


def test_nan_and_inf_are_left_out_of_the_shared_colour_range() -> None:
    truth, prediction = _fields()
    truth[0, 0, 0] = np.nan
    truth[1, 2, 3] = np.inf
    prediction[2, 4, 4] = -np.inf
    prediction[3, 1, 1] = np.nan
    view = ComparisonView(truth, prediction)
    both = np.concatenate([truth.ravel(), prediction.ravel()])
    finite = both[np.isfinite(both)]
    for field_view in view.views[:2]:
        assert field_view.vmin == finite.min() and field_view.vmax == finite.max()
    error = prediction - truth
    bound = np.abs(error[np.isfinite(error)]).max()
    assert view.views[2].vmin == pytest.approx(-bound) and view.views[2].vmax == pytest.approx(
        bound
    )
    assert view.views[0].to_png().startswith(b"\x89PNG")


def test_truth_without_finite_values_uses_the_prediction() -> None:
    truth, prediction = _fields()
    truth[:] = np.nan
    view = ComparisonView(truth, prediction)
    assert (view.views[0].vmin, view.views[0].vmax) == (prediction.min(), prediction.max())


def test_no_finite_value_at_all_is_refused() -> None:
    truth = np.full((2, 4, 4), np.nan)
    with pytest.raises(InputError, match="no finite value"):
        ComparisonView(truth, truth + np.inf)


def test_times_are_shown_in_the_slider_description() -> None:
    truth, prediction = _fields()
    view = ComparisonView(truth, prediction, times=[0.0, 0.25, 0.5, 0.75])
    assert view.slider.description == "t = 0"
    view.index = 2
    assert view.slider.description == "t = 0.5"
    assert view.times == [0.0, 0.25, 0.5, 0.75]
    dates = np.array(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"], "datetime64[D]")
    dated = ComparisonView(truth, prediction, times=dates)
    dated.index = 3
    assert dated.slider.description == "t = 2020-01-04"
    plain = ComparisonView(truth, prediction)
    assert plain.times is None and plain.slider.description == "frame"


@pytest.mark.parametrize("times", [[0.0, 1.0], np.zeros((4, 1)), 3.0])
def test_times_of_the_wrong_length_are_refused(times: object) -> None:
    truth, prediction = _fields()
    with pytest.raises(InputError, match=r"times has shape .* for 4 frames"):
        ComparisonView(truth, prediction, times=times)
