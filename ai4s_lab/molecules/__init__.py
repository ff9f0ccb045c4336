"""Molecule screening: RDKit parsing and standardization, descriptors, drug-likeness filters,
exact Tanimoto similarity search over packed fingerprints, and property models.

RDKit does the chemistry; this package adds the library-scale parts (row-level error reports,
packed popcount search on the CPU or a GPU, an MLP ensemble with a scaffold split). Importing it
is cheap: RDKit, torch and numba load when a function needs them.

Examples
--------
>>> from ai4s_lab import molecules as mol
>>> library = mol.read_molecules("first_5K.smi")              # doctest: +SKIP
>>> index = mol.FingerprintIndex.from_molecules(library)     # doctest: +SKIP
>>> index.search("c1ccccc1O", k=5)                            # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ai4s_lab.molecules.conformers import embed_conformer
    from ai4s_lab.molecules.data import example_path
    from ai4s_lab.molecules.depict import mol_to_svg, shared_substructure
    from ai4s_lab.molecules.filters import FILTERS, apply_filters
    from ai4s_lab.molecules.fingerprints import Fingerprints, FingerprintSpec, morgan_fingerprints
    from ai4s_lab.molecules.io import MoleculeSet, read_molecules
    from ai4s_lab.molecules.models import PropertyModel, compare_with_baselines, scaffold_split
    from ai4s_lab.molecules.physchem import DESCRIPTORS, descriptors
    from ai4s_lab.molecules.similarity import FingerprintIndex, SearchHits
    from ai4s_lab.molecules.standardization import StandardizeOptions, standardize

__all__ = [
    "DESCRIPTORS",
    "FILTERS",
    "FingerprintIndex",
    "FingerprintSpec",
    "Fingerprints",
    "MoleculeSet",
    "PropertyModel",
    "SearchHits",
    "StandardizeOptions",
    "apply_filters",
    "compare_with_baselines",
    "descriptors",
    "embed_conformer",
    "example_path",
    "mol_to_svg",
    "morgan_fingerprints",
    "read_molecules",
    "scaffold_split",
    "shared_substructure",
    "standardize",
]

# public name -> submodule that defines it
_WHERE = {
    "DESCRIPTORS": "physchem",
    "FILTERS": "filters",
    "FingerprintIndex": "similarity",
    "FingerprintSpec": "fingerprints",
    "Fingerprints": "fingerprints",
    "MoleculeSet": "io",
    "PropertyModel": "models",
    "SearchHits": "similarity",
    "StandardizeOptions": "standardization",
    "apply_filters": "filters",
    "compare_with_baselines": "models",
    "descriptors": "physchem",
    "embed_conformer": "conformers",
    "example_path": "data",
    "mol_to_svg": "depict",
    "morgan_fingerprints": "fingerprints",
    "read_molecules": "io",
    "scaffold_split": "models",
    "shared_substructure": "depict",
    "standardize": "standardization",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'ai4s_lab.molecules' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ai4s_lab.molecules.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
