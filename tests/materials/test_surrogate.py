"""FormationEnergyGP: element order of array fits, refits, amounts, float32 fits checked against
an independent numpy GP and analytic functions, and bad input."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from ai4s_lab.errors import InputError, ParameterError
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


def _regular_solution(x: np.ndarray) -> np.ndarray:
    """A ternary that is not symmetric in its elements, eV/atom: -0.5 x0 x1 - 0.3 x1 x2."""
    return -0.5 * x[:, 0] * x[:, 1] - 0.3 * x[:, 1] * x[:, 2]


def _smooth_cases() -> list[Any]:
    """(train fractions, test fractions, function): smooth, noise-free energies; the test
    compositions lie between the training ones."""
    fine = composition_grid(3, 0.05)
    off_grid = ~np.all(np.isclose(fine * 10, np.round(fine * 10)), axis=1)
    cases = [pytest.param(composition_grid(3, 0.1), fine[off_grid], _regular_solution, id="3-0.1")]
    for n in (11, 21, 41):
        x = np.linspace(0.0, 1.0, n)
        mid = (x[:-1] + x[1:]) / 2
        cases.append(
            pytest.param(
                np.c_[x, 1 - x],
                np.c_[mid, 1 - mid],
                lambda f: -0.4 * f[:, 0] * f[:, 1],  # binary regular solution, eV/atom
                id=f"2-{n}",
            )
        )
    return cases


def _numpy_gp(
    x: np.ndarray, y: np.ndarray, x_new: np.ndarray, hyper: dict[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """An independent exact GP in float64 (Rasmussen & Williams, algorithm 2.1 with a constant
    prior mean at the training average): posterior mean and latent std at ``x_new``."""

    def kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)
        return hyper["signal_std"] ** 2 * np.exp(-0.5 * d2 / hyper["length_scale"] ** 2)

    k = kernel(x, x) + hyper["noise_std"] ** 2 * np.eye(len(x))
    k_star = kernel(x, x_new)
    mean = y.mean() + k_star.T @ np.linalg.solve(k, y - y.mean())
    var = hyper["signal_std"] ** 2 - np.einsum("ij,ij->j", k_star, np.linalg.solve(k, k_star))
    return mean, np.sqrt(np.clip(var, 0.0, None))


@pytest.mark.parametrize(("x", "x_test", "function"), _smooth_cases())
def test_float32_fits_smooth_noise_free_data_like_float64(
    x: np.ndarray, x_test: np.ndarray, function: Any, device: str
) -> None:
    """float32 (the GPU default) used to stop with a raw LinAlgError here: the noise floor and
    jitter (1e-6) are below float32 rounding of a kernel whose length scale has grown. Now its
    predictions match the float64 fit and the function, at compositions it was not fitted on,
    and each fit is the GP posterior of its own hyperparameters (independent numpy GP)."""
    y = function(x)
    means = {}
    for dtype, tol_function, tol_oracle_mean, tol_oracle_std in [
        ("float64", 1e-4, 2e-5, 5e-5),
        ("float32", 1e-3, 5e-4, 2e-4),
    ]:
        dev = "cpu" if dtype == "float64" else device
        gp = FormationEnergyGP(device=dev, dtype=dtype).fit(x, y)
        mean, std = gp.predict(x_test)
        assert mean.dtype == np.dtype(dtype)
        np.testing.assert_allclose(mean, function(x_test), rtol=0, atol=tol_function)
        oracle_mean, oracle_std = _numpy_gp(x, y, x_test, gp.hyperparameters)
        np.testing.assert_allclose(mean, oracle_mean, rtol=0, atol=tol_oracle_mean)
        np.testing.assert_allclose(std, oracle_std, rtol=0, atol=tol_oracle_std)
        means[dtype] = mean
    # float32 resolution of energies ~0.1 eV/atom after a 150-step fit: well under 1 meV/atom
    np.testing.assert_allclose(means["float32"], means["float64"], rtol=0, atol=1e-3)


def test_a_kernel_that_cannot_be_factorised_is_a_typed_error_naming_float64(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the dtype-relative jitter and its retries (the old behaviour), float32 cannot
    factorise this kernel: the error is typed and says to fit in float64."""
    from ai4s_lab.materials import surrogate

    monkeypatch.setattr(surrogate, "JITTER_EPS", 0.0)
    monkeypatch.setattr(surrogate, "JITTER_RETRIES", 0)
    x = composition_grid(3, 0.1)
    gp = FormationEnergyGP(device="cpu", dtype="float32")
    with pytest.raises(InputError, match=r"not positive-definite in float32.*dtype='float64'"):
        gp.fit(x, _regular_solution(x))


