"""A Gaussian-process surrogate of formation energy over composition space (torch).

The model maps atomic fractions to formation energy per atom with an exact Gaussian process:
squared-exponential kernel on the fraction vector, hyperparameters (length scale, signal and
noise amplitudes) fitted by maximising the log marginal likelihood with Adam. It gives a mean and
a standard deviation, so a composition map can show where the prediction is trustworthy.

References
----------
C. E. Rasmussen, C. K. I. Williams, *Gaussian Processes for Machine Learning*, MIT Press (2006),
chapters 2 and 5. doi:10.7551/mitpress/3206.001.0001
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ai4s_lab.device import resolve_device, resolve_dtype
from ai4s_lab.errors import InputError

if TYPE_CHECKING:
    import torch

    from ai4s_lab.materials.phase_diagram import PhaseDiagram

__all__ = ["FormationEnergyGP"]

#: Jitter added to the kernel diagonal (in units of the standardised target variance).
JITTER = 1e-6
#: Training sets up to this size are fitted on one CPU thread (see ``_few_threads``).
SINGLE_THREAD_MAX_POINTS = 2000
#: Lower bound of the fitted noise standard deviation, in standardised units.
MIN_NOISE = 1e-3


class FormationEnergyGP:
    """Gaussian-process regression of formation energy per atom on atomic fractions.

    Parameters
    ----------
    iterations
        Adam steps on the negative log marginal likelihood.
    learning_rate
        Adam learning rate (on log hyperparameters).
    device, dtype
        Where to compute (resolved by :func:`ai4s_lab.resolve_device` and
        :func:`ai4s_lab.resolve_dtype`).
    seed
        Makes the fit reproducible.

    Examples
    --------
    >>> gp = FormationEnergyGP().fit(phase_diagram)  # doctest: +SKIP
    >>> mean, std = gp.predict([[0.25, 0.25, 0.5]])  # eV/atom  # doctest: +SKIP
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
        if iterations < 0:
            raise InputError(f"iterations={iterations}: must be >= 0")
        self.iterations = iterations
        self.learning_rate = learning_rate
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.seed = seed
        self.elements: tuple[str, ...] | None = None
        self._state: dict[str, Any] | None = None

    def fit(
        self, data: PhaseDiagram | np.ndarray, targets: np.ndarray | None = None
    ) -> FormationEnergyGP:
        """Fit to a phase diagram (its lowest entry per composition) or to arrays.

        Parameters
        ----------
        data
            A :class:`~ai4s_lab.materials.PhaseDiagram`, or atomic fractions of shape (n, k).
        targets
            Formation energies per atom (eV/atom), shape (n,), when ``data`` is an array.

        Returns
        -------
        FormationEnergyGP
            ``self``, fitted.
        """

        from ai4s_lab.materials.phase_diagram import PhaseDiagram

        if isinstance(data, PhaseDiagram):
            chosen = data.lowest_entries
            x_np = data.fractions(chosen)
            y_np = np.array([data.formation_energy_per_atom(e) for e in chosen])
            self.elements = data.elements
        else:
            if targets is None:
                raise InputError("fit(fractions, targets): targets (eV/atom) are missing")
            x_np = np.atleast_2d(np.asarray(data, dtype=np.float64))
            y_np = np.asarray(targets, dtype=np.float64).reshape(-1)
            if len(x_np) != len(y_np):
                raise InputError(
                    f"fit: {len(x_np)} compositions but {len(y_np)} targets; give one per row"
                )
        if len(y_np) < 2 or not np.all(np.isfinite(y_np)) or not np.all(np.isfinite(x_np)):
            raise InputError(
                f"fit: needs at least 2 compositions with finite energies, got {len(y_np)}"
            )
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
        for _ in range(self.iterations):
            optimizer.zero_grad()
            loss = _negative_log_likelihood(x, z, params)
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            chol, alpha = _factor(x, z, params)
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
            Atomic fractions, shape (m, k) (or (k,)), in the element order of the fit.

        Returns
        -------
        mean, std : numpy.ndarray
            Shape (m,). ``std`` is the posterior standard deviation of the latent function
            (noise excluded): small near training compositions, larger between them.
        """
        import torch

        state = self._require()
        x_new = torch.as_tensor(
            np.atleast_2d(np.asarray(fractions, dtype=np.float64)),
            dtype=self.dtype,
            device=self.device,
        )
        if x_new.shape[1] != state["x"].shape[1]:
            raise InputError(
                f"predict: fractions have {x_new.shape[1]} columns, the model was fitted on "
                f"{state['x'].shape[1]} elements {self.elements or ''}"
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

    def _require(self) -> dict[str, Any]:
        if self._state is None:
            raise InputError("this FormationEnergyGP is not fitted yet; call fit(...) first")
        return self._state


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
    import torch

    ell, signal, noise = params.exp()
    k = _kernel(x, x, ell, signal)
    diagonal = (noise + MIN_NOISE) ** 2 + JITTER
    k = k + diagonal * torch.eye(len(x), dtype=x.dtype, device=x.device)
    chol = torch.linalg.cholesky(k)
    alpha = torch.cholesky_solve(z[:, None], chol)[:, 0]
    return chol, alpha


def _negative_log_likelihood(x: torch.Tensor, z: torch.Tensor, params: torch.Tensor) -> Any:
    import torch

    chol, alpha = _factor(x, z, params)
    fit = 0.5 * z @ alpha
    complexity = torch.log(torch.diagonal(chol)).sum()
    return (fit + complexity) / len(z)
