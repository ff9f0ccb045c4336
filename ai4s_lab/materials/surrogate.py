"""A Gaussian-process surrogate of formation energy over composition space (torch).

The model maps atomic fractions to formation energy per atom with an exact Gaussian process:
squared-exponential kernel on the fraction vector, hyperparameters (length scale, signal and
noise amplitudes) fitted by maximising the log marginal likelihood with Adam. It gives a mean and
a standard deviation, so a composition map can show where the prediction is trustworthy.

References
----------
C. E. Rasmussen, C. K. I. Williams, *Gaussian Processes for Machine Learning*, MIT Press (2006),
chapters 2 and 5. doi:10.7551/mitpress/3206.001.0001

J. R. Gardner, G. Pleiss, D. Bindel, K. Q. Weinberger, A. G. Wilson, GPyTorch: blackbox
matrix-matrix Gaussian process inference with GPU acceleration, NeurIPS (2018) (the escalating
jitter of ``psd_safe_cholesky``). doi:10.48550/arXiv.1809.11165
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ai4s_lab._numbers import is_integer, is_real
from ai4s_lab.device import resolve_device, resolve_dtype
from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.materials._fractions import fraction_rows
from ai4s_lab.materials.composition import ELEMENTS

if TYPE_CHECKING:
    import torch

    from ai4s_lab.materials.phase_diagram import PhaseDiagram

__all__ = ["FormationEnergyGP"]

#: Smallest jitter added to the kernel diagonal (in units of the standardised target variance).
JITTER = 1e-6
#: The jitter is at least this many machine epsilons of the dtype times the signal variance:
#: in float32 (eps 1.2e-7) the fixed ``JITTER`` and the noise floor are below the rounding
#: error of a kernel whose diagonal is the signal variance, and Cholesky fails.
JITTER_EPS = 10.0
#: Times the jitter is multiplied by 10 and the Cholesky factorisation tried again.
JITTER_RETRIES = 4
#: Seeds are what ``torch.manual_seed`` takes: 0 <= seed < 2**64.
MAX_SEED = 2**64 - 1
#: Training sets up to this size are fitted on one CPU thread (see ``_few_threads``).
SINGLE_THREAD_MAX_POINTS = 2000
#: Lower bound of the fitted noise standard deviation, in standardised units.
MIN_NOISE = 1e-3
#: A fit whose negative log marginal likelihood (per point) ends higher than it started by
#: more than this fraction of it has diverged.
DIVERGENCE_TOL = 1e-6


class FormationEnergyGP:
    """Gaussian-process regression of formation energy per atom on atomic fractions.

    Parameters
    ----------
    iterations
        Adam steps on the negative log marginal likelihood (a whole number >= 0).
    learning_rate
        Adam learning rate (on log hyperparameters), a positive number.
    device, dtype
        Where to compute (resolved by :func:`ai4s_lab.resolve_device` and
        :func:`ai4s_lab.resolve_dtype`).
    seed
        Makes the fit reproducible (a whole number, 0 <= seed < 2**64).

    Attributes
    ----------
    elements : tuple of str or None
        The element of each column, from the last fit: a phase diagram's elements, the
        ``elements=`` given with arrays or the column names of a table; ``None`` when arrays
        were fitted without it.

    Raises
    ------
    ParameterError
        If ``iterations``, ``learning_rate`` or ``seed`` has a wrong type or value (numpy
        integers are accepted, bools are not).
    DeviceError
        If ``device`` or ``dtype`` is not one :func:`~ai4s_lab.resolve_device` or
        :func:`~ai4s_lab.resolve_dtype` accepts.

    Examples
    --------
    >>> gp = FormationEnergyGP().fit(phase_diagram)  # doctest: +SKIP
    >>> mean, std = gp.predict([[0.25, 0.25, 0.5]])  # eV/atom  # doctest: +SKIP
    >>> gp = FormationEnergyGP().fit(fractions, e_form, elements=["Li", "P", "S"])  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        iterations: int = 150,
        learning_rate: float = 0.05,
        device: str | Any = "auto",
        dtype: str | Any = None,
        seed: int = 0,
    ) -> None:
        iterations = _whole_number("iterations", iterations, "a whole number >= 0, e.g. 150")
        if not is_real(learning_rate) or not 0 < learning_rate < math.inf:
            raise ParameterError(
                f"FormationEnergyGP: learning_rate={learning_rate!r} is not a positive finite "
                "number; give the Adam step size on log hyperparameters, e.g. learning_rate=0.05"
            )
        seed = _whole_number("seed", seed, "a whole number 0 <= seed < 2**64, e.g. 0", MAX_SEED)
        self.iterations = iterations
        self.learning_rate = float(learning_rate)
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.seed = seed
        self.elements: tuple[str, ...] | None = None
        self._state: dict[str, Any] | None = None

    def fit(
        self,
        data: PhaseDiagram | np.ndarray,
        targets: np.ndarray | None = None,
        *,
        elements: Sequence[str] | None = None,
    ) -> FormationEnergyGP:
        """Fit to a phase diagram (its lowest entry per composition) or to arrays.

        Parameters
        ----------
        data
            A :class:`~ai4s_lab.materials.PhaseDiagram`, or compositions of shape (n, k):
            atomic fractions, or amounts (atoms per formula unit), which are scaled to fractions.
        targets
            Formation energies per atom (eV/atom), shape (n,), when ``data`` is an array.
        elements
            The element of each column of ``data`` (k symbols), e.g. ``["Li", "P", "S"]``.
            With it, :func:`~ai4s_lab.materials.composition_map` gives the model its columns in
            this order whatever order the map's elements are listed in; without it, the map
            passes its own order and the caller must keep it the same as the fit's. A phase
            diagram gives its own :attr:`~ai4s_lab.materials.PhaseDiagram.elements`, and a
            table (a pandas ``DataFrame``) whose columns are element symbols gives those.

        Returns
        -------
        FormationEnergyGP
            ``self``, fitted.

        Raises
        ------
        InputError
            If targets are missing, given with a phase diagram, do not match the rows or are
            NaN or infinite (the message names their positions); a row is not a composition
            (negative, NaN, all zero); ``elements`` does not name one element per column, or
            names other elements than the columns of a table; or the kernel matrix cannot be
            factorised even with extra jitter (in float32 the message says to fit with
            ``dtype="float64"``).
        ParameterError
            The fit diverged: the negative log marginal likelihood ended higher than it
            started (a ``learning_rate`` too large for Adam); the message says which.
        """

        from ai4s_lab.materials.phase_diagram import PhaseDiagram

        if isinstance(data, PhaseDiagram):
            if targets is not None:
                raise InputError(
                    "fit: targets were given with a phase diagram, whose entries already hold "
                    "the energies (the lowest formation energy per atom of each composition); "
                    "call fit(phase_diagram) alone, or fit(fractions, targets) with arrays"
                )
            if elements is not None and tuple(elements) != data.elements:
                raise InputError(
                    f"fit: elements={list(elements)} given with a phase diagram of "
                    f"{data.elements}; the diagram fixes the column order, leave elements out"
                )
            chosen = data.lowest_entries
            x_np = data.fractions(chosen)
            y_np = np.array([data.formation_energy_per_atom(e) for e in chosen])
            fitted_elements: tuple[str, ...] | None = data.elements
        else:
            if targets is None:
                raise InputError("fit(fractions, targets): targets (eV/atom) are missing")
            elements = _elements_of_columns(data, elements)
            x_np = np.atleast_2d(_numbers_array(data, "fractions"))
            if x_np.ndim != 2:
                raise InputError(
                    f"fit: fractions of shape {x_np.shape} are not rows of atomic fractions; "
                    "give an array of shape (n, elements)"
                )
            y_np = _numbers_array(targets, "targets").reshape(-1)
            if len(x_np) != len(y_np):
                raise InputError(
                    f"fit: {len(x_np)} compositions but {len(y_np)} targets; give one per row"
                )
            fitted_elements = _check_elements(elements, x_np.shape[1])
            _check_finite_targets(y_np)
            x_np = fraction_rows(x_np, "fit")
        if len(y_np) < 2 or not np.all(np.isfinite(y_np)) or not np.all(np.isfinite(x_np)):
            raise InputError(
                f"fit: needs at least 2 compositions with finite energies, got {len(y_np)}; "
                "give more compositions"
            )
        # A refit replaces the element order of any earlier fit (None: the caller's order).
        self.elements = fitted_elements
        with _few_threads(self.device, len(y_np)):
            self._fit_arrays(x_np, y_np)
        return self

    def _fit_arrays(self, x_np: np.ndarray, y_np: np.ndarray) -> None:
        import torch

        torch.manual_seed(self.seed)
        x = torch.as_tensor(x_np, dtype=self.dtype, device=self.device)
        y = torch.as_tensor(y_np, dtype=self.dtype, device=self.device)
        mean, scale = y.mean(), y.std().clamp_min(1e-12)
        z = (y - mean) / scale
        # log length scale, log signal std, log noise std (standardised units)
        params = torch.tensor(
            [math.log(0.2), 0.0, math.log(0.1)], dtype=self.dtype, device=self.device
        ).requires_grad_(True)
        optimizer = torch.optim.Adam([params], lr=self.learning_rate)
        with torch.no_grad():
            start = float(_negative_log_likelihood(x, z, params))
        for _ in range(self.iterations):
            optimizer.zero_grad()
            loss = _negative_log_likelihood(x, z, params)
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            chol, alpha = _factor(x, z, params)
            end = float((0.5 * z @ alpha + torch.log(torch.diagonal(chol)).sum()) / len(z))
        if self.iterations and not end <= start + DIVERGENCE_TOL * max(1.0, abs(start)):
            shown = ", ".join(
                f"{name}={float(v):.3g}"
                for name, v in zip(
                    ("length_scale", "signal_std", "noise_std"), params.detach().exp(), strict=True
                )
            )
            raise ParameterError(
                f"FormationEnergyGP: the fit diverged with learning_rate={self.learning_rate:g}: "
                f"the negative log marginal likelihood went from {start:.4g} to {end:.4g} "
                f"per point in {self.iterations} Adam steps (hyperparameters {shown}, "
                "standardised units); give a smaller learning_rate, e.g. 0.05 (the default)"
            )
        self._state = {
            "x": x,
            "chol": chol,
            "alpha": alpha,
            "params": params.detach(),
            "mean": mean,
            "scale": scale,
        }

    @property
    def hyperparameters(self) -> dict[str, float]:
        """Fitted length scale (fraction units), signal and noise std (eV/atom)."""
        state = self._require()
        ell, signal, noise = (float(v) for v in state["params"].exp())
        scale = float(state["scale"])
        return {
            "length_scale": ell,
            "signal_std": signal * scale,
            "noise_std": (noise + MIN_NOISE) * scale,
        }

    def predict(self, fractions: np.ndarray | Any) -> tuple[np.ndarray, np.ndarray]:
        """Predicted formation energy per atom and its standard deviation, both eV/atom.

        Parameters
        ----------
        fractions
            Atomic fractions (or amounts, scaled to fractions), shape (m, k) or (k,), in the
            element order of the fit (:attr:`elements` where known); or a table (a pandas
            ``DataFrame``) whose columns are element symbols, taken by name where
            :attr:`elements` is known.

        Returns
        -------
        mean, std : numpy.ndarray
            Shape (m,). ``std`` is the posterior standard deviation of the latent function
            (noise excluded): small near training compositions, larger between them.
        """
        import torch

        state = self._require()
        fractions = self._in_fitted_order(fractions)
        try:
            x_np = np.array(fractions, dtype=np.float64, ndmin=2)  # a copy: may be read-only
        except (TypeError, ValueError) as err:
            raise InputError(
                f"predict: fractions of type {type(fractions).__name__} are not a numeric "
                f"(m, k) array ({err}); for a composition_map table pass "
                "frame[list(elements)]"
            ) from err
        if x_np.ndim != 2 or x_np.shape[1] != state["x"].shape[1]:
            raise InputError(
                f"predict: fractions of shape {x_np.shape} do not have the "
                f"{state['x'].shape[1]} columns the model was fitted on "
                f"{self.elements or ''}".rstrip()
            )
        x_new = torch.as_tensor(
            fraction_rows(x_np, "predict"), dtype=self.dtype, device=self.device
        )
        with torch.no_grad():
            ell, signal, _ = state["params"].exp()
            k_star = _kernel(state["x"], x_new, ell, signal)
            mean = k_star.T @ state["alpha"]
            v = torch.linalg.solve_triangular(state["chol"], k_star, upper=False)
            var = (signal**2 - (v * v).sum(dim=0)).clamp_min(0.0)
            mean_ev = mean * state["scale"] + state["mean"]
            std_ev = var.sqrt() * state["scale"]
        return mean_ev.cpu().numpy(), std_ev.cpu().numpy()

    def _in_fitted_order(self, fractions: Any) -> Any:
        """A table whose columns are all element symbols, with its columns in the order of
        the fit (anything else, or a model without :attr:`elements`: as given)."""
        names = _element_columns(fractions)
        if names is None or self.elements is None or names == self.elements:
            return fractions
        if set(names) != set(self.elements):
            raise InputError(
                f"predict: the table's columns {list(names)} are not the elements "
                f"{list(self.elements)} the model was fitted on; give a column per element"
            )
        return fractions[list(self.elements)]

    def _require(self) -> dict[str, Any]:
        if self._state is None:
            raise InputError("this FormationEnergyGP is not fitted yet; call fit(...) first")
        return self._state


