"""Writes notebooks/00_tour.ipynb from the cells below (so the notebook diffs stay readable).

Run: python tools/build_tour.py
"""

import sys
from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _notebook import write_notebook

cells = [
    new_markdown_cell(
        "# AI4S Lab tour\n\n"
        "This notebook is the first stop of the showcase that `make demo` runs. It solves the **heat "
        "equation** on a periodic square with PyTorch, on the GPU when there is one, and checks "
        "the answer against the exact solution.\n\n"
        "On the periodic domain $[0, 2\\pi)^2$ the equation $\\partial_t u = D\\,\\nabla^2 u$ acts "
        "on each Fourier mode separately: the mode with wave vector $\\mathbf k$ decays as "
        "$e^{-D|\\mathbf k|^2 t}$. So for *any* initial field the exact solution at time $t$ is "
        "one FFT, a multiplication and an inverse FFT away. We compare it with the classic "
        "numerical method of lines: the 5-point finite-difference Laplacian and a fourth-order "
        "Runge–Kutta step. The spatial error of that Laplacian is $O(h^2)$, so halving the grid "
        "spacing should divide the error by four: we measure that order below."
    ),
    new_code_cell(
        "# Parameters (papermill and `ai4s-lab run -p NAME VALUE` override these)\n"
        "n_grid = 64  # grid points per side of the field shown\n"
        "diffusivity = 0.05  # D, in domain units^2 per unit time\n"
        "t_end = 1.0  # final time\n"
        "modes = 6  # highest wave number in the random initial field\n"
        "device = \"auto\"  # 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'\n"
        "dtype = \"float64\"  # 'float32' or 'float64'\n"
        "seed = 0  # random seed of the initial field",
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "import math\n\n"
        "import numpy as np\n"
        "import pandas as pd\n"
        "import plotly.graph_objects as go\n"
        "import torch\n"
        "from plotly.subplots import make_subplots\n\n"
        "import ai4s_lab\n\n"
        "# check the parameters before any work: one actionable line per mistake\n"
        "if isinstance(modes, bool) or not isinstance(modes, int) or modes < 1:\n"
        '    raise ValueError(f"modes={modes!r}: use a positive integer")\n'
        "if isinstance(n_grid, bool) or not isinstance(n_grid, int) or n_grid < 2 * modes + 2:\n"
        '    raise ValueError(f"n_grid={n_grid!r} cannot hold modes={modes}: use n_grid >= {2 * modes + 2} "\n'
        '                     "(the 2·modes + 1 wave numbers of the initial field, and one more)")\n'
        "if not (float(diffusivity) > 0 and float(t_end) > 0):\n"
        '    raise ValueError(f"diffusivity={diffusivity!r}, t_end={t_end!r}: both must be positive")\n'
        "# the convergence study: four grids, the coarsest resolving the initial field 2.5 points\n"
        "# per wavelength of its highest mode (16, 32, 64, 128 for the default modes = 6)\n"
        "coarsest = 16\n"
        "while coarsest < 2.5 * modes:\n"
        "    coarsest *= 2\n"
        "grids = [coarsest * 2**i for i in range(4)]\n"
        "if modes > 12:  # modes = 16 needs grids up to 512: about 2.5 minutes on a CPU\n"
        '    raise ValueError(f"modes={modes}: use modes <= 12 (the convergence grids {grids} would take minutes)")\n\n'
        "dev = ai4s_lab.resolve_device(device)\n"
        "real = ai4s_lab.resolve_dtype(dtype, dev)\n"
        'print(f"AI4S Lab {ai4s_lab.__version__}: computing on {dev} in {real}")'
    ),
    new_markdown_cell(
        "## A random smooth initial field\n\n"
        "We draw random Fourier coefficients for $|k_x|, |k_y| \\le$ `modes` with amplitudes "
        "falling off like $1/(1+|\\mathbf k|^2)$; the field is real and has zero mean."
    ),
    new_code_cell(
        "def wavenumbers(n):\n"
        "    k = torch.fft.fftfreq(n, d=1.0 / n, dtype=real, device=dev)\n"
        "    return k[:, None], k[None, :]\n\n\n"
        "def initial_spectrum(n):\n"
        '    """Random coefficients on an n x n grid, the same field whatever n is."""\n'
        "    gen = torch.Generator().manual_seed(seed)\n"
        "    size = 2 * modes + 1\n"
        "    coeff = torch.randn(size, size, 2, generator=gen, dtype=torch.float64)\n"
        "    k = torch.arange(-modes, modes + 1, dtype=torch.float64)\n"
        "    amplitude = 1.0 / (1.0 + k[:, None] ** 2 + k[None, :] ** 2)\n"
        "    small = torch.complex(coeff[..., 0], coeff[..., 1]) * amplitude\n"
        "    spec = torch.zeros(n, n, dtype=torch.complex128)\n"
        "    idx = k.long() % n\n"
        "    spec[idx[:, None], idx[None, :]] = small * n * n\n"
        "    spec[0, 0] = 0\n"
        "    field = torch.fft.ifft2(spec).real  # keep the real part: a real field\n"
        "    return field.to(device=dev, dtype=real)\n\n\n"
        "def exact_solution(u0, t):\n"
        "    kx, ky = wavenumbers(u0.shape[-1])\n"
        "    decay = torch.exp(-diffusivity * (kx**2 + ky**2) * t)\n"
        "    return torch.fft.ifft2(torch.fft.fft2(u0) * decay).real\n\n\n"
        "u0 = initial_spectrum(n_grid)\n"
        'print(f"initial field: {tuple(u0.shape)}, min {u0.min():.3f}, max {u0.max():.3f}")'
    ),
    new_markdown_cell(
        "## The numerical solver\n\n"
        "Finite-difference Laplacian with periodic wrap-around (`torch.roll`), classic RK4 in "
        "time. The 5-point Laplacian's eigenvalues reach $-8/h^2$ in 2D, and RK4 is stable for "
        "$\\lambda\\,\\Delta t \\ge -2.79$ on the negative real axis, so the step must satisfy "
        "$\\Delta t \\lesssim 0.35\\,h^2/D$ (forward Euler: $h^2/(4D)$). We take "
        "$\\Delta t \\le 0.1\\,h^2/D$, so that the time error is far below the spatial one."
    ),
    new_code_cell(
        "def laplacian(u, h):\n"
        "    return (torch.roll(u, 1, -1) + torch.roll(u, -1, -1) + torch.roll(u, 1, -2)\n"
        "            + torch.roll(u, -1, -2) - 4 * u) / h**2\n\n\n"
        "def solve_heat(u0, t_end):\n"
        "    n = u0.shape[-1]\n"
        "    h = 2 * math.pi / n\n"
        "    steps = math.ceil(t_end / (0.1 * h**2 / diffusivity))\n"
        "    dt = t_end / steps\n"
        "    u = u0.clone()\n"
        "    rhs = lambda v: diffusivity * laplacian(v, h)  # noqa: E731\n"
        "    for _ in range(steps):\n"
        "        k1 = rhs(u)\n"
        "        k2 = rhs(u + 0.5 * dt * k1)\n"
        "        k3 = rhs(u + 0.5 * dt * k2)\n"
        "        k4 = rhs(u + dt * k3)\n"
        "        u = u + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)\n"
        "    return u, steps\n\n\n"
        "u_num, steps = solve_heat(u0, t_end)\n"
        "u_exact = exact_solution(u0, t_end)\n"
        "error = u_num - u_exact\n"
        "max_error = float(error.abs().max())\n"
        "relative_l2 = float(error.norm() / u_exact.norm())\n"
        'print(f"{steps} RK4 steps; max |error| = {max_error:.2e}, relative L2 error = {relative_l2:.2e}")\n'
        'ai4s_lab.record("max_error", max_error)\n'
        'ai4s_lab.record("relative_l2_error", relative_l2)'
    ),
    new_code_cell(
        "x = np.linspace(0, 2 * np.pi, n_grid, endpoint=False)\n"
        "fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08,\n"
        '                    subplot_titles=("u(x, y, 0)", f"u(x, y, {t_end:g}), finite differences",\n'
        '                                    "numerical − exact"))\n'
        "limit = float(u0.abs().max())\n"
        'for col, (field, scale) in enumerate([(u0, "RdBu_r"), (u_num, "RdBu_r"), (error, "PuOr_r")], 1):\n'
        "    values = field.cpu().numpy()\n"
        "    zmax = limit if col < 3 else float(np.abs(values).max())\n"
        "    fig.add_trace(go.Heatmap(z=values, x=x, y=x, colorscale=scale, zmin=-zmax, zmax=zmax,\n"
        "                             colorbar=dict(x=[0.27, 0.63, 1.0][col - 1], len=0.9)),\n"
        "                  row=1, col=col)\n"
        '    fig.update_yaxes(scaleanchor=f"x{col}", row=1, col=col)\n'
        'fig.update_layout(height=380, width=1050, title="Heat equation on a periodic square")\n'
        "fig.show()"
    ),
    new_markdown_cell(
        "## Convergence: is the error really $O(h^2)$?\n\n"
        "The same initial field on finer and finer grids (16 to 128 points for the default `modes`, "
        "coarser grids cannot hold its highest wave numbers when `modes` is larger): the slope of the error on a log–log "
        "plot is the order of accuracy of the method."
    ),
    new_code_cell(
        "rows = []\n"
        "for n in grids:\n"
        "    start = initial_spectrum(n)\n"
        "    numerical, n_steps = solve_heat(start, t_end)\n"
        "    err = float((numerical - exact_solution(start, t_end)).abs().max())\n"
        '    rows.append({"n": n, "h": 2 * math.pi / n, "steps": n_steps, "max_error": err})\n'
        "table = pd.DataFrame(rows)\n"
        "slope = np.polyfit(np.log(table.h), np.log(table.max_error), 1)[0]\n"
        'table["observed_order"] = np.r_[np.nan, np.log2(table.max_error.values[:-1] / table.max_error.values[1:])]\n'
        'ai4s_lab.record("convergence_order", float(slope))\n'
        'ai4s_lab.record("convergence", table)\n'
        'print(f"fitted order of accuracy: {slope:.3f} (theory: 2)")\n'
        "assert abs(slope - 2) < 0.1, (\n"
        '    f"fitted order {slope:.3f} on grids {grids} is not 2: the coarsest grids are not yet in the "\n'
        '    f"O(h^2) regime for modes={modes} (try fewer modes), or the finest is limited by round-off "\n'
        '    f"(dtype={dtype}; try float64)"\n'
        ")\n"
        "table"
    ),
    new_code_cell(
        "fig = go.Figure()\n"
        'fig.add_trace(go.Scatter(x=table.h, y=table.max_error, mode="markers+lines", name="measured"))\n'
        "reference = table.max_error.iloc[0] * (table.h / table.h.iloc[0]) ** 2\n"
        'fig.add_trace(go.Scatter(x=table.h, y=reference, mode="lines", name="slope 2",\n'
        '                         line=dict(dash="dash")))\n'
        'fig.update_xaxes(type="log", title="grid spacing h")\n'
        'fig.update_yaxes(type="log", title="max |numerical − exact|")\n'
        'fig.update_layout(height=400, width=600, title=f"Second-order convergence (fitted order {slope:.2f})")\n'
        "fig.show()"
    ),
    new_markdown_cell(
        "## Where next\n\n"
        "* Run this notebook as a pipeline: `ai4s-lab run notebooks/00_tour.ipynb -p n_grid 128 "
        "-p diffusivity 0.1` writes the executed notebook, an offline HTML report and a `run.json` "
        "manifest.\n"
        "* `ai4s-lab doctor` shows which parts of the lab are installed."
    ),
]

write_notebook(cells, "00_tour.ipynb")
