"""Phase-diagram build + energy above hull: ai4s_lab.materials against pymatgen, same entries.

Synthetic entries (fixed seed): elemental references with a few polymorphs and random integer
compositions over 2..N elements with random formation energies. Each case times "build the
diagram and get e_above_hull of every entry" for both libraries, alternating, and reports the
medians, the ratio, and whether the stable sets and energies agree (max |difference|).

Run: .venv/bin/python bench/materials_bench.py [--repeats 3] [--large] [--large-pymatgen]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from ai4s_lab.materials import Entry, PhaseDiagram

SYSTEMS = {
    3: ["Li", "Fe", "O"],
    4: ["Li", "Fe", "P", "O"],
    5: ["Li", "Fe", "Mn", "P", "O"],
    6: ["Li", "Na", "Fe", "Mn", "P", "O"],
    7: ["Li", "Na", "Fe", "Mn", "Co", "P", "O"],
    8: ["Li", "Na", "Fe", "Mn", "Co", "Ni", "P", "O"],
}


def synthetic_entries(elements: list[str], n: int, seed: int = 0) -> list[Entry]:
    rng = np.random.default_rng(seed)
    mu = rng.uniform(-8.0, -1.0, len(elements))
    entries = []
    for k, el in enumerate(elements):
        for p in range(3):  # ground state and two polymorphs
            entries.append(Entry({el: 1}, mu[k] + 0.05 * p, entry_id=f"{el}-{p}"))
    while len(entries) < n:
        size = rng.integers(2, len(elements) + 1)
        chosen = rng.choice(len(elements), size=size, replace=False)
        amounts = rng.integers(1, 7, size=size)
        atoms = amounts.sum()
        e_form = -rng.gamma(2.0, 0.4) + rng.normal(0.0, 0.05)
        energy = atoms * e_form + float(amounts @ mu[chosen])
        comp = {elements[c]: int(a) for c, a in zip(chosen, amounts, strict=True)}
        entries.append(Entry(comp, energy, entry_id=f"c{len(entries)}"))
    return entries


def run_ours(entries: list[Entry]) -> tuple[float, np.ndarray, set[int]]:
    start = time.perf_counter()
    pd = PhaseDiagram(entries)
    above = pd.e_above_hull()
    elapsed = time.perf_counter() - start
    stable = {i for i, e in enumerate(pd.entries) if pd.is_stable(e)}
    return elapsed, above, stable


def to_pymatgen(entries: list[Entry]) -> list[object]:
    from pymatgen.analysis.phase_diagram import PDEntry
    from pymatgen.core import Composition

    return [PDEntry(Composition(dict(e.composition)), e.energy) for e in entries]


def run_pymatgen(pmg_entries: list[object]) -> tuple[float, np.ndarray, set[int]]:
    from pymatgen.analysis.phase_diagram import PhaseDiagram as PmgPhaseDiagram

    start = time.perf_counter()
    pd = PmgPhaseDiagram(pmg_entries)
    above = np.array([pd.get_e_above_hull(e) for e in pmg_entries])
    elapsed = time.perf_counter() - start
    stable_ids = {id(e) for e in pd.stable_entries}
    return elapsed, above, {i for i, e in enumerate(pmg_entries) if id(e) in stable_ids}


def stable_keys(entries: list[Entry], indices: set[int]) -> set[tuple[str, float]]:
    return {(entries[i].name, round(entries[i].energy_per_atom, 9)) for i in indices}


def bench_case(n_el: int, n: int, repeats: int, with_pymatgen: bool) -> dict[str, object]:
    entries = synthetic_entries(SYSTEMS[n_el], n)
    pmg_entries = to_pymatgen(entries) if with_pymatgen else []
    ours_t, theirs_t = [], []
    ours_res = theirs_res = None
    for _ in range(repeats):  # alternate, so drifts in machine load hit both
        t, above, stable = run_ours(entries)
        ours_t.append(t)
        ours_res = (above, stable)
        if with_pymatgen:
            t, above, stable = run_pymatgen(pmg_entries)
            theirs_t.append(t)
            theirs_res = (above, stable)
    assert ours_res is not None
    row: dict[str, object] = {
        "elements": n_el,
        "entries": n,
        "ours_s": statistics.median(ours_t),
        "stable": len(ours_res[1]),
    }
    if with_pymatgen and theirs_res is not None:
        row["pymatgen_s"] = statistics.median(theirs_t)
        row["ratio"] = row["pymatgen_s"] / row["ours_s"]  # type: ignore[operator]
        row["max_abs_diff"] = float(np.max(np.abs(ours_res[0][: len(entries)] - theirs_res[0])))
        row["same_stable"] = stable_keys(entries, ours_res[1]) == stable_keys(
            entries, theirs_res[1]
        )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large", action="store_true", help="add 20,000 entries in 6-8 elements")
    parser.add_argument(
        "--large-pymatgen", action="store_true", help="also time pymatgen on the large cases (once)"
    )
    args = parser.parse_args()
    cases = [(k, n) for k in (3, 4, 5) for n in (200, 2000, 10000)]
    print("| elements | entries | stable | ours median s | pymatgen median s | ratio | "
          "max abs diff eV/atom | same stable set |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    rows = [bench_case(k, n, args.repeats, True) for k, n in cases]
    if args.large:
        rows += [
            bench_case(k, 20000, 1 if args.large_pymatgen else args.repeats, args.large_pymatgen)
            for k in (6, 7, 8)
        ]
    for row in rows:
        pmg = row.get("pymatgen_s")
        print(
            f"| {row['elements']} | {row['entries']} | {row['stable']} | {row['ours_s']:.4f} | "
            + (
                f"{pmg:.3f} | {row['ratio']:.0f}x | {row['max_abs_diff']:.1e} | "
                f"{row['same_stable']} |"
                if pmg is not None
                else "not run | | | |"
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