def _whole_number(name: str, value: Any, allowed: str, high: int | None = None) -> int:
    """``value`` as an int in ``[0, high]`` (numpy integers accepted, bools refused), or a
    :class:`ParameterError` naming ``name``, the value and what is ``allowed``."""
    if not is_integer(value):
        problem = f"is a {type(value).__name__}, not a whole number"
    elif value < 0 or (high is not None and value > high):
        problem = "is out of range"
    else:
        return int(value)
    raise ParameterError(f"FormationEnergyGP: {name}={value!r} {problem}; give {allowed}")


def _numbers_array(values: Any, name: str) -> np.ndarray:
    """``values`` as a float64 array, or an :class:`InputError` naming ``name``."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(
            f"fit: {name} of type {type(values).__name__} are not numbers ({err}); give a "
            "numeric array (for a table, its numeric columns, e.g. frame[list(elements)])"
        ) from err


def _elements_of_columns(data: Any, elements: Sequence[str] | None) -> Sequence[str] | None:
    """The elements of a fit: those given, else the column names of a table (a pandas
    ``DataFrame``) where every one is an element symbol; refuse both where they disagree."""
    names = _element_columns(data)
    if names is None:
        return elements
    if elements is not None and tuple(str(el).strip() for el in elements) != names:
        raise InputError(
            f"fit: elements={list(elements)} do not match the columns {list(names)} of the "
            "table; leave elements out (the columns name the elements) or pass the columns "
            f"in that order, e.g. frame[{list(elements)}]"
        )
    return names


def _element_columns(data: Any) -> tuple[str, ...] | None:
    """The column names of a table when all of them are element symbols, else ``None``."""
    columns = getattr(data, "columns", None)
    if columns is None:
        return None
    names = tuple(str(name).strip() for name in columns)
    return names if names and all(name in ELEMENTS for name in names) else None


def _check_finite_targets(y: np.ndarray) -> None:
    """Refuse NaN or infinite formation energies, naming their positions (0-based rows)."""
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        shown = ", ".join(str(i) for i in bad[:10]) + (", ..." if bad.size > 10 else "")
        raise InputError(
            f"fit: targets have {bad.size} NaN or infinite value(s) of {len(y)}, at positions "
            f"{shown}; drop those rows from both fractions and targets first, e.g. "
            "keep = np.isfinite(targets); fit(fractions[keep], targets[keep])"
        )


def _check_elements(elements: Sequence[str] | None, columns: int) -> tuple[str, ...] | None:
    """The element symbols of the ``columns`` columns of a fit, checked (None stays None)."""
    if elements is None:
        return None
    symbols = tuple(str(el).strip() for el in elements)
    unknown = [el for el in symbols if el not in ELEMENTS]
    if len(symbols) != columns or unknown or len(set(symbols)) != len(symbols):
        problem = (
            f"{unknown} are not element symbols"
            if unknown
            else f"gives {len(symbols)} symbols for {columns} columns"
            if len(symbols) != columns
            else "repeats an element"
        )
        raise InputError(
            f"fit: elements={list(elements)} {problem}; give one distinct element symbol per "
            "column of the fractions, in column order, e.g. elements=['Li', 'P', 'S']"
        )
    return symbols


@contextlib.contextmanager
def _few_threads(device: torch.device, n: int) -> Iterator[None]:
    """Run small CPU problems on one thread: for a few hundred points, thread start-up costs
    more than it saves (measured 2 ms vs 17 ms an iteration at n = 109 on 2 shared cores).
    The previous setting is restored."""
    import torch

    if device.type != "cpu" or n > SINGLE_THREAD_MAX_POINTS:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _kernel(a: torch.Tensor, b: torch.Tensor, ell: torch.Tensor, signal: torch.Tensor) -> Any:
    import torch

    d2 = torch.cdist(a, b).pow(2)
    return signal**2 * torch.exp(-0.5 * d2 / ell**2)


def _factor(x: torch.Tensor, z: torch.Tensor, params: torch.Tensor) -> tuple[Any, Any]:
    """Cholesky factor of the noisy kernel matrix and ``K^-1 z``.

    The diagonal gets the noise variance (floored at ``MIN_NOISE**2``) plus a jitter of at
    least ``JITTER`` and ``JITTER_EPS`` machine epsilons of the signal variance, so that it is
    above the rounding error of the dtype; if the factorisation still fails, the jitter is
    multiplied by 10 and it is tried again, up to ``JITTER_RETRIES`` times, as in GPyTorch's
    ``psd_safe_cholesky``. In float64 the jitter is ``JITTER`` unless the matrix needs more.
    """
    import torch

    ell, signal, noise = params.exp()
    k = _kernel(x, x, ell, signal)
    eye = torch.eye(len(x), dtype=x.dtype, device=x.device)
    eps = torch.finfo(x.dtype).eps
    jitter = torch.clamp(JITTER_EPS * eps * signal**2, min=JITTER)
    for _ in range(JITTER_RETRIES + 1):
        chol, info = torch.linalg.cholesky_ex(k + ((noise + MIN_NOISE) ** 2 + jitter) * eye)
        if not bool(info.any()):
            alpha = torch.cholesky_solve(z[:, None], chol)[:, 0]
            return chol, alpha
        jitter = jitter * 10.0
    values = dict(
        zip(("length_scale", "signal_std", "noise_std"), params.detach().exp(), strict=True)
    )
    if not all(bool(torch.isfinite(v)) for v in values.values()):
        shown = ", ".join(f"{name}={float(v):.3g}" for name, v in values.items())
        raise InputError(
            f"fit: the Gaussian-process hyperparameters diverged ({shown}, standardised "
            "units) and the kernel matrix cannot be factorised; give a smaller learning_rate "
            "(the default is 0.05)"
        )
    dtype = str(x.dtype).replace("torch.", "")
    fix = (
        "fit in double precision with FormationEnergyGP(dtype='float64')"
        if x.dtype != torch.float64
        else "merge near-duplicate compositions (average their energies)"
    )
    raise InputError(
        f"fit: the kernel matrix of {len(x)} compositions is not positive-definite in {dtype} "
        f"even with a jitter of {float(jitter.detach()) / 10.0:.2g} (standardised units) on "
        f"its diagonal; {fix}"
    )


def _negative_log_likelihood(x: torch.Tensor, z: torch.Tensor, params: torch.Tensor) -> Any:
    import torch

    chol, alpha = _factor(x, z, params)
    fit = 0.5 * z @ alpha
    complexity = torch.log(torch.diagonal(chol)).sum()
    return (fit + complexity) / len(z)
