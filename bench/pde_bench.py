"""PDE lab benchmark: our torch solvers against a plain NumPy/scipy.fft implementation of the same
schemes, and Cahn–Hilliard time-to-solution against py-pde at equal accuracy.

Prints, in one run:
1. this machine's copy bandwidth (torch ``copy_`` of 256 MiB, read + write counted);
2. for 2D Navier–Stokes (ETDRK4, Kolmogorov forcing) and Cahn–Hilliard (semi-implicit) at
   256², 512², 1024² in float32: steps per second of ``ai4s_lab.pde`` (torch) and of the NumPy
   implementation, measured alternately, medians of ``--repeats`` runs, their ratio, and the
   effective memory bandwidth of the torch step as a fraction of the copy bandwidth;
3. Cahn–Hilliard at 128² to t = T: py-pde's explicit solver (first call in a fresh process,
   with its numba compilation, and warm; import times apart) against ours with the largest step
   whose error against a spectral reference is no worse than py-pde's; ratios of
   time-to-solution.

Threads: the torch side runs at the thread count ``ai4s_lab.pde.solve`` uses for that state
(read inside a one-step ``pde.solve``: with ``threads=None`` one thread for states of up
to ``SINGLE_THREAD_UP_TO`` values (two 256² fields), torch's default above; ``--threads N``
is passed on as ``solve(threads=N)``), and its step is the solver's (``stepper.step`` then
``project_real``). The NumPy side gets the same count as scipy.fft ``workers=`` (NumPy's
element-wise work is single-threaded either way), so the ratio compares like with like. On a
GPU the NumPy side gets ``--threads`` or torch's default CPU thread count. The table prints
both counts.

py-pde is optional: without it part 3 prints "py-pde not installed: skipped".

Run: python bench/pde_bench.py [--sizes 256 512 1024] [--repeats 5] [--threads N] [--device cuda]
[--skip-pypde | --only-pypde]
(about 5 minutes on 2 loaded vCPUs, most of it py-pde's numba compilation).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.fft as sfft
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import ai4s_lab
from ai4s_lab import pde
from ai4s_lab.pde._step_runner import StepRunner
from ai4s_lab.pde.solve import SINGLE_THREAD_UP_TO
from ai4s_lab.pde.steppers import make_stepper

# Memory-traffic model: full-grid float32 arrays (N² values; a half spectrum of N²/2 complex
# values counts as one) that one step must read or write at least once. Navier–Stokes ETDRK4:
# 4 nonlinear evaluations x (4 inverse + 1 forward FFT, each reading and writing one array = 10;
# 5 products/sums on the grid = 10; 6 spectral multiplies = 12) + 4 stage combinations (~16)
# = 144. Cahn–Hilliard semi-implicit: 2 FFTs (4) + cube (2) + the update (4 reads, 1 write) = 11.
PASSES = {"navier-stokes": 144, "cahn-hilliard": 11}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def copy_bandwidth(device: torch.device, repeats: int = 10) -> float:
    """GB/s of a torch copy of 256 MiB on ``device`` (bytes read + bytes written)."""
    src = torch.rand(64 * 2**20, device=device)
    dst = torch.empty_like(src)
    dst.copy_(src)
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        dst.copy_(src)
        _sync(device)
        times.append(time.perf_counter() - start)
    return 2 * src.numel() * 4 / min(times) / 1e9


# -- the same schemes in plain NumPy ------------------------------------------------------------
def etdrk4_coefficients(L: np.ndarray, h: float, m: int = 32) -> tuple[np.ndarray, ...]:
    r = np.exp(1j * np.pi * (np.arange(1, m + 1) - 0.5) / m)
    Q = np.zeros_like(L)
    f1 = np.zeros_like(L)
    f2 = np.zeros_like(L)
    f3 = np.zeros_like(L)
    for point in r:
        z = L * h + point
        ez = np.exp(z)
        Q += ((np.exp(z / 2) - 1) / z).real
        f1 += ((-4 - z + ez * (4 - 3 * z + z * z)) / z**3).real
        f2 += ((2 + z + ez * (z - 2)) / z**3).real
        f3 += ((-4 - 3 * z - z * z + ez * (4 - z)) / z**3).real
    return tuple(
        np.asarray(c, dtype=np.float32)
        for c in (np.exp(L * h), np.exp(L * h / 2), h * Q / m, h * f1 / m, h * f2 / m, h * f3 / m)
    )


class NumpyNavierStokes:
    def __init__(self, n: int, nu: float, drag: float, dt: float, threads: int) -> None:
        k = np.fft.fftfreq(n, 1.0 / n)
        self.ky = k[:, None].astype(np.float32)
        self.kx = np.fft.rfftfreq(n, 1.0 / n)[None, :].astype(np.float32)
        self.k2 = self.kx**2 + self.ky**2
        self.inv = np.where(self.k2 > 0, 1 / np.where(self.k2 > 0, self.k2, 1), 0).astype(
            np.float32
        )
        self.mask = ((np.abs(self.ky) < n / 3) & (np.abs(self.kx) < n / 3)).astype(np.float32)
        y = np.arange(n) * 2 * np.pi / n
        forcing = np.broadcast_to(-4 * np.cos(4 * y)[:, None], (n, n)).astype(np.float32)
        self.f = sfft.rfft2(forcing).astype(np.complex64)
        L = (-nu * self.k2 - drag).astype(np.float64)
        self.E, self.E2, self.Q, self.f1, self.f2, self.f3 = etdrk4_coefficients(L, dt)
        self.n = n
        self.workers = threads

    def N(self, v: np.ndarray) -> np.ndarray:
        w = self.workers
        psi = v * self.inv
        u = sfft.irfft2(1j * self.ky * psi, s=(self.n, self.n), workers=w)
        vv = sfft.irfft2(-1j * self.kx * psi, s=(self.n, self.n), workers=w)
        wx = sfft.irfft2(1j * self.kx * v, s=(self.n, self.n), workers=w)
        wy = sfft.irfft2(1j * self.ky * v, s=(self.n, self.n), workers=w)
        return -sfft.rfft2(u * wx + vv * wy, workers=w) * self.mask + self.f

    def step(self, v: np.ndarray) -> np.ndarray:
        Nv = self.N(v)
        a = self.E2 * v + self.Q * Nv
        Na = self.N(a)
        b = self.E2 * v + self.Q * Na
        Nb = self.N(b)
        c = self.E2 * a + self.Q * (2 * Nb - Nv)
        Nc = self.N(c)
        return self.E * v + Nv * self.f1 + 2 * (Na + Nb) * self.f2 + Nc * self.f3


class NumpyCahnHilliard:
    def __init__(self, n: int, length: float, dt: float, threads: int, s: float = 2.0) -> None:
        k = 2 * np.pi / length * np.fft.fftfreq(n, 1.0 / n)
        kx = 2 * np.pi / length * np.fft.rfftfreq(n, 1.0 / n)
        k2 = (k[:, None] ** 2 + kx[None, :] ** 2).astype(np.float32)
        self.mk2 = (dt * k2).astype(np.float32)
        self.explicit = (1 + self.mk2 * s).astype(np.float32)
        self.inverse = (1 / (1 + self.mk2 * (k2 + s))).astype(np.float32)
        self.n = n
        self.workers = threads

    def step(self, v: np.ndarray) -> np.ndarray:
        c = sfft.irfft2(v, s=(self.n, self.n), workers=self.workers)
        f = sfft.rfft2(c * c * c - c, workers=self.workers)
        return (self.explicit * v - self.mk2 * f) * self.inverse


# -- steps per second -----------------------------------------------------------------------
def _time(step, v, steps: int, device: torch.device | None = None) -> float:  # type: ignore[no-untyped-def]
    if device is not None:
        _sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        v = step(v)
    if device is not None:
        _sync(device)
    return (time.perf_counter() - start) / steps


@dataclass
class Case:
    """One row of the throughput table: the problem and the thread counts of both sides."""

    name: str
    n: int
    eq: pde.Equation
    initial: pde.Field
    dt: float
    torch_threads: int
    numpy_workers: int

    def threads_label(self, device: torch.device) -> str:
        """``torch/NumPy`` thread counts (the torch side's device when it is not the CPU)."""
        ours = str(self.torch_threads) if device.type == "cpu" else device.type
        return f"{ours}/{self.numpy_workers}"


def solver_threads(
    eq: pde.Equation, initial: pde.Field, dt: float, device: torch.device, threads: int | None
) -> int:
    """The torch thread count ``pde.solve`` computes ``initial`` with, read by a callback inside
    a one-step solve; ``threads`` is passed on (``None``: the solver's own rule)."""
    seen: list[int] = []
    pde.solve(
        eq,
        initial,
        t_end=dt,
        dt=dt,
        device=device,
        dtype="float32",
        progress=False,
        threads=threads,
        callback=lambda t, fields: seen.append(torch.get_num_threads()),
    )
    return seen[-1]  # the last frame is emitted inside the solver's thread setting


def make_case(name: str, n: int, threads: int | None, device: torch.device) -> Case:
    if name == "navier-stokes":
        eq: pde.Equation = pde.NavierStokes2D(1e-3, forcing="kolmogorov")
        initial = pde.initial.random_field(eq.grid(n), 0, amplitude=2.0)
        dt = 1e-3
    else:
        eq = pde.CahnHilliard()
        initial = pde.initial.random_field(eq.grid(n, length=n / 2), 0, amplitude=0.05)
        dt = 0.1
    used = solver_threads(eq, initial, dt, device, threads)
    # on the CPU NumPy gets what torch uses; against a GPU, what the CPU offers
    workers = used if device.type == "cpu" else (threads or torch.get_num_threads())
    return Case(name, n, eq, initial, dt, used, workers)


def throughput(case: Case, repeats: int, device: torch.device) -> dict[str, float]:
    """Steps per second of both sides, alternately, torch at ``case.torch_threads`` threads and
    scipy.fft at ``case.numpy_workers`` workers."""
    name, n, dt = case.name, case.n, case.dt
    grid = case.initial.grid
    if name == "navier-stokes":
        ours_np: NumpyNavierStokes | NumpyCahnHilliard = NumpyNavierStokes(
            n, 1e-3, 0.1, dt, case.numpy_workers
        )
    else:
        ours_np = NumpyCahnHilliard(n, n / 2, dt, case.numpy_workers)
    u0 = case.initial.data.float()
    ops = grid.spectral(device, torch.float32)
    stepper = make_stepper(case.eq.default_method, case.eq, ops)
    stepper.prepare(dt)

    runner = StepRunner(stepper, ops)  # the solver's steps (CUDA graphs on a GPU)

    def torch_step(v: torch.Tensor) -> torch.Tensor:  # one eager step
        return ops.project_real(stepper.step(v))

    v_torch = ops.rfft(u0.to(device))
    v_numpy = sfft.rfft2(u0.numpy()[0, 0]).astype(np.complex64)
    numpy_steps = max(2, int(4e6 / (n * n) * (1 if name == "navier-stokes" else 6)))
    steps = numpy_steps * (10 if device.type == "cuda" else 1)  # a GPU step: microseconds
    default = torch.get_num_threads()
    torch.set_num_threads(case.torch_threads)
    try:
        _time_runner(runner, v_torch, 2, device)  # warm-up (and the graph capture)
        _time(ours_np.step, v_numpy, 2)
        ours, theirs, eager = [], [], []
        for _ in range(repeats):  # alternate, so both see the same machine load
            ours.append(_time_runner(runner, v_torch, steps, device))
            theirs.append(_time(ours_np.step, v_numpy, numpy_steps))
            if device.type == "cuda":  # what the graphs save
                eager.append(_time(torch_step, v_torch, steps, device))
    finally:
        torch.set_num_threads(default)
    t_ours, t_np = statistics.median(ours), statistics.median(theirs)
    traffic = PASSES[name] * n * n * 4
    return {
        "torch_steps_per_s": 1 / t_ours,
        "numpy_steps_per_s": 1 / t_np,
        "ratio": t_np / t_ours,
        "torch_GBps": traffic / t_ours / 1e9,
        "eager_steps_per_s": 1 / statistics.median(eager) if eager else math.nan,
    }


def _time_runner(runner: StepRunner, v: torch.Tensor, steps: int, device: torch.device) -> float:
    """Seconds a step of ``runner.run(v, steps)`` (the input is not changed)."""
    _sync(device)
    start = time.perf_counter()
    runner.run(v, steps)
    _sync(device)
    return (time.perf_counter() - start) / steps


# -- Cahn–Hilliard time-to-solution against py-pde ------------------------------------------
CH_N, CH_LENGTH, CH_T = 128, 64.0, 5.0


def _ch_initial() -> np.ndarray:
    grid = pde.CahnHilliard().grid(CH_N, length=CH_LENGTH)
    return pde.initial.random_field(grid, 1, amplitude=0.05, wavenumber=12).numpy()[0, 0]


ROOT = str(Path(__file__).resolve().parent.parent)


def _in_fresh_process(code: str, what: str) -> dict[str, float]:
    """Run ``code`` in a new interpreter (imports included in its timing); it prints JSON as
    its last line. A failed child raises with its stderr in the message."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        message = (
            f"{what}: the child interpreter exited with status {out.returncode}"
            f"{'' if lines else ' and printed nothing'}; its stderr:\n{out.stderr.strip()}"
        )
        raise RuntimeError(message)
    try:
        return json.loads(lines[-1])  # type: ignore[no-any-return]
    except json.JSONDecodeError as err:
        message = (
            f"{what}: the child's last line is not JSON: {lines[-1]!r}; its stderr:\n"
            f"{out.stderr.strip()}"
        )
        raise RuntimeError(message) from err


def pypde_installed() -> bool:
    """Whether py-pde (the top-level package ``pde``) can be imported here."""
    return importlib.util.find_spec("pde") is not None


PYPDE_CH = """
import json, time, warnings
import numpy as np
start = time.perf_counter()
import pde
imported = time.perf_counter() - start
warnings.filterwarnings("ignore")
grid = pde.CartesianGrid([[0, {length!r}], [0, {length!r}]], {n}, periodic=True)
state = pde.ScalarField(grid, np.load({initial!r}))
eq = pde.CahnHilliardPDE(interface_width=1.0)
seconds = []
for _ in range(2):
    start = time.perf_counter()
    result = eq.solve(state, t_range={t_end!r}, dt=1e-3, solver="explicit", tracker=None)
    seconds.append(time.perf_counter() - start)
np.save({result!r}, result.data)
print(json.dumps({{"import_s": imported, "first_solve_s": seconds[0], "warm_s": seconds[1]}}))
"""


def pypde_run(folder: Path) -> tuple[dict[str, float], np.ndarray]:
    """py-pde's explicit Cahn–Hilliard to t = CH_T in a fresh interpreter that imports only
    numpy and py-pde: its import, the first call (numba compilation included) and a warm second
    call; returns those times and the final field."""
    # py-pde puts values at cell centres, ours at cell corners: the same periodic samples
    np.save(folder / "initial.npy", _ch_initial())
    code = PYPDE_CH.format(
        length=CH_LENGTH, n=CH_N, t_end=CH_T,
        initial=str(folder / "initial.npy"), result=str(folder / "pypde_ch.npy"),
    )  # fmt: skip
    return _in_fresh_process(code, "py-pde Cahn–Hilliard"), np.load(folder / "pypde_ch.npy")


def ours_ch(
    dt: float, method: str = "semi-implicit", dtype: str = "float32"
) -> tuple[float, np.ndarray]:
    eq = pde.CahnHilliard(gamma=1.0)
    grid = eq.grid(CH_N, length=CH_LENGTH)
    start = time.perf_counter()
    ds = pde.solve(
        eq,
        pde.initial.from_array(_ch_initial(), grid),
        t_end=CH_T,
        dt=dt,
        method=method,
        device="cpu",
        dtype=dtype,
        progress=False,
    )
    return time.perf_counter() - start, ds["c"].isel(t=-1).values


def time_to_solution() -> None:
    if not pypde_installed():
        print("py-pde not installed: skipped")
        return
    _, reference = ours_ch(1e-3, method="etdrk4", dtype="float64")
    with tempfile.TemporaryDirectory() as tmp:
        theirs_run, theirs = pypde_run(Path(tmp))
    scale = np.abs(reference).max()
    err_theirs = float(np.abs(theirs - reference).max() / scale)
    # For each of our steppers, the largest step that is at least as accurate as py-pde; then
    # the faster of the two (warm) is the one compared.
    candidates = []
    for method in ("semi-implicit", "etdrk4"):
        for dt in (0.5, 0.25, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001):
            _, ours = ours_ch(dt, method)
            err = float(np.abs(ours - reference).max() / scale)
            if np.isfinite(err) and err <= err_theirs:
                ours_ch(dt, method)  # warm
                warm = statistics.median(ours_ch(dt, method)[0] for _ in range(3))
                candidates.append((warm, method, dt, err))
                print(f"    ours {method}: dt = {dt:g}, error {err:.2e}, warm {warm:.3f} s")
                break
    if not candidates:
        print("  ours never reached py-pde's accuracy")
        return
    warm_ours, method, dt, err = min(candidates)
    # our first call: a fresh interpreter that imports ai4s_lab.pde and the libraries it is built
    # on (torch, xarray: it imports them on first use; counted with the import, as py-pde's numba
    # and scipy are with its import) and solves
    first = _in_fresh_process(
        f"import json, sys, time; sys.path.insert(0, {ROOT!r}); t = time.perf_counter(); "
        "import torch, xarray; from ai4s_lab import pde; imported = time.perf_counter(); "
        "eq = pde.CahnHilliard(gamma=1.0); "
        f"g = eq.grid({CH_N}, length={CH_LENGTH!r}); "
        "c = pde.initial.random_field(g, 1, amplitude=0.05, wavenumber=12); "
        f"pde.solve(eq, c, t_end={CH_T!r}, dt={dt!r}, method={method!r}, device='cpu', "
        "dtype='float32', progress=False); "
        "print(json.dumps({'import_s': imported - t, "
        "'first_solve_s': time.perf_counter() - imported}))",
        "ai4s_lab.pde Cahn–Hilliard, first call",
    )
    theirs_fresh = theirs_run["import_s"] + theirs_run["first_solve_s"]
    ours_fresh = first["import_s"] + first["first_solve_s"]
    print(f"  Cahn–Hilliard {CH_N}², t = {CH_T:g}; error vs spectral reference (max, relative):")
    print(f"    py-pde explicit, dt = 1e-3 (FD Laplacian):  {err_theirs:.2e}")
    print(f"    ours {method}, dt = {dt:g} (float32):      {err:.2e}")
    print(f"  {'':16s}{'import s':>10s}{'first call s':>14s}{'fresh total s':>15s}{'warm s':>10s}")
    for name, run, fresh, warm in (
        ("py-pde", theirs_run, theirs_fresh, theirs_run["warm_s"]),
        ("ai4s_lab.pde", first, ours_fresh, warm_ours),
    ):
        print(
            f"  {name:16s}{run['import_s']:10.2f}{run['first_solve_s']:14.3f}{fresh:15.2f}"
            f"{warm:10.3f}"
        )
    print(
        "  (first call: the first solve in a fresh interpreter, after the import, its compilation "
        "or set-up included;\n   fresh total: import + first call)"
    )
    print(
        f"  speed-up: first call {theirs_run['first_solve_s'] / first['first_solve_s']:.0f}x, "
        f"warm {theirs_run['warm_s'] / warm_ours:.0f}x (target >= 20x); "
        f"fresh process with imports {theirs_fresh / ours_fresh:.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int,
                        help="CPU threads of both sides, passed to pde.solve(threads=); default: "
                        "what pde.solve picks for each state")  # fmt: skip
    parser.add_argument("--skip-pypde", action="store_true")
    parser.add_argument("--only-pypde", action="store_true")
    parser.add_argument("--device", default="cpu", help="device of the torch side: cpu, cuda")
    args = parser.parse_args()
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads {args.threads}: give an integer >= 1")
    if args.repeats < 1:
        parser.error(f"--repeats {args.repeats}: give an integer >= 1")
    if any(n < 8 for n in args.sizes):
        parser.error(f"--sizes {' '.join(map(str, args.sizes))}: give grid sizes >= 8")
    device = ai4s_lab.resolve_device(args.device)
    default_threads = torch.get_num_threads()
    if not args.only_pypde:
        bandwidth = copy_bandwidth(device)
        print(
            f"torch {torch.__version__} on {device}, torch's default {default_threads} CPU "
            f"thread(s); copy bandwidth {bandwidth:.1f} GB/s (read + write, default threads)"
        )
        cases = [
            make_case(name, n, args.threads, device)
            for name in ("navier-stokes", "cahn-hilliard")
            for n in args.sizes
        ]
        if device.type != "cpu":
            rule = "NumPy's scipy.fft workers: --threads, else torch's default CPU count"
        elif args.threads is not None:
            rule = f"both --threads {args.threads}, torch's passed to pde.solve(threads=)"
        else:
            rule = (
                f"torch's as pde.solve picks, 1 up to {SINGLE_THREAD_UP_TO:,} state values and "
                f"{default_threads} above; NumPy's scipy.fft workers the same"
            )
        groups: dict[str, list[str]] = {}
        for case in cases:
            sizes = groups.setdefault(case.threads_label(device), [])
            if f"{case.n}²" not in sizes:
                sizes.append(f"{case.n}²")
        counts = "; ".join(f"{label} at {', '.join(sizes)}" for label, sizes in groups.items())
        print(f"threads torch/NumPy ({rule}): {counts}")
        print(
            f"{'equation':16s}{'n':>6s}{'threads':>9s}{'torch st/s':>12s}{'numpy st/s':>12s}"
            f"{'ratio':>8s}{'GB/s':>8s}{'of copy':>9s}"
        )
        for case in cases:
            r = throughput(case, args.repeats, device)
            eager = (
                f"   (eager steps, no CUDA graph: {r['eager_steps_per_s']:.1f} st/s)"
                if device.type == "cuda"
                else ""
            )
            print(
                f"{case.name:16s}{case.n:6d}{case.threads_label(device):>9s}"
                f"{r['torch_steps_per_s']:12.1f}{r['numpy_steps_per_s']:12.1f}"
                f"{r['ratio']:7.2f}x{r['torch_GBps']:8.1f}{r['torch_GBps'] / bandwidth:8.0%}"
                f"{eager}",
                flush=True,
            )
    if not args.skip_pypde:
        time_to_solution()


if __name__ == "__main__":
    main()
