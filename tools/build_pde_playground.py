"""Writes notebooks/pde_playground.ipynb from the cells below (so the notebook diffs stay readable).

Run: python tools/build_pde_playground.py
"""

import sys
from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _notebook import write_notebook

cells = [
    new_markdown_cell(
        "# PDE playground\n\n"
        "Spectral solvers for classic partial differential equations, written in PyTorch: the same "
        "code runs on a laptop CPU and, unchanged, on a GPU. Pick an equation in the parameter cell "
        "(or run `ai4s-lab run notebooks/pde_playground.ipynb -p equation gray-scott`), watch its "
        "field evolve in the `FieldView` widget (scrub, play, hover for values, drag a line for a "
        "profile), and check the solvers against exact solutions at the end.\n\n"
        "Every time-dependent equation is written in Fourier space as $\\dot v = L v + N(v)$: the "
        "stiff linear part $L$ (diffusion, viscosity) is integrated exactly by the exponential "
        "integrator ETDRK4 (Cox & Matthews 2002, doi:10.1006/jcph.2002.6995, with the coefficients "
        "of Kassam & Trefethen 2005, doi:10.1137/S1064827502410633), and the nonlinear part $N$ is "
        "evaluated on the grid with FFTs."
    ),
    new_code_cell(
        "# Parameters (papermill and `ai4s-lab run -p NAME VALUE` override these)\n"
        'equation = "navier-stokes"  # a name of the table below (case, `_` and spaces are ignored)\n'
        "n_grid = 128  # grid points per side\n"
        "t_end = None  # final time; None uses the equation's own time scale (table below)\n"
        "frames = 60  # saved frames shown in the viewer\n"
        "device = \"auto\"  # 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'\n"
        "seed = 0  # random seed of the initial condition",
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "import time\n"
        "import warnings\n\n"
        "import numpy as np\n"
        "import plotly.graph_objects as go\n"
        "from plotly.subplots import make_subplots\n\n"
        "import ai4s_lab\n"
        "from ai4s_lab import pde\n"
        "from ai4s_lab.widgets import FieldView\n\n"
        "# check the parameters before any work: one actionable line per mistake\n"
        "name = pde.equation(equation).name  # the canonical name ('Navier_Stokes' -> 'navier-stokes');\n"
        "# unknown names fail here with the list of the known ones\n"
        "if isinstance(frames, bool) or not isinstance(frames, int) or frames < 1:\n"
        '    raise ValueError(f"frames={frames!r}: use an integer >= 1 (the number of saved frames)")\n'
        "if t_end is not None and not float(t_end) > 0:\n"
        '    raise ValueError(f"t_end={t_end!r}: use a positive final time, or None for the equation\'s own")\n'
        "# the finest scale of each set-up below should span a grid cell or more\n"
        "MIN_GRID = {\n"
        '    "kuramoto-sivashinsky": 128,  # domain 32π: spacing 32π/n must be ≲ 1 (at 64 it blows up)\n'
        '    "burgers": 128,  # viscosity 0.01 on 2π: max |u| at t = 3 is 10 % off at n = 64, 1.3 % at 128 (vs 256)\n'
        '    "allen-cahn": 128,  # interfaces of width √2·0.04 = 0.057 on 2π: spacing 2π/n ≲ 0.057\n'
        '    "navier-stokes": 128,  # viscosity 1e-3 on 2π: the spread of ω at t = 6 is 2 % off at n = 64, 0.2 % at 128\n'
        "}\n"
        "if isinstance(n_grid, bool) or not isinstance(n_grid, int) or n_grid < 16 or n_grid % 2:\n"
        '    raise ValueError(f"n_grid={n_grid!r}: use an even integer >= 16")\n'
        'if name == "kuramoto-sivashinsky" and n_grid < MIN_GRID[name]:  # a wrong answer, not a rough one\n'
        '    raise ValueError(f"n_grid={n_grid} under-resolves {name}: use n_grid >= {MIN_GRID[name]}")\n'
        "if n_grid < MIN_GRID.get(name, 16):\n"
        "    warnings.warn(\n"
        '        f"n_grid={n_grid} under-resolves {name}: the fields are rough and their extremes off "\n'
        '        f"(see MIN_GRID in this cell); use n_grid >= {MIN_GRID[name]} for a converged picture",\n'
        "        stacklevel=1,\n"
        "    )\n\n"
        "dev = ai4s_lab.resolve_device(device)\n"
        'dtype = "float64" if dev.type == "cpu" else "float32"\n'
        'print(f"AI4S Lab {ai4s_lab.__version__}: solving on {dev} in {dtype}")'
    ),
    new_markdown_cell(
        "## The equations\n\n"
        "The values of `equation` (`heat` is also called `diffusion`; case, `_` and spaces do not "
        "matter, so `Navier_Stokes` works):\n\n"
        "| name | equation | in two sentences |\n"
        "|---|---|---|\n"
        "| `heat` | $u_t = D\\nabla^2 u$ | Heat (or any diffusing quantity) spreads from hot to cold; "
        "each Fourier mode decays like $e^{-D|k|^2 t}$, so fine detail disappears first. It is the "
        "test bed of every solver because its exact solution is known. |\n"
        "| `burgers` | $u_t + u u_x = \\nu u_{xx}$ | The simplest model of a fluid: a wave steepens "
        "because its fast parts overtake its slow parts, until viscosity balances the steepening "
        "in a thin shock. The Cole–Hopf transform turns it into the heat equation, so it too has "
        "exact solutions. |\n"
        "| `allen-cahn` | $u_t = \\epsilon^2\\nabla^2 u + u - u^3$ | A non-conserved order parameter "
        "(e.g. magnetic domains, grain orientation) falls into one of two states $u=\\pm1$. The "
        "domains are separated by $\\tanh$ interfaces of width $\\sqrt2\\,\\epsilon$ that move by "
        "mean curvature, so small domains shrink and vanish. |\n"
        "| `cahn-hilliard` | $c_t = M\\nabla^2(c^3 - c - \\gamma\\nabla^2 c)$ | A binary mixture "
        "quenched into the unstable region separates into two phases (spinodal decomposition) "
        "while the total amount of each component is conserved. The pattern then coarsens, the "
        "free energy decreasing all the time. |\n"
        "| `gray-scott` | $u_t = D_u\\nabla^2u - uv^2 + F(1-u)$, $v_t = D_v\\nabla^2 v + uv^2 - "
        "(F+k)v$ | An autocatalytic reaction $U + 2V \\to 3V$ fed with $U$ and drained of $V$. With "
        "$F = 0.0367$, $k = 0.0649$ (used here) spots grow and divide like cells; with $F = 0.04$, "
        "$k = 0.06$ a labyrinth of stripes spreads instead (Pearson 1993, "
        "doi:10.1126/science.261.5118.189). |\n"
        "| `kuramoto-sivashinsky` | $u_t = -u_{xx} - u_{xxxx} - u u_x$ | A flame front or thin "
        "film: long waves are unstable, short ones are damped, and the nonlinearity moves energy "
        "between them. The result is spatiotemporal chaos in one dimension, the standard stiff test "
        "of Kassam & Trefethen. |\n"
        "| `navier-stokes` | $\\omega_t + \\mathbf u\\cdot\\nabla\\omega = \\nu\\nabla^2\\omega - "
        "\\alpha\\omega + f$ | The vorticity of a 2D incompressible flow is carried by the flow "
        "it induces, and vortices of the same sign merge into ever larger ones (the inverse "
        "cascade). With the Kolmogorov forcing $f_x = \\sin 4y$ and drag it becomes the turbulence "
        "benchmark of Kochkov et al. 2021 (doi:10.1073/pnas.2101784118). |\n"
        "\n\n"
        "Not a choice of `equation` (it has no time evolution; it is solved at the end of this "
        "notebook and in `neural_operator.ipynb`):\n\n"
        "| name | equation | in two sentences |\n"
        "|---|---|---|\n"
        "| Darcy | $-\\nabla\\cdot(a\\nabla p) = f$ | Pressure of a fluid seeping through a porous "
        "medium of permeability $a(x)$, with $p$ fixed on the boundary. It is the classic benchmark "
        "of neural operators (Li et al. 2021): a map from a permeability field to a solution. |"
    ),
    new_code_cell(
        "def setup(name, n, seed):\n"
        '    """The equation, its initial condition, its time scale and the field to show."""\n'
        '    if name in ("heat", "diffusion"):\n'
        "        eq = pde.Diffusion(diffusivity=0.05)\n"
        "        return eq, pde.initial.random_field(eq.grid(n), seed, wavenumber=8), 5.0\n"
        '    if name == "burgers":\n'
        "        eq = pde.Burgers(viscosity=0.01, ndim=2)\n"
        "        u0 = pde.initial.random_field(eq.grid(n), seed, channels=2, wavenumber=3, amplitude=0.5)\n"
        "        return eq, u0, 3.0\n"
        '    if name == "allen-cahn":\n'
        "        eq = pde.AllenCahn(epsilon=0.04)\n"
        "        return eq, pde.initial.random_field(eq.grid(n), seed, amplitude=0.1, wavenumber=16), 10.0\n"
        '    if name == "cahn-hilliard":\n'
        "        eq = pde.CahnHilliard(gamma=1.0)\n"
        "        return eq, pde.initial.random_field(eq.grid(n, length=n / 2), seed, amplitude=0.05, wavenumber=n / 4), 200.0\n"
        '    if name == "gray-scott":\n'
        "        eq = pde.GrayScott(feed=0.0367, kill=0.0649)  # dividing spots\n"
        "        return eq, pde.initial.gray_scott_seed(eq.grid(n), seed), 4000.0\n"
        '    if name == "kuramoto-sivashinsky":\n'
        "        eq = pde.KuramotoSivashinsky()\n"
        "        return eq, pde.initial.kassam_trefethen(eq.grid(n)), 150.0\n"
        '    if name == "navier-stokes":\n'
        '        eq = pde.NavierStokes2D(viscosity=1e-3, forcing="kolmogorov")\n'
        "        return eq, pde.initial.random_field(eq.grid(n), seed, amplitude=2.0), 6.0\n"
        '    raise ValueError(f"equation {name!r} has no set-up in this notebook; add one to setup()")\n\n\n'
        "eq, initial, time_scale = setup(name, n_grid, seed)\n"
        "t_final = float(t_end) if t_end is not None else time_scale\n"
        "start = time.perf_counter()\n"
        "ds = pde.solve(eq, initial, t_end=t_final, save_every=t_final / frames, device=dev,\n"
        "               dtype=dtype, progress=False)\n"
        "wall = time.perf_counter() - start\n"
        'field = eq.fields[-1] if name == "gray-scott" else eq.fields[0]\n'
        "print(f\"{eq!r}\\n{ds.attrs['steps']} {ds.attrs['method']} steps to t = {t_final:g} in {wall:.1f} s \"\n"
        "      f\"({ds.attrs['steps'] / wall:.0f} steps/s on {dev})\")\n"
        'ai4s_lab.record("equation", eq.name)\n'
        'ai4s_lab.record("solve_seconds", round(wall, 3))\n'
        'ai4s_lab.record("steps", int(ds.attrs["steps"]))\n'
        'ai4s_lab.record("final_max_abs", float(abs(ds[field].isel(t=-1)).max()))\n'
        "ds"
    ),
    new_markdown_cell(
        "## Watch it\n\n"
        "The viewer receives one frame at a time as a binary float32 buffer. Press ▶ to play, drag "
        "the slider to scrub, hover for the value under the cursor, and drag across the field to "
        "draw a line profile. In a static HTML report, a picture of the last frame stands in for "
        "the widget.\n\n"
        "`FieldView` shows your own data too: it takes any DataArray whose last two dims are the "
        'image, whatever their names, e.g. `FieldView(xr.open_dataset("sst.nc")["sst"])` '
        "with dims `(time, lat, lon)` plays the time series north up, each frame labelled with "
        "its date; a leading `depth`/`level`/`z` dim is shown as slices."
    ),
    new_code_cell(
        "if len(ds[field].dims) == 3:  # (t, y, x)\n"
        '    vectors = pde.velocity_from_vorticity(ds[field]) if field == "vorticity" else None\n'
        '    cmap = "RdBu_r" if field in ("vorticity", "u", "c") else "viridis"\n'
        '    view = FieldView(ds[field], colormap=cmap, range_mode="symmetric" if cmap == "RdBu_r" else "auto",\n'
        "                     vectors=vectors, fps=12)\n"
        "    view.index = view.n_frames - 1\n"
        "else:  # 1D: time runs up the picture\n"
        '    view = FieldView(ds[field].rename({"t": "y"}), colormap="RdBu_r", range_mode="symmetric")\n'
        "view"
    ),
    new_code_cell(
        "values = ds[field]\n"
        "fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45],\n"
        '                    subplot_titles=(f"{field} at t = {t_final:g}", "spatial mean and spread"))\n'
        "last = values.isel(t=-1)\n"
        "if last.ndim == 2:\n"
        "    fig.add_trace(go.Heatmap(z=last.values, x=last.x.values, y=last.y.values,\n"
        '                             colorscale="RdBu_r", colorbar={"x": 0.5}), 1, 1)\n'
        "else:\n"
        "    fig.add_trace(go.Scatter(x=last.x.values, y=last.values, name=field), 1, 1)\n"
        'space = [d for d in values.dims if d != "t"]\n'
        'fig.add_trace(go.Scatter(x=ds.t.values, y=values.mean(space).values, name="mean"), 1, 2)\n'
        'fig.add_trace(go.Scatter(x=ds.t.values, y=values.std(space).values, name="std"), 1, 2)\n'
        'fig.update_xaxes(title_text="t", row=1, col=2)\n'
        "fig.update_layout(height=380, width=900)\n"
        "fig.show()\n"
        'ai4s_lab.record("final_std", float(values.isel(t=-1).std()))'
    ),
    new_markdown_cell(
        "## Checks against exact solutions\n\n"
        "Two quick ones (the test suite has more: Burgers against Cole–Hopf, the stationary "
        "Allen–Cahn interface, Cahn–Hilliard mass and energy, the fourth order of ETDRK4, a "
        "cross-check with py-pde). A Fourier mode of the heat equation decays exactly as "
        "$e^{-D|k|^2 t}$, and the Taylor–Green vortex $\\omega = 2\\sin x\\sin y$ solves "
        "Navier–Stokes with $\\omega \\propto e^{-2\\nu t}$ because its advection term vanishes."
    ),
    new_code_cell(
        "heat = pde.Diffusion(diffusivity=0.3)\n"
        "g = heat.grid(32)\n"
        "h = pde.solve(heat, pde.initial.fourier_mode(g, (2, 3)), t_end=1.0, device=dev, dtype=dtype, progress=False)\n"
        'yy, xx = np.meshgrid(h.y, h.x, indexing="ij")\n'
        "exact = np.cos(2 * yy) * np.cos(3 * xx) * np.exp(-0.3 * 13)\n"
        'heat_error = float(abs(h["u"].isel(t=-1) - exact).max() / abs(exact).max())\n\n'
        "ns = pde.NavierStokes2D(viscosity=0.05)\n"
        "tg = pde.solve(ns, pde.initial.taylor_green(ns.grid(32)), t_end=1.0, device=dev, dtype=dtype, progress=False)\n"
        "exact = 2 * np.sin(xx) * np.sin(yy) * np.exp(-2 * 0.05)\n"
        'tg_error = float(abs(tg["vorticity"].isel(t=-1) - exact).max() / abs(exact).max())\n'
        'print(f"heat equation, Fourier mode: relative error {heat_error:.1e}")\n'
        'print(f"Taylor–Green vortex at t = 1: relative error {tg_error:.1e}")\n'
        'ai4s_lab.record("heat_mode_relative_error", heat_error)\n'
        'ai4s_lab.record("taylor_green_relative_error", tg_error)'
    ),
    new_markdown_cell(
        "## Darcy flow through a random two-phase medium\n\n"
        "As in the neural-operator benchmark: the permeability is 12 where a smooth random field is "
        "positive and 3 elsewhere, the source is $f = 1$ and $p = 0$ on the boundary. A "
        "preconditioned conjugate-gradient solver in torch finds the pressure (batched, on the same "
        "device as the rest)."
    ),
    new_code_cell(
        "n_darcy = 65\n"
        "rough = pde.initial.random_field(pde.PeriodicGrid((n_darcy + 1, n_darcy + 1), (1.0,)), seed, wavenumber=4)\n"
        "a = np.where(rough.numpy()[0, 0, :n_darcy, :n_darcy] > 0, 12.0, 3.0)\n"
        "darcy = pde.solve_darcy(a, forcing=1.0, boundary=0.0, device=dev, dtype=dtype)\n"
        "print(f\"CG: {darcy.attrs['iterations']} iterations, relative residual {darcy.attrs['relative_residual']:.1e}\")\n"
        'fig = make_subplots(rows=1, cols=2, subplot_titles=("permeability a(x, y)", "pressure p(x, y)"))\n'
        'fig.add_trace(go.Heatmap(z=darcy["permeability"].values, colorscale="Greys", showscale=False), 1, 1)\n'
        'fig.add_trace(go.Heatmap(z=darcy["pressure"].values, colorscale="Viridis"), 1, 2)\n'
        "fig.update_layout(height=360, width=760)\n"
        "fig.show()\n"
        'ai4s_lab.record("darcy_cg_iterations", int(darcy.attrs["iterations"]))\n'
        'ai4s_lab.record("darcy_max_pressure", float(darcy["pressure"].max()))'
    ),
    new_markdown_cell(
        "## Save and reload\n\n"
        "The result is an `xarray.Dataset` whose attributes record the equation, its parameters, "
        "the method, device, dtype and package version, so a NetCDF file is self-describing."
    ),
    new_code_cell(
        "import tempfile\n"
        "from pathlib import Path\n\n"
        "import xarray as xr\n\n"
        "with tempfile.TemporaryDirectory() as folder:\n"
        '    path = Path(folder) / f"{eq.name}.nc"\n'
        '    ds.to_netcdf(path, engine="h5netcdf")\n'
        '    back = xr.open_dataset(path, engine="h5netcdf").load()\n'
        "    size_mb = path.stat().st_size / 1e6\n"
        "xr.testing.assert_identical(back, ds)\n"
        'print(f"{path.name}: {size_mb:.1f} MB, reloaded identical; attributes: {sorted(back.attrs)}")\n'
        'ai4s_lab.record("netcdf_megabytes", round(size_mb, 2))'
    ),
]

write_notebook(cells, "pde_playground.ipynb")
