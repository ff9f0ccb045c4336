"""Keeping the molecules of a structure file apart once gemmi has read it.

PDB files written by simulation programs (CHARMM, NAMD, GROMACS, Amber) often leave the chain
identifier blank and tell their molecules apart by ``TER`` records or by segment identifiers
(columns 73–76). gemmi puts atoms of the same chain name and residue number into one residue,
and its ``remove_alternative_conformations`` keeps one residue of each number and one atom of
each name, whether or not the atoms had alternate locations, so a second copy of a molecule
would vanish. :func:`name_blank_chains` gives such molecules chain names of their own and
:func:`keep_first_conformers` removes only the atoms that have an alternate location.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterator
from typing import Any

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import DataFileError

__all__ = [
    "in_file_order",
    "keep_first_conformers",
    "name_blank_chains",
    "number_cif_rows",
    "number_pdb_records",
]

#: Names given, in this order, to molecules without a chain name (then two characters, ...).
_NEW_CHAIN_NAMES = string.ascii_uppercase + string.ascii_lowercase + string.digits
_SEPARATE_MOLECULES = (
    "give each molecule its own chain ID (column 22), or end each with a TER record, or give "
    "each its own segment ID (columns 73-76)"
)


def name_blank_chains(st: Any, label: str) -> None:
    """Name the molecules of a PDB file read with ``split_chain_on_ter=True`` apart.

    In every model, chains with a blank name are split where the segment identifier changes
    and named by it (``"PROT"``, ``"P1"``). Blank-named parts left (those without a segment
    identifier) that reuse residue numbers of the part before them are other molecules
    (another copy of a protein after a ``TER`` record): each such group gets a chain name not
    used in the file (``A``, ``B``, ...). A single blank-named molecule keeps its blank name.

    Raises
    ------
    DataFileError
        Two parts with the same non-blank chain name (separated by ``TER``) hold amino-acid
        or nucleotide residues of the same number: the file does not say which is which.
    """
    for model in st:
        _split_by_segment(model)
        _rename_repeated_blank_chains(model)
        _refuse_repeated_named_chains(model, label)


def keep_first_conformers(st: Any, label: str, *, keep_all: bool = False) -> None:
    """Remove the alternate locations but the first of each atom (unless ``keep_all``), and
    the residues of microheterogeneity but the first, in place; refuse polymer residues that
    hold two atoms of one name without alternate locations.

    Unlike gemmi's ``remove_alternative_conformations``, atoms and residues without an
    alternate location are never removed: a residue number used twice in a chain is a
    microheterogeneity only where both residues have alternate locations.

    Raises
    ------
    DataFileError
        An amino-acid or nucleotide residue holds two atoms of one name, neither with an
        alternate location (two molecules read into one residue).
    """
    for model in st:
        for chain in model:
            if not keep_all:
                _drop_microheterogeneity(chain)
            for residue in chain:
                _first_atoms(residue, chain.name, label, keep_all)


def _split_by_segment(model: Any) -> None:
    """Split blank-named chains where the segment identifier changes; name them by it."""
    blank = [chain for chain in model if not chain.name.strip()]
    if not any(residue.segment.strip() for chain in blank for residue in chain):
        return
    gemmi = import_optional("gemmi")
    parts: list[Any] = []
    for chain in model:
        if chain.name.strip():
            parts.append(chain.clone())
            continue
        segment: str | None = None
        for residue in chain:
            name = residue.segment.strip()
            if segment is None or name != segment:
                parts.append(gemmi.Chain(name))
                segment = name
            parts[-1].add_residue(residue)
    del model[:]
    for part in parts:
        model.add_chain(part)


def _rename_repeated_blank_chains(model: Any) -> None:
    """Give groups of blank-named chains that reuse residue numbers names of their own."""
    blank = [chain for chain in model if not chain.name.strip()]
    if len(blank) < 2:
        return
    groups: list[list[Any]] = []
    numbers: set[tuple[int, str]] = set()
    for chain in blank:
        keys = {(residue.seqid.num, residue.seqid.icode) for residue in chain}
        if not groups or keys & numbers:
            groups.append([])
            numbers = set()
        groups[-1].append(chain)
        numbers |= keys
    if len(groups) < 2:
        return
    names = _unused_names({chain.name for chain in model})
    for group in groups:
        name = next(names)
        for chain in group:
            chain.name = name


def _unused_names(used: set[str]) -> Iterator[str]:
    """Chain names not in ``used``: one character, then two, and so on."""
    for size in itertools.count(1):
        for letters in itertools.product(_NEW_CHAIN_NAMES, repeat=size):
            name = "".join(letters)
            if name not in used:
                yield name


def _refuse_repeated_named_chains(model: Any, label: str) -> None:
    """Refuse parts of one named chain whose polymer residues share numbers."""
    names = [chain.name for chain in model]
    seen: dict[str, set[tuple[int, str]]] = {}
    for chain in model:
        if not chain.name.strip() or names.count(chain.name) < 2:
            continue
        keys = {(r.seqid.num, r.seqid.icode) for r in chain if _is_polymer_residue(r)}
        earlier = seen.setdefault(chain.name, set())
        repeated = sorted(keys & earlier)
        if repeated:
            num, icode = repeated[0]
            raise DataFileError(
                label,
                f"chain {chain.name} appears again after a TER record with the residue numbers "
                f"of its first part ({len(repeated)} repeated, e.g. {num}{icode.strip()}): two "
                "molecules share the chain name",
                hint=_SEPARATE_MOLECULES,
            )
        earlier |= keys


def _drop_microheterogeneity(chain: Any) -> None:
    """Remove a residue whose number an earlier residue of the chain has, where both have
    alternate locations (a microheterogeneity: two residue types at one position)."""
    first_has_altloc: dict[tuple[int, str], bool] = {}
    i = 0
    while i < len(chain):
        residue = chain[i]
        key = (residue.seqid.num, residue.seqid.icode)
        alternate = any(atom.has_altloc() for atom in residue)
        if alternate and first_has_altloc.get(key, False):
            del chain[i]
            continue
        first_has_altloc.setdefault(key, alternate)
        i += 1


def _first_atoms(residue: Any, chain: str, label: str, keep_all: bool) -> None:
    """Keep the first alternate location of each atom name (all with ``keep_all``); refuse
    a polymer residue with two heavy atoms of one name and no alternate location."""
    names: set[str] = set()
    plain: set[str] = set()
    i = 0
    while i < len(residue):
        atom = residue[i]
        name = atom.name
        if atom.has_altloc():
            if not keep_all:
                if name in names:
                    del residue[i]
                    continue
                atom.altloc = "\0"
        elif name in plain and not atom.is_hydrogen() and _is_polymer_residue(residue):
            # (some programs give every hydrogen of a residue the same name: kept, not refused)
            raise DataFileError(
                label,
                f"residue {residue.name} {residue.seqid.num}{residue.seqid.icode.strip()} "
                f"{f'of chain {chain}' if chain.strip() else 'without a chain ID'} holds two "
                f"atoms named {name} without alternate locations: two molecules were read "
                "into one residue",
                hint=_SEPARATE_MOLECULES,
            )
        else:
            plain.add(name)
        names.add(name)
        i += 1


def _is_polymer_residue(residue: Any) -> bool:
    """Whether a residue is an amino acid or a nucleotide (known to the PDB dictionary, or
    holding a Cα)."""
    gemmi = import_optional("gemmi")
    info = gemmi.find_tabulated_residue(residue.name)
    if info is not None and (info.is_amino_acid() or info.is_nucleic_acid()):
        return True
    return residue.find_atom("CA", "*", gemmi.Element("C")) is not None


# -- file order ---------------------------------------------------------------------------------
_HYBRID36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def in_file_order(st: Any) -> bool:
    """Whether the atoms of the first model, as gemmi holds them, are in the order of their
    serial numbers. gemmi files every atom under its residue: where a residue's atoms are apart
    in the file (hydrogens listed after all heavy atoms), it moves them together."""
    last = -1
    for chain in st[0]:
        for residue in chain:
            for atom in residue:
                if atom.serial < last:
                    return False
                last = atom.serial
    return True


def number_pdb_records(text: str) -> str:
    """PDB text whose ATOM/HETATM records are numbered 1, 2, ... in file order, in every model
    (hybrid-36 past 99,999, as gemmi reads them), so that serial numbers give the file order."""
    lines = text.split("\n")
    count = 0
    for i, line in enumerate(lines):
        if line.startswith("MODEL"):
            count = 0
        elif line[:6] in ("ATOM  ", "HETATM"):
            count += 1
            lines[i] = f"{line[:6]}{_hybrid36(count)}{line[11:]}"
    return "\n".join(lines)


def number_cif_rows(st: Any, block: Any) -> None:
    """Give the atoms of the first model of an mmCIF structure their row number in
    ``_atom_site`` as serial number, in place, where the ``_atom_site.id`` values of that model
    are distinct integers (else leave them)."""
    ids = list(block.find_values("_atom_site.id"))
    models = list(block.find_values("_atom_site.pdbx_PDB_model_num")) or ["1"] * len(ids)
    first = models[0] if models else "1"
    row_of: dict[int, int] = {}
    for row, (ident, model) in enumerate(zip(ids, models, strict=False)):
        if model != first:
            continue
        try:
            key = int(ident)
        except ValueError:
            return
        if key in row_of:
            return
        row_of[key] = row
    for chain in st[0]:
        for residue in chain:
            for atom in residue:
                if atom.serial not in row_of:
                    return
    for chain in st[0]:
        for residue in chain:
            for atom in residue:
                atom.serial = row_of[atom.serial]


def _hybrid36(number: int) -> str:
    """A serial number in the five columns of a PDB record (hybrid-36 past 99,999)."""
    if number < 100_000:
        return f"{number:5d}"
    value = number - 100_000 + 10 * 36**4
    digits = ""
    while value:
        value, rest = divmod(value, 36)
        digits = _HYBRID36[rest] + digits
    return digits
