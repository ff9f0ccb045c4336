"""A constant target: scikit-learn's regressors (the oracle) predict the constant exactly, and
so does every member of a PropertyModel."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import RandomForestRegressor

from ai4s_lab.molecules import PropertyModel

TRAIN = ["CCO", "CCN", "CCC", "c1ccccc1O", "CC(=O)O", "CCCl"]
NEW = ["c1ccccc1N", "CCCCO", "O=C(O)c1ccccc1"]


@pytest.mark.parametrize("value", [7.0, 0.1, -1234.5])
def test_constant_target_is_predicted_exactly(value: float) -> None:
    model = PropertyModel(n_models=2, epochs=3, hidden=(16,), device="cpu")
    y = np.full(len(TRAIN), value)
    model.fit(TRAIN, y)
    mean, spread = model.predict(NEW, return_std=True)
    x_train, x_new = model.featurize(TRAIN), model.featurize(NEW)
    for oracle in (DummyRegressor(), RandomForestRegressor(n_estimators=5, random_state=0)):
        expected = oracle.fit(x_train, y).predict(x_new)
        np.testing.assert_allclose(mean, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(spread, np.zeros(len(NEW)))
