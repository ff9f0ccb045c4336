"""Helpers shared by the materials tests: loading the real entry files and the pymatgen oracle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ai4s_lab.materials import Entry, PhaseDiagram, load_entries

# file name in ../shared/data/materials -> energies are formation energies (elements implicit)
REAL_FILES = {
    "Li-Co-O.json.gz": True,
    "Li-P-S.json.gz": True,
    "li-fe-o-entries.json.gz": False,
}


def load_real(shared_data: Path, name: str) -> list[Entry]:
    """Entries of a real file, with elemental references at 0 eV/atom added where implicit."""
    entries = list(load_entries(shared_data / "materials" / name))
    if REAL_FILES[name]:
        elements = sorted({el for e in entries for el in e.composition})
        entries += [Entry({el: 1}, 0.0, entry_id=f"ref-{el}") for el in elements]
    return entries


def to_pymatgen(entries: list[Entry]) -> list[Any]:
    """The same entries as pymatgen PDEntry objects (index-aligned)."""
    from pymatgen.analysis.phase_diagram import PDEntry
    from pymatgen.core import Composition as PmgComposition

    return [
        PDEntry(PmgComposition(dict(e.composition)), e.energy, name=e.entry_id or e.name)
        for e in entries
    ]


def key(formula: str, energy_per_atom: float) -> tuple[str, float]:
    """Identify a phase by reduced formula and energy per atom (duplicates are interchangeable)."""
    return formula, round(energy_per_atom, 7)


def our_key(entry: Entry) -> tuple[str, float]:
    return key(entry.composition.reduced_formula, entry.energy_per_atom)


def pmg_key(entry: object) -> tuple[str, float]:
    from ai4s_lab.materials import Composition

    comp = Composition({str(el): float(n) for el, n in entry.composition.items()})  # type: ignore[attr-defined]
    return key(comp.reduced_formula, entry.energy_per_atom)  # type: ignore[attr-defined]


def build_both(
    entries: list[Entry], elements: list[str] | None = None
) -> tuple[PhaseDiagram, Any, list[Any]]:
    """Our diagram, pymatgen's, and pymatgen's entries index-aligned with ``entries``."""
    from pymatgen.analysis.phase_diagram import PhaseDiagram as PmgPhaseDiagram
    from pymatgen.core import Element

    ours = PhaseDiagram(entries, elements=elements)
    pmg_elements = [Element(el) for el in elements] if elements else None
    pmg_entries = to_pymatgen(entries)
    theirs = PmgPhaseDiagram(pmg_entries, elements=pmg_elements)
    return ours, theirs, pmg_entries
