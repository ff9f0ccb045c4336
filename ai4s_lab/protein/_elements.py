"""Elements of PDB atom records that do not state one (columns 77–78 blank or not an element).

PDB files written by CHARMM, NAMD, GROMACS, Amber and older programs often leave the element
columns blank. A reader then guesses the element from the alignment of the atom name: by the
PDB convention a two-letter element starts in column 13 (``"CA  "`` calcium) and a one-letter
element in column 14 (``" CA "`` Cα). Simulation programs do not follow it: CHARMM writes every
name from column 13 (``"CA  "`` is a Cα, ``"HG1 "`` a hydrogen, ``"CD  "`` a carbon) and GROMACS
writes ions from column 14 (``" NA "`` is sodium). Read by the alignment, such a protein has
calcium, mercury and cadmium atoms and no Cα at all.

:func:`fill_pdb_elements` writes an element into the records that lack one, from the atom name
read in the context of its residue, as GROMACS and MDAnalysis do: in amino acids, nucleotides
and waters the first letter of the name (``SE`` of selenomethionine is selenium); a residue of
one atom is an ion named by its element (``NA``, ``CL``, ``ZN``; CHARMM's ``SOD``, ``CLA``); in
other molecules (ligands) a name aligned by the PDB convention is read by it, and a
left-aligned name by its first letter unless it starts with the symbol of a halogen or a metal
common in cofactors (``CL1``, ``BR``, ``FE`` of a haem) or calcium. A residue the PDB dictionary
does not know (nor the force-field names of
:func:`~ai4s_lab.protein._residue_names.md_residue_letter`) is read as a ligand.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ai4s_lab._optional import import_optional
from ai4s_lab.protein._residue_names import md_residue_letter

__all__ = ["WATER_NAMES", "fill_pdb_elements", "is_water_name"]

# Water residue names of the common force fields and water models (CHARMM's TIP3 is read as
# TIP by PDB readers that take three columns of the residue name).
WATER_NAMES = frozenset(
    {"SOL", "WAT", "HOH", "H2O", "TIP", "TIP3", "TIP4", "TIP5", "TP3", "T3P", "T4P", "T5P", "SPC"}
)
# CHARMM / GROMACS ion residue names that are not element symbols.
ION_NAMES = {
    "SOD": "NA", "CLA": "CL", "POT": "K", "CAL": "CA", "CES": "CS", "LIT": "LI", "RUB": "RB",
    "ZN2": "ZN", "MG2": "MG", "CA2": "CA", "NA+": "NA", "CL-": "CL", "K+": "K",
}  # fmt: skip
# Two-letter elements whose symbol starts a left-aligned ligand atom name: halogens, calcium
# and the metals of common cofactors (haem FE, chlorophyll MG). Other two-letter starts (CD,
# CE, HG, ND, NE, OG ...) are names of carbons, hydrogens, nitrogens and oxygens.
_LIGAND_TWO_LETTER = frozenset({"CL", "BR", "CA", "FE", "MG", "ZN", "MN", "CU", "SE"})
_RECORDS = ("ATOM  ", "HETATM")
# AutoDock atom types of PDBQT files that are not element symbols, or not the element they spell.
_AUTODOCK_TYPES = frozenset({"A", "NA", "NS", "OA", "OS", "SA", "HD", "HS"})


def is_water_name(name: str) -> bool:
    """Whether a residue name is that of a water of a common force field or water model."""
    return name.strip().upper() in WATER_NAMES


def fill_pdb_elements(text: str, *, autodock: bool = False) -> str:
    """PDB text whose ATOM/HETATM records all state an element in columns 77–78.

    Records that state a known element are kept as they are; the text is returned unchanged
    where all do. See the module docstring for how a missing element is read from the name.
    With ``autodock`` (a PDBQT file) the columns hold AutoDock atom types, whose ``NA``
    (acceptor nitrogen), ``OA``, ``SA``, ``HD`` and ``A`` (aromatic carbon) are not elements.
    """
    lines = text.split("\n")
    ignored = _AUTODOCK_TYPES if autodock else frozenset()
    missing = [
        i
        for i, line in enumerate(lines)
        if line[:6] in _RECORDS and (_lacks(line) or line[76:78].strip() in ignored)
    ]
    if not missing:
        return text
    sizes = _residue_sizes(lines)
    polymer = _polymer_names({lines[i][17:21].strip() for i in missing})
    for i in missing:
        line = lines[i]
        element = _element(line[12:16], line[17:21].strip(), polymer, sizes[i] == 1)
        lines[i] = f"{line[:76].ljust(76)}{element:>2}{line[78:]}"
    return "\n".join(lines)


def _lacks(line: str) -> bool:
    """Whether a record states no element, or one that is no element (``"A"`` of PDBQT)."""
    symbol = line[76:78].strip()
    return not symbol or not _is_element(symbol)


@lru_cache(maxsize=256)
def _is_element(symbol: str) -> bool:
    gemmi = import_optional("gemmi")
    return bool(gemmi.Element(symbol).atomic_number > 0)


def _residue_sizes(lines: list[str]) -> dict[int, int]:
    """For each atom record (line index), how many records its residue has."""
    sizes: dict[int, int] = {}
    group: list[int] = []
    key: tuple[str, ...] | None = None
    for i, line in enumerate(lines):
        if line[:6] not in _RECORDS:
            if line[:6] in ("TER   ", "MODEL ", "ENDMDL", "END   ", "END"):
                key = None  # a new model or molecule starts a new residue
            continue
        # chain, number and insertion code, residue name, segment
        this = (line[21], line[22:27], line[17:21].strip(), line[72:76])
        if this != key:
            for j in group:
                sizes[j] = len(group)
            group, key = [], this
        group.append(i)
    for j in group:
        sizes[j] = len(group)
    return sizes


def _polymer_names(names: set[str]) -> set[str]:
    """The residue names among ``names`` of amino acids and nucleotides (with force-field
    variants such as ``HSD``, ``HIE``, ``NALA``) and of waters."""
    gemmi = import_optional("gemmi")
    out = set()
    for name in names:
        if is_water_name(name) or md_residue_letter(name) is not None:
            out.add(name)
            continue
        info = gemmi.find_tabulated_residue(name)
        if info is not None and (info.is_amino_acid() or info.is_nucleic_acid() or info.is_water()):
            out.add(name)
    return out


def _element(name: str, residue: str, polymer: set[str], single: bool) -> str:
    """The element of an atom named ``name`` (the four columns 13–16) in ``residue``."""
    letters = re.sub(r"[^A-Za-z]", "", name).upper()
    if not letters:
        return "X"
    if residue in polymer:
        if letters == "SE":
            return "SE"
        return letters[0] if _is_element(letters[0]) else "X"  # "MW": a TIP4P virtual site
    if single:  # an ion: its name (or its residue's) is its element
        for candidate in (ION_NAMES.get(residue.upper()), ION_NAMES.get(letters), letters):
            if candidate and _is_element(candidate):
                return candidate
    if letters[:2] in _LIGAND_TWO_LETTER and not (name[:1] == " " or name[:1].isdigit()):
        return letters[:2]  # left-aligned, as the PDB convention puts two-letter elements
    return letters[0] if _is_element(letters[0]) else "X"
