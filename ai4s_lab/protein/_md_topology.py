"""Topologies of simulation programs read with MDAnalysis: CHARMM/NAMD PSF, GROMACS TPR and
Amber prmtop/parm7 (and GROMACS ``.top``/``.itp`` where their includes are at hand).

Such a file names the atoms, residues and molecules of a system but holds no coordinates (or
holds them in a binary form of its own); the coordinates come from a trajectory. Their columns
become those of a :class:`~ai4s_lab.protein.Structure`:

- **chains** from the file's chain IDs (TPR molecule-type chains, Amber ``RESIDUE_CHAINID``) or
  segment IDs (PSF ``PROA``, ``SOLV``); an Amber file without either (one ``SYSTEM``) is split
  at the bonds: each bonded polymer molecule is a chain, and the molecules between polymers
  (waters, ions, ligands) one more;
- **elements** from the atomic numbers the file states (TPR, recent prmtop); else (PSF, older
  prmtop) from the atom name in its residue, as for ``.gro`` files, or from the atom's mass
  where it is an element's standard atomic weight and the atom is an ion (CHARMM's ``SOD`` is
  sodium) or its name starts with that element (``CL1`` of 35.45 u is chlorine). Masses of
  hydrogen mass repartitioning match no element, or not the name. A massless site (TIP4P's
  ``MW``, a Drude lone pair) has element ``X``;
- **residue numbers** as the file gives them (Amber renumbers residues 1…N over the whole
  system), with the insertion codes of PSF residue IDs such as ``36A``.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import DataFileError
from ai4s_lab.protein._elements import WATER_NAMES
from ai4s_lab.protein._gro import chain_name, guess_element, polymer_names

__all__ = ["MD_TOPOLOGIES", "md_topology_kind", "structure_columns", "universe"]

# Topology files of simulation programs, by extension: what they are, MDAnalysis's format.
MD_TOPOLOGIES = {
    ".psf": ("a CHARMM/NAMD PSF", "PSF"),
    ".tpr": ("a GROMACS run-input (.tpr)", "TPR"),
    ".prmtop": ("an Amber prmtop", "PRMTOP"),
    ".parm7": ("an Amber parm7", "PRMTOP"),
    ".top": ("a GROMACS or Amber .top", "TOP"),
    ".itp": ("a GROMACS include (.itp)", "ITP"),
}
_COMPRESSED = (".gz", ".bz2")
# A mass (u) this close to an element's standard atomic weight names the element (force fields
# round weights to 0.01 u), where the atom's name agrees (see _elements).
_MASS_TOLERANCE = 0.02
_PSF_ATOMS = re.compile(r"^\s*(\d+)\s+!NATOM", re.MULTILINE)


def md_topology_kind(path: Path) -> tuple[str, str] | None:
    """What an MD topology file is and its MDAnalysis format, from its extension (``None``
    for other files); ``.gz``/``.bz2`` files by the extension before it."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes.pop()
    return MD_TOPOLOGIES.get(suffixes[-1]) if suffixes else None


def universe(topology: Path, trajectory: Path | None) -> Any:
    """An ``MDAnalysis.Universe`` of an MD topology file (and a trajectory).

    Raises
    ------
    DataFileError
        MDAnalysis cannot read the topology: the message names the file and MDAnalysis's reason.
    """
    mda = import_optional("MDAnalysis")
    kind = md_topology_kind(topology)
    assert kind is not None
    fmt = kind[1]
    if fmt == "TOP":
        fmt = "PRMTOP" if _starts_like_amber(topology) else "ITP"
    files = [str(topology)] + ([str(trajectory)] if trajectory is not None else [])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return mda.Universe(*files, topology_format=fmt)
    except Exception as err:  # MDAnalysis's parsers fail with any type (StopIteration ...)
        reason = str(err).replace("\n", " ").strip() or type(err).__name__
        hint = None
        if fmt == "ITP":
            hint = (
                "a GROMACS .top includes its force field's files (#include): run from the "
                "folder that has them, or give the run's .tpr file instead"
            )
        raise DataFileError(
            topology, f"MDAnalysis cannot read it as {kind[0]}: {reason}", hint=hint
        ) from err


def _starts_like_amber(path: Path) -> bool:
    from MDAnalysis.lib.util import openany

    with openany(str(path)) as file:
        return str(file.readline()).startswith("%VERSION")


def structure_columns(universe: Any, topology: Path) -> dict[str, Any]:
    """The per-atom columns of a :class:`~ai4s_lab.protein.Structure` (all but ``coords``)."""
    atoms = universe.atoms
    n = atoms.n_atoms
    if n == 0:
        raise DataFileError(topology, "holds no atoms")
    atom_name = np.asarray(atoms.names, dtype=str)
    res_name = np.asarray(atoms.resnames, dtype=str)
    res_seq = np.asarray(atoms.resids, dtype=np.int64)
    ins_code = _insertion_codes(topology, n)
    resindex = np.asarray(atoms.resindices)
    # MDAnalysis keeps one residue for 14A and 14B of the same name: the codes split them
    new_residue = np.r_[True, (resindex[1:] != resindex[:-1]) | (ins_code[1:] != ins_code[:-1])]
    residue_index = np.cumsum(new_residue) - 1
    polymer = polymer_names(set(res_name.tolist()))
    is_polymer = np.isin(res_name, sorted(polymer))
    water = np.isin(np.char.upper(res_name), sorted(WATER_NAMES))
    return {
        "atom_name": atom_name,
        "element": _elements(atoms, atom_name, res_name, residue_index, is_polymer | water),
        "res_name": res_name,
        "res_seq": res_seq,
        "ins_code": ins_code,
        "chain_id": _chains(universe, residue_index, is_polymer),
        "altloc": np.full(n, "", dtype="U1"),
        "b_factor": np.zeros(n),
        "occupancy": np.ones(n),
        "hetero": ~is_polymer,
        "water": water,
        "residue_index": residue_index.astype(np.int64),
    }


