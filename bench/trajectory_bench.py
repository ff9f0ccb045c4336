"""Making a raw GROMACS trajectory whole: ``load_trajectory(..., unwrap=True)`` vs MDAnalysis.

Data: MDAnalysisTests' adk_oplsaa.tpr + .xtc (adenylate kinase in TIP4P water, 47,681 atoms,
10 frames, a rhombic-dodecahedron box; 29 residues broken across its faces). Timed: the step
that makes molecules whole, on positions already in memory, per frame:

- ours: ``ai4s_lab.protein._periodic.make_whole`` (what ``unwrap=True`` runs), on every atom;
- MDAnalysis: ``AtomGroup.unwrap(compound="fragments", reference=None)`` over the TPR's bonds
  (TIP4P sites are massless: no centre-of-mass reference), on every atom and on the protein
  only, frames in memory (``transfer_to_memory``), fragments computed once before timing.

Both must agree: internal coordinates of the protein within 1e-3 Å. We report medians of
--repeats runs and the ratios MDAnalysis / ours, and the effective rate in MB/s of positions.

Run: python bench/trajectory_bench.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import MDAnalysis as mda
    from MDAnalysisTests import datafiles

    from ai4s_lab.protein import load_trajectory
    from ai4s_lab.protein._gro import polymer_names
    from ai4s_lab.protein._periodic import box_matrices, make_whole

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = load_trajectory(datafiles.TPR, datafiles.XTC, progress=False)
        universe = mda.Universe(datafiles.TPR, datafiles.XTC)
        universe.transfer_to_memory()  # time the unwrapping, not the reading
    frames = raw.coords
    boxes = box_matrices(list(raw.metadata["box"]))
    assert boxes is not None
    polymer = np.isin(raw.res_name, sorted(polymer_names(set(raw.res_name.tolist()))))
    n_frames, n_atoms = frames.shape[:2]

    def ours() -> np.ndarray:
        coords = frames.copy()
        make_whole(coords, boxes, raw.residue_index, raw.chain_id, polymer, apply=True)
        return coords

    everything, protein = universe.atoms, universe.select_atoms("protein")
    for group in (everything, protein):  # MDAnalysis caches the fragments of a group
        group.unwrap(compound="fragments", reference=None)

    def theirs(group: mda.AtomGroup) -> list[np.ndarray]:
        out = []
        for _ in universe.trajectory:
            out.append(group.unwrap(compound="fragments", reference=None))
        return out

    mine = ours()
    index = protein.indices
    for k, positions in enumerate(theirs(protein)):
        a, b = mine[k, index] - mine[k, index[0]], positions - positions[0]
        assert np.abs(a - b).max() < 1e-3, "MDAnalysis and ours disagree"

    timings: dict[str, list[float]] = {"ours": [], "mda_all": [], "mda_protein": []}
    for _ in range(args.repeats):
        for name, run in (
            ("ours", ours),
            ("mda_all", lambda: theirs(everything)),
            ("mda_protein", lambda: theirs(protein)),
        ):
            start = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in timings.items()}
    megabytes = n_frames * n_atoms * 3 * 8 / 1e6
    print(f"adk_oplsaa: {n_frames} frames × {n_atoms} atoms; medians of {args.repeats} runs")
    print(f"{'side':<40}{'ms / frame':>12}{'MB/s':>10}{'ratio':>8}")
    rows = (
        ("ours: make_whole, all atoms", "ours", n_atoms),
        ("MDAnalysis unwrap, all atoms", "mda_all", n_atoms),
        ("MDAnalysis unwrap, protein only", "mda_protein", len(index)),
    )
    for label, key, atoms in rows:
        rate = n_frames * atoms * 3 * 8 / 1e6 / median[key]
        ratio = median[key] / median["ours"]
        print(f"{label:<40}{1e3 * median[key] / n_frames:>12.2f}{rate:>10.1f}{ratio:>7.1f}×")
    print(f"(positions: {megabytes:.1f} MB; ratio = their time / ours)")


if __name__ == "__main__":
    main()
