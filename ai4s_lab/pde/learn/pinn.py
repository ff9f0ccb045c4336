"""A physics-informed neural network (PINN) for 1D viscous Burgers, and its exact reference.

The problem of Raissi et al. (2019): ``u_t + u u_x = ν u_xx`` on ``x ∈ [−1, 1]``, ``t ∈ [0, 1]``,
``u(0, x) = −sin(π x)``, ``u(t, ±1) = 0``, ``ν = 0.01/π``. A fully connected tanh network
``u_θ(t, x)`` is trained on the squared PDE residual at quasi-random collocation points plus the
initial and boundary conditions (``hard_constraints=False``, as in the paper), or with the
conditions built into the ansatz ``u = −sin(π x) + t (1 − x²) N_θ(t, x)`` (the default, which
needs fewer optimizer steps), with Adam first and L-BFGS after.

The reference is the Cole–Hopf solution evaluated by Gauss–Hermite quadrature,

``u(t, x) = − ∫ sin(π(x − η)) f(x − η) e^{−η²/4νt} dη / ∫ f(x − η) e^{−η²/4νt} dη``,
``f(y) = exp(−cos(π y) / (2πν))``,

an analytic oracle independent of any time stepper.

References
----------
.. [1] M. Raissi, P. Perdikaris and G. E. Karniadakis, "Physics-informed neural networks: a deep
   learning framework for solving forward and inverse problems involving nonlinear partial
   differential equations", J. Comput. Phys. 378 (2019) 686–707,
   doi:10.1016/j.jcp.2018.10.045.
.. [2] E. Hopf, "The partial differential equation u_t + u u_x = μ u_xx", Comm. Pure Appl. Math.
   3 (1950) 201–230, doi:10.1002/cpa.3160030302; J. D. Cole, Quart. Appl. Math. 9 (1951)
   225–236, doi:10.1090/qam/42889.
.. [3] C. Basdevant et al., "Spectral and finite difference solutions of the Burgers equation",
   Comput. Fluids 14 (1986) 23–41, doi:10.1016/0045-7930(86)90036-8 (the Gauss–Hermite
   evaluation and this test case).
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ai4s_lab._numbers import is_integer, is_real
from ai4s_lab.device import resolve_device, resolve_dtype
from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.pde.learn._threads import single_thread

__all__ = [
    "RAISSI_VISCOSITY",
    "BurgersPINN",
    "PINNResult",
    "burgers_residual",
    "cole_hopf_burgers",
    "train_burgers_pinn",
]

log = logging.getLogger(__name__)

#: ``ν = 0.01/π`` of the Raissi et al. benchmark (length² per time).
RAISSI_VISCOSITY = 0.01 / math.pi
#: Up to this many collocation points, CPU training uses one thread (faster on small machines).
SINGLE_THREAD_POINTS = 20_000


def cole_hopf_burgers(
    x: Any, t: Any, *, viscosity: float = RAISSI_VISCOSITY, quadrature: int = 200
) -> np.ndarray:
    """Exact solution of ``u_t + u u_x = ν u_xx``, ``u(0, x) = −sin(π x)`` (Cole–Hopf).

    Parameters
    ----------
    x
        Positions (1D array, length units; the solution is 2-periodic and odd).
    t
        Times (1D array, >= 0).
    viscosity
        ``ν`` (length² per time), > 0.
    quadrature
        Gauss–Hermite nodes, 8 to 300 (NumPy's nodes overflow beyond). For ``ν = 0.01/π``,
        100 nodes already agree with 300 to 1e-13 on ``t ∈ [0.001, 1]``; the tests check 200
        nodes against the PDE lab's spectral solver at 2048 points (agreement ~1e-10). Where
        ``ν t`` is large (``π √(4νt) >= 3``, e.g. ``ν = 1``, ``t >= 0.23``) the nodes cannot
        follow the integrand and the exact Fourier series of the same integrals is summed
        instead (checked against the Bessel-function series of the solution).

    Returns
    -------
    numpy.ndarray
        ``u`` with shape ``(len(t), len(x))``, float64.
    """
    if not (is_real(viscosity) and viscosity > 0 and math.isfinite(viscosity)):
        raise ParameterError(f"cole_hopf_burgers: viscosity={viscosity!r} must be positive")
    if not is_integer(quadrature) or not 8 <= quadrature <= 300:
        raise ParameterError(
            f"cole_hopf_burgers: quadrature={quadrature!r} must be an integer from 8 to 300"
        )
    xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
    ts = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if xs.ndim != 1 or ts.ndim != 1 or xs.size == 0 or ts.size == 0:
        raise InputError(
            f"cole_hopf_burgers: x (shape {xs.shape}) and t (shape {ts.shape}) must be non-empty "
            "1D arrays"
        )
    if not (np.isfinite(xs).all() and np.isfinite(ts).all()) or (ts < 0).any():
        raise InputError("cole_hopf_burgers: x and t must be finite, and t >= 0")
    z, w = np.polynomial.hermite.hermgauss(quadrature)
    out = np.empty((ts.size, xs.size))
    for i, tk in enumerate(ts):
        if tk == 0:
            out[i] = -np.sin(np.pi * xs)
        elif math.pi * math.sqrt(4 * viscosity * tk) >= SERIES_FREQUENCY:
            out[i] = _cole_hopf_series(xs, float(tk), viscosity)
        else:
            out[i] = _cole_hopf_quadrature(xs, float(tk), viscosity, z, w)
    return out


#: Above this angular frequency ``π √(4νt)`` of the Cole–Hopf integrand in the Gauss–Hermite
#: variable, :func:`cole_hopf_burgers` sums the Fourier series instead: the quadrature nodes no
#: longer resolve the oscillation (1e-4 relative error at ν = 1, t = 1, where the frequency is
#: 2π; none left at ν = 5), while there the heat kernel damps mode ``k`` by at least
#: ``e^{−2.25 k²}``, so a few modes give the series to rounding.
SERIES_FREQUENCY = 3.0


def _cole_hopf_quadrature(
    xs: np.ndarray, t: float, viscosity: float, z: np.ndarray, w: np.ndarray
) -> np.ndarray:
    """The Cole–Hopf quotient at time ``t > 0`` by Gauss–Hermite quadrature (nodes ``z``)."""
    y = xs[:, None] - math.sqrt(4 * viscosity * t) * z[None, :]  # (x, node)
    # log of w_i f(y): subtract the row maximum before exponentiating (f reaches e^{±1/2πν})
    logs = np.log(w)[None, :] - np.cos(np.pi * y) / (2 * np.pi * viscosity)
    weights = np.exp(logs - logs.max(axis=1, keepdims=True))
    return np.asarray(-(np.sin(np.pi * y) * weights).sum(axis=1) / weights.sum(axis=1))


def _cole_hopf_series(xs: np.ndarray, t: float, viscosity: float) -> np.ndarray:
    """The Cole–Hopf quotient at time ``t`` from the Fourier series of the heat solution.

    ``f(y) = exp(−(1 + cos π y) / 2πν)`` (``f`` of the module docstring scaled into ``(0, 1]``)
    is even and 2-periodic, ``sin(π y) f(y)`` odd: their cosine and sine coefficients come from
    the trapezoidal rule on ``m`` points (spectrally accurate: the coefficients of
    ``exp(−a cos θ)`` are Bessel ``I_k(a)``, negligible beyond ``k ≈ 8.6 √a`` relative to
    ``I_0``), and convolving mode ``k`` with the heat kernel multiplies it by
    ``exp(−ν π² k² t)``. The sine series of the odd numerator has no constant term, so the
    solution keeps its relative accuracy where it has decayed to 1e-22 (ν = 5, t = 1).
    """
    a = 1.0 / (2 * math.pi * viscosity)
    m = 1 << math.ceil(math.log2(256 + 16 * math.sqrt(a)))
    y = -1.0 + 2.0 * np.arange(m) / m
    f = np.exp(-a * (1.0 + np.cos(np.pi * y)))
    k = np.arange(m // 2)
    damping = np.exp(-viscosity * np.pi**2 * k**2 * t)
    kept = k[damping > 1e-300]
    weight = np.where(kept == 0, 1.0, 2.0) * damping[kept]
    angles = np.pi * kept[:, None] * y[None, :]  # (mode, point)
    cosine = np.cos(angles) @ f / m
    sine = np.sin(angles) @ (np.sin(np.pi * y) * f) / m
    at = np.pi * xs[:, None] * kept[None, :]  # (x, mode)
    numerator = (np.sin(at) * (weight * sine)[None, :]).sum(axis=1)
    denominator = (np.cos(at) * (weight * cosine)[None, :]).sum(axis=1)
    return np.asarray(-numerator / denominator)


class BurgersPINN(nn.Module):
    """A tanh multilayer perceptron ``(t, x) ↦ u`` for the Raissi Burgers problem.

    Parameters
    ----------
    hidden
        Neurons per hidden layer (20 in the paper).
    depth
        Hidden layers (8 in the paper).
    hard_constraints
        Build the initial and boundary conditions into the output,
        ``u = −sin(π x) + t (1 − x²) N(t, x)``; otherwise return ``N`` and penalise the
        conditions in the loss.
    """

    def __init__(self, hidden: int = 20, depth: int = 8, *, hard_constraints: bool = True) -> None:
        super().__init__()
        for name, value in (("hidden", hidden), ("depth", depth)):
            if not is_integer(value) or value < 1:
                raise ParameterError(f"BurgersPINN: {name}={value!r} must be an integer >= 1")
        sizes = [2] + [int(hidden)] * int(depth) + [1]
        linears = [nn.Linear(a, b) for a, b in itertools.pairwise(sizes)]
        for layer in linears:
            nn.init.xavier_normal_(layer.weight)
            nn.init.zeros_(layer.bias)
        self.linears = nn.ModuleList(linears)
        self.hard_constraints = bool(hard_constraints)

    def forward(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``u(t, x)`` for tensors of the same shape."""
        h = torch.stack([2 * t - 1, x], dim=-1)  # both inputs scaled to [-1, 1]
        for layer in self.linears[:-1]:
            h = torch.tanh(layer(h))
        out = self.linears[-1](h).squeeze(-1)
        if self.hard_constraints:
            return -torch.sin(math.pi * x) + t * (1 - x * x) * out
        return out


def burgers_residual(
    u_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    t: torch.Tensor,
    x: torch.Tensor,
    viscosity: float = RAISSI_VISCOSITY,
) -> torch.Tensor:
    """PDE residual ``u_t + u u_x − ν u_xx`` of ``u_fn`` at the points ``(t, x)`` (autograd).

    Parameters
    ----------
    u_fn
        Any differentiable function of two tensors (a :class:`BurgersPINN`, or a closed form);
        a function independent of ``t`` or linear in ``x`` is fine (those derivatives are 0).
    t, x
        Points, tensors of the same shape (gradients are enabled on copies).
    viscosity
        ``ν``.

    Returns
    -------
    torch.Tensor
        The residual at each point, keeping the graph (so it can be trained on).
    """
    if t.shape != x.shape:
        raise InputError(f"burgers_residual: t {tuple(t.shape)} and x {tuple(x.shape)} differ")
    t = t.detach().clone().requires_grad_(True)
    x = x.detach().clone().requires_grad_(True)
    u = u_fn(t, x)
    u_t, u_x = _derivatives(u, (t, x))
    (u_xx,) = _derivatives(u_x, (x,))
    return u_t + u * u_x - viscosity * u_xx


def _derivatives(u: torch.Tensor, wrt: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    """Pointwise derivatives of ``u`` with respect to each of ``wrt``, keeping the graph.

    Where ``u`` does not depend on a variable (``x / (1 + t)`` is linear in ``x``, so ``u_x``
    does not depend on ``x``), that derivative is zero instead of an autograd error.
    """
    if not u.requires_grad:
        return tuple(torch.zeros_like(v) for v in wrt)
    grads = torch.autograd.grad(u, wrt, torch.ones_like(u), create_graph=True, allow_unused=True)
    return tuple(torch.zeros_like(v) if g is None else g for g, v in zip(grads, wrt, strict=True))


@dataclass
class PINNResult:
    """What :func:`train_burgers_pinn` returns.

    Attributes
    ----------
    model
        The trained network.
    history
        Records ``{"step", "phase" ("adam"/"lbfgs"), "loss", "seconds"}``.
    relative_l2
        Relative L2 error against :func:`cole_hopf_burgers` on a 256 × 101 grid of
        ``[−1, 1] × [0, 1]``.
    seconds
        Training wall time.
    stopped_early
        Whether the callback stopped the run (by returning ``False``).
    """

    model: BurgersPINN
    history: list[dict[str, Any]] = field(default_factory=list)
    relative_l2: float = math.nan
    seconds: float = 0.0
    stopped_early: bool = False


def _evaluation_grid() -> tuple[np.ndarray, np.ndarray]:
    return np.linspace(-1.0, 1.0, 256), np.linspace(0.0, 1.0, 101)


def pinn_error(model: BurgersPINN, *, viscosity: float = RAISSI_VISCOSITY) -> float:
    """Relative L2 error of ``model`` against Cole–Hopf on a 256 × 101 grid."""
    xs, ts = _evaluation_grid()
    exact = cole_hopf_burgers(xs, ts, viscosity=viscosity)
    param = next(model.parameters())
    tt, xx = np.meshgrid(ts, xs, indexing="ij")
    with torch.no_grad():
        u = model(
            torch.as_tensor(tt, dtype=param.dtype, device=param.device),
            torch.as_tensor(xx, dtype=param.dtype, device=param.device),
        )
    pred = u.cpu().numpy()
    return float(np.linalg.norm(pred - exact) / np.linalg.norm(exact))


def train_burgers_pinn(
    *,
    collocation: int = 10_000,
    boundary: int = 100,
    hidden: int = 20,
    depth: int = 8,
    hard_constraints: bool = True,
    adam_steps: int = 1000,
    lbfgs_steps: int = 2000,
    lr: float = 1e-3,
    viscosity: float = RAISSI_VISCOSITY,
    seed: int = 0,
    device: str | torch.device | None = "auto",
    dtype: str | torch.dtype | None = None,
    callback: Callable[[dict[str, Any]], Any] | None = None,
    progress: bool = True,
    report_every: int = 50,
) -> PINNResult:
    """Train a :class:`BurgersPINN` (Adam, then L-BFGS) and measure its error.

    Parameters
    ----------
    collocation
        Residual points in ``[0, 1] × [−1, 1]`` (a scrambled Sobol sequence; 10,000 in the paper).
    boundary
        Initial/boundary points (``hard_constraints=False`` only; 100 in the paper).
    hidden, depth, hard_constraints
        Network (see :class:`BurgersPINN`).
    adam_steps, lbfgs_steps
        Full-batch Adam steps, then L-BFGS iterations (strong-Wolfe line search).
    lr
        Adam learning rate (> 0).
    viscosity
        ``ν`` (length² per time, > 0).
    seed
        Seeds the network initialisation and the collocation points.
    device, dtype
        Where and in what precision to train (float64 on the CPU by default).
    callback
        Called with each history record (every ``report_every`` steps); return ``False`` to
        stop training (as with :func:`~ai4s_lab.pde.learn.train`; the result then has
        ``stopped_early=True`` and its error is measured on the network reached so far).
    progress
        tqdm bar over the optimisation steps.

    Returns
    -------
    PINNResult

    Raises
    ------
    ParameterError
        For a bad count, learning rate, viscosity, seed or callback (checked before training).
    """
    for name, value, minimum in (
        ("collocation", collocation, 1),
        ("boundary", boundary, 1),
        ("adam_steps", adam_steps, 0),
        ("lbfgs_steps", lbfgs_steps, 0),
        ("report_every", report_every, 1),
    ):
        if not is_integer(value) or value < minimum:
            raise ParameterError(
                f"train_burgers_pinn: {name}={value!r} must be an integer >= {minimum}"
            )
    for name, size in (("hidden", hidden), ("depth", depth)):
        if not is_integer(size) or size < 1:
            raise ParameterError(f"train_burgers_pinn: {name}={size!r} must be an integer >= 1")
    for name, rate in (("lr", lr), ("viscosity", viscosity)):
        if not (is_real(rate) and rate > 0 and math.isfinite(rate)):
            raise ParameterError(
                f"train_burgers_pinn: {name}={rate!r} must be a positive finite number"
                + (" (the Raissi benchmark uses 0.01/π)" if name == "viscosity" else "")
            )
    if not is_integer(seed) or seed < 0:
        raise ParameterError(f"train_burgers_pinn: seed={seed!r} must be an integer >= 0")
    if callback is not None and not callable(callback):
        raise ParameterError(
            f"train_burgers_pinn: callback={callback!r} is not callable; pass a function of one "
            "record (dict), e.g. a TrainingView's update"
        )
    collocation, boundary, hidden, depth = map(int, (collocation, boundary, hidden, depth))
    adam_steps, lbfgs_steps, report_every = map(int, (adam_steps, lbfgs_steps, report_every))
    lr, viscosity, seed = float(lr), float(viscosity), int(seed)
    dev = resolve_device(device)
    real = resolve_dtype(dtype, dev)
    with single_thread(dev, collocation <= SINGLE_THREAD_POINTS):
        return _train_pinn(
            dev,
            real,
            collocation,
            boundary,
            hidden,
            depth,
            hard_constraints,
            adam_steps,
            lbfgs_steps,
            lr,
            viscosity,
            seed,
            callback,
            progress,
            report_every,
        )


def _train_pinn(
    dev: torch.device,
    real: torch.dtype,
    collocation: int,
    boundary: int,
    hidden: int,
    depth: int,
    hard_constraints: bool,
    adam_steps: int,
    lbfgs_steps: int,
    lr: float,
    viscosity: float,
    seed: int,
    callback: Callable[[dict[str, Any]], Any] | None,
    progress: bool,
    report_every: int,
) -> PINNResult:
    from tqdm import tqdm

    torch.manual_seed(int(seed))
    model = BurgersPINN(hidden, depth, hard_constraints=hard_constraints).to(dev, real)
    sobol = torch.quasirandom.SobolEngine(2, scramble=True, seed=int(seed))
    points = sobol.draw(collocation, dtype=torch.float64).to(dev, real)
    tc, xc = points[:, 0], 2 * points[:, 1] - 1
    gen = torch.Generator().manual_seed(int(seed) + 1)
    xb0 = (2 * torch.rand(boundary, generator=gen, dtype=torch.float64) - 1).to(dev, real)
    tb = torch.rand(boundary, generator=gen, dtype=torch.float64).to(dev, real)
    side = torch.where(torch.arange(boundary) % 2 == 0, 1.0, -1.0).to(dev, real)

    def loss_fn() -> torch.Tensor:
        loss = burgers_residual(model, tc, xc, viscosity).pow(2).mean()
        if not hard_constraints:
            u0 = model(torch.zeros_like(xb0), xb0)
            loss = loss + (u0 + torch.sin(math.pi * xb0)).pow(2).mean()
            loss = loss + model(tb, side).pow(2).mean()
        return loss

    history: list[dict[str, Any]] = []
    began = time.perf_counter()
    bar = tqdm(total=adam_steps + lbfgs_steps, disable=not progress, desc="PINN", leave=False)

    def note(step: int, phase: str, loss: float) -> bool:
        """Record a step; whether the callback asked to stop."""
        record = {
            "step": step,
            "phase": phase,
            "loss": loss,
            "seconds": time.perf_counter() - began,
        }
        history.append(record)
        bar.set_postfix(loss=f"{loss:.3e}", phase=phase)
        return callback is not None and callback(dict(record)) is False

    stopped = False
    try:
        adam = torch.optim.Adam(model.parameters(), lr=lr)
        for step in range(1, adam_steps + 1):
            adam.zero_grad(set_to_none=True)
            loss = loss_fn()
            loss.backward()
            adam.step()
            bar.update(1)
            if step % report_every == 0 or step == adam_steps:
                stopped = note(step, "adam", float(loss.detach()))
                if stopped:
                    break
        done = 0
        if lbfgs_steps and not stopped:
            lbfgs = torch.optim.LBFGS(
                model.parameters(),
                lr=1.0,
                max_iter=report_every,
                history_size=50,
                tolerance_grad=1e-12,
                tolerance_change=1e-15,
                line_search_fn="strong_wolfe",
            )

            def closure() -> torch.Tensor:
                lbfgs.zero_grad(set_to_none=True)
                value = loss_fn()
                value.backward()
                return value

            while done < lbfgs_steps:
                chunk = min(report_every, lbfgs_steps - done)
                lbfgs.param_groups[0]["max_iter"] = chunk
                before = lbfgs.state[lbfgs._params[0]].get("n_iter", 0)
                lbfgs.step(closure)
                after = lbfgs.state[lbfgs._params[0]].get("n_iter", 0)
                advanced = max(after - before, 0)
                done += chunk
                bar.update(chunk)
                value = float(loss_fn().detach())
                stopped = note(adam_steps + done, "lbfgs", value)
                if stopped or advanced < chunk:  # stop asked, or converged (tolerance reached)
                    break
    finally:
        bar.close()
    seconds = time.perf_counter() - began
    model.eval()
    error = pinn_error(model, viscosity=viscosity)
    log.info("PINN Burgers: relative L2 %.3e after %.1f s", error, seconds)
    return PINNResult(
        model=model, history=history, relative_l2=error, seconds=seconds, stopped_early=stopped
    )
