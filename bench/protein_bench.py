"""Contact maps and superposition of 1,000 frames of a ~350-residue protein: ours vs MDAnalysis
and mdtraj.

Data: the real 51-frame MD trajectory of bovine rhodopsin (md_1u19.pdb/.xtc, 348 Cα atoms) from
../shared/data/protein, tiled to 1,000 frames with Gaussian noise (σ = 0.1 Å) so that no two
frames are equal. Every side gets the same float32 Cα coordinates (ours: ``dtype="float32"``, the
precision of XTC/DCD frames, which is what a user passes; our default is float64) and returns
the same thing: a boolean ``(frames, n, n)`` contact map (Cα–Cα < 8 Å), or the ``(frames, n, 3)``
superposed coordinates of every frame on frame 0. Runs alternate; we report medians of
--repeats runs and the ratios other / ours.

Run: python bench/protein_bench.py [--frames 1000] [--repeats 5] [--device cpu] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "protein"


def frames(n: int) -> np.ndarray:
    import MDAnalysis as mda

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        u = mda.Universe(str(DATA / "md_1u19.pdb"), str(DATA / "md_1u19.xtc"))
    ca = u.select_atoms("name CA")
    base = np.array([ca.positions.copy() for _ in u.trajectory])
    tiled = np.concatenate([base] * (n // len(base) + 1))[:n]
    rng = np.random.default_rng(0)
    return (tiled + rng.normal(scale=0.1, size=tiled.shape)).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--threads", type=int, default=0, help="torch and numba threads (0: their default)"
    )
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
        try:  # the compiled CPU superposition runs on numba's threads
            import numba

            numba.set_num_threads(args.threads)
        except ImportError:
            pass
    from MDAnalysis.analysis import align
    from MDAnalysis.analysis.distances import contact_matrix

    from ai4s_lab.protein import contact_map, superpose

    x = frames(args.frames)
    target = x[0]
    print(
        f"{args.frames} frames x {x.shape[1]} Cα, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, device {args.device}"
    )

    def ours_contacts() -> object:
        out = contact_map(x, cutoff=8.0, device=args.device, dtype="float32")
        return out.cpu() if args.device != "cpu" else out

    def mda_contacts() -> object:
        return [contact_matrix(f, cutoff=8.0, returntype="numpy") for f in x]

    def ours_superpose() -> object:
        return superpose(x, target, None, device=args.device, dtype="float32").coords.cpu()

    def mda_superpose() -> object:
        ref = target - target.mean(axis=0)
        out = np.empty_like(x)
        for k, f in enumerate(x):
            centre = f.mean(axis=0)
            rot, _ = align.rotation_matrix(f - centre, ref)
            out[k] = (f - centre) @ rot.T + target.mean(axis=0)
        return out

    others: dict[str, dict[str, Callable[[], object]]] = {
        "MDAnalysis": {"contacts": mda_contacts, "superpose": mda_superpose}
    }
    try:
        import mdtraj as md
    except ImportError:
        print("mdtraj is not installed: compared with MDAnalysis only")
    else:
        topology = md.Topology()
        chain = topology.add_chain()
        for _ in range(x.shape[1]):
            topology.add_atom("CA", md.element.carbon, topology.add_residue("ALA", chain))
        nm = x / 10.0  # mdtraj works in nm
        upper = np.triu_indices(x.shape[1], k=1)
        pairs = np.stack(upper, axis=1)

        def md_contacts() -> object:
            near = md.compute_distances(md.Trajectory(nm, topology), pairs) < 0.8
            out = np.zeros((len(x), x.shape[1], x.shape[1]), dtype=bool)
            out[:, upper[0], upper[1]] = near
            out |= out.transpose(0, 2, 1)
            out[:, np.arange(x.shape[1]), np.arange(x.shape[1])] = True
            return out

        def md_superpose() -> object:
            traj = md.Trajectory(nm.copy(), topology)
            traj.superpose(traj, frame=0)
            return traj.xyz * 10.0

        others["mdtraj"] = {"contacts": md_contacts, "superpose": md_superpose}

    # correctness first: same answers
    a = np.asarray(ours_contacts())
    s_ours = np.asarray(ours_superpose())
    for other, fns in others.items():
        agree = (a == np.asarray(fns["contacts"]())).mean()
        diff = np.abs(s_ours - np.asarray(fns["superpose"]())).max()
        print(
            f"vs {other}: contact maps agree on {agree * 100:.4f} % of cells; "
            f"superposed coordinates differ by at most {diff:.2e} Å"
        )

    for task, label, ours in (
        ("contacts", "contact maps (Cα, 8 Å)", ours_contacts),
        ("superpose", "superposition", ours_superpose),
    ):
        times: dict[str, list[float]] = {"ours": [], **{o: [] for o in others}}
        for _ in range(args.repeats):  # alternate
            for name, fn in (("ours", ours), *((o, f[task]) for o, f in others.items())):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
        mo = statistics.median(times["ours"])
        line = f"{label:24s} ours {mo * 1e3:8.1f} ms"
        for other in others:
            mt = statistics.median(times[other])
            line += f" | {other} {mt * 1e3:8.1f} ms, ratio {mt / mo:5.1f}x"
        print(line)


if __name__ == "__main__":
    main()