def _elements(
    atoms: Any,
    atom_name: np.ndarray,
    res_name: np.ndarray,
    residue_index: np.ndarray,
    polymer_or_water: np.ndarray,
) -> np.ndarray:
    gemmi = import_optional("gemmi")
    n = len(atom_name)
    stated = np.asarray(atoms.elements, dtype=str) if hasattr(atoms, "elements") else None
    masses = np.asarray(atoms.masses, dtype=float) if hasattr(atoms, "masses") else None
    sizes = np.bincount(residue_index)[residue_index]
    by_weight = _elements_by_weight(masses) if masses is not None else None
    out = []
    for i in range(n):
        symbol = stated[i].strip().upper() if stated is not None else ""
        if not symbol and by_weight is not None and by_weight[i]:
            # a mass names the element of an ion, or of an atom whose name starts with it
            # (CL1 of 35.45 u); not otherwise: with hydrogen mass repartitioning an N bearing
            # one H weighs 11.99 u, the weight of carbon
            name = str(atom_name[i]).upper()
            if sizes[i] == 1 or name.startswith(by_weight[i]):
                symbol = by_weight[i]
        if not symbol and masses is not None and masses[i] == 0:
            symbol = "X"  # a virtual site or lone pair
        if not symbol:
            symbol = guess_element(
                str(atom_name[i]), str(res_name[i]), bool(polymer_or_water[i]), sizes[i] == 1
            )
        out.append(symbol if gemmi.Element(symbol).atomic_number > 0 else "X")
    return np.array(out, dtype="U2")


def _elements_by_weight(masses: np.ndarray) -> list[str]:
    """The element whose standard atomic weight a mass is ("" where none is within 0.02 u)."""
    gemmi = import_optional("gemmi")
    weights = np.array([gemmi.Element(z).weight for z in range(1, 87)])
    order = np.argsort(weights)
    sorted_weights = weights[order]
    symbols = np.array([gemmi.Element(int(z) + 1).name.upper() for z in order])
    # the nearest standard weight: one of the two around each mass
    right = np.clip(np.searchsorted(sorted_weights, masses), 1, len(order) - 1)
    left = right - 1
    nearest = np.where(masses - sorted_weights[left] <= sorted_weights[right] - masses, left, right)
    close = np.abs(masses - sorted_weights[nearest]) <= _MASS_TOLERANCE
    return [str(symbols[k]) if ok else "" for k, ok in zip(nearest, close, strict=True)]


def _chains(universe: Any, residue_index: np.ndarray, is_polymer: np.ndarray) -> np.ndarray:
    atoms = universe.atoms
    for attribute in ("chainIDs", "segids"):
        if hasattr(atoms, attribute):
            labels = np.asarray(getattr(atoms, attribute), dtype=str)
            if (labels != "").all() and not (labels == "SYSTEM").all():
                if hasattr(atoms, "molnums"):
                    labels = _split_copies(labels, np.asarray(atoms.molnums), is_polymer)
                return labels
    if not hasattr(atoms, "bonds") or len(atoms.bonds) == 0:
        return np.full(len(residue_index), "A")
    # One SYSTEM (Amber): a chain for each bonded polymer molecule, one for what lies between.
    fragment = np.asarray(atoms.fragindices)
    polymer_fragment = np.zeros(fragment.max() + 1, dtype=bool)
    polymer_fragment[fragment[is_polymer]] = True
    starts = np.r_[True, fragment[1:] != fragment[:-1]]
    in_polymer = polymer_fragment[fragment]
    new_chain = starts & (in_polymer | np.r_[False, in_polymer[:-1]])
    new_chain[0] = True
    number = np.cumsum(new_chain) - 1
    names = [chain_name(k) for k in range(int(number[-1]) + 1)]
    return np.array(names, dtype=str)[number]


def _split_copies(labels: np.ndarray, molecule: np.ndarray, is_polymer: np.ndarray) -> np.ndarray:
    """Chain labels of a GROMACS file, where every copy of a molecule type has the type's
    label: the second and later polymer molecules of a label get ``label2``, ``label3`` ..."""
    out = labels.astype(object)
    for label in np.unique(labels[is_polymer]):
        mask = (labels == label) & is_polymer
        copies = list(dict.fromkeys(molecule[mask].tolist()))
        for k, number in enumerate(copies[1:], start=2):
            out[mask & (molecule == number)] = f"{label}{k}"
    return out.astype(str)


def _insertion_codes(topology: Path, n_atoms: int) -> np.ndarray:
    """Insertion codes of PSF residue IDs such as ``36A`` (MDAnalysis keeps the number only)."""
    codes = np.full(n_atoms, "", dtype="U1")
    if topology.suffix.lower() != ".psf":
        return codes
    text = topology.read_text(errors="replace")
    match = _PSF_ATOMS.search(text)
    if match is None:
        return codes
    lines = text[match.end() :].split("\n", n_atoms + 1)[1 : n_atoms + 1]
    for i, line in enumerate(lines):
        fields = line.split()
        if len(fields) > 2 and fields[2][-1:].isalpha():
            codes[i] = fields[2][-1]
    return codes