def test_diverging_hyperparameters_are_a_typed_error_naming_the_learning_rate() -> None:
    x = composition_grid(3, 0.1)
    gp = FormationEnergyGP(device="cpu", learning_rate=1e3, iterations=20)
    with pytest.raises(InputError, match=r"hyperparameters diverged .* smaller learning_rate"):
        gp.fit(x, _regular_solution(x))


def test_non_finite_targets_are_refused_naming_their_positions() -> None:
    x, y = _data(["Li", "P", "S"])
    y = y.copy()
    y[[2, 5]] = [np.nan, -np.inf]
    with pytest.raises(
        InputError, match=r"2 NaN or infinite value\(s\) of 45, at positions 2, 5; drop those"
    ):
        FormationEnergyGP(device="cpu", iterations=1).fit(x, y)
    with pytest.raises(InputError, match=r"at positions 0; drop those"):
        FormationEnergyGP(device="cpu", iterations=1).fit(x[:5], [math.nan, 0.0, 0.1, 0.2, 0.3])


def test_targets_given_with_a_phase_diagram_are_refused() -> None:
    entries = [Entry("Li", 0.0), Entry("S", 0.0), Entry("Li2S", -3.0)]
    with pytest.raises(InputError, match="targets were given with a phase diagram"):
        FormationEnergyGP(device="cpu", iterations=1).fit(PhaseDiagram(entries), [0.0, 1.0])


def test_non_numeric_arrays_are_typed_errors() -> None:
    x, _ = _data(["Li", "P", "S"])
    with pytest.raises(InputError, match="fit: targets of type list are not numbers"):
        FormationEnergyGP(device="cpu", iterations=1).fit(x[:2], ["a", "b"])
    with pytest.raises(InputError, match="fit: fractions of type list are not numbers"):
        FormationEnergyGP(device="cpu", iterations=1).fit([["Li", 1.0]], [0.0])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"seed": "a"}, r"seed='a' is a str, not a whole number; give a whole number 0 <= "),
        ({"seed": 1.5}, r"seed=1\.5 is a float, not a whole number"),
        ({"seed": True}, r"seed=True is a bool, not a whole number"),
        ({"seed": -1}, r"seed=-1 is out of range"),
        ({"seed": 2**64}, r"seed=18446744073709551616 is out of range"),
        ({"iterations": True}, r"iterations=True is a bool"),
        ({"iterations": np.float64(3.0)}, r"iterations=np\.float64\(3\.0\) is a float64"),
        ({"iterations": -1}, r"iterations=-1 is out of range; give a whole number >= 0"),
        ({"learning_rate": 0.0}, r"learning_rate=0\.0 is not a positive finite number"),
        ({"learning_rate": math.inf}, r"learning_rate=inf is not a positive"),
        ({"learning_rate": math.nan}, r"learning_rate=nan is not a positive"),
        ({"learning_rate": "0.1"}, r"learning_rate='0\.1' is not a positive"),
        ({"learning_rate": True}, r"learning_rate=True is not a positive"),
    ],
)
def test_bad_constructor_arguments_are_parameter_errors_at_construction(
    arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        FormationEnergyGP(device="cpu", **arguments)


def test_numpy_integers_are_accepted_and_give_the_same_fit_as_ints() -> None:
    x, y = _data(["Li", "P", "S"])
    gp = FormationEnergyGP(device="cpu", iterations=np.int32(5), seed=np.int64(3))
    assert type(gp.iterations) is int
    assert type(gp.seed) is int
    reference = FormationEnergyGP(device="cpu", iterations=5, seed=3).fit(x, y)
    assert gp.fit(x, y).hyperparameters == reference.hyperparameters
    assert FormationEnergyGP(device="cpu", learning_rate=np.float32(0.05)).learning_rate == (
        pytest.approx(0.05)
    )
