"""GROMACS ``.gro`` coordinate files (one or several frames) read into a :class:`Structure`.

A ``.gro`` file holds, per frame, a title line, an atom count, one fixed-column line an atom
(residue number and name, atom name and number, position in nm and optionally velocities) and a
box line. The precision of the positions is free: their width is the distance between the
decimal points of the first atom line (8 columns for GROMACS's default ``%8.3f``). It has no
chains, elements or B-factors: chains start where the residue numbering goes down (a new
molecule numbered from 1, or numbers past 99,999 wrapping to 0), elements come from the atom
names, and B-factors are 0.

Neither MDAnalysis (one frame only) nor biotite (fixed ``%8.3f`` columns, ``NA``/``CL`` ions read
as nitrogen/carbon) reads every ``.gro`` file a user has, hence this reader.

References
----------
.. [1] GROMACS manual, "File formats: gro",
   https://manual.gromacs.org/current/reference-manual/file-formats.html#gro
"""

from __future__ import annotations

import re
import string
from typing import Any

import numpy as np

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import DataFileError
from ai4s_lab.protein._elements import ION_NAMES as _ION_NAMES
from ai4s_lab.protein._elements import WATER_NAMES
from ai4s_lab.protein._residue_names import md_residue_letter

__all__ = ["chain_name", "guess_element", "looks_like_gro", "polymer_names", "read_gro"]

_NM = 10.0  # Å a nm
_CHAIN_NAMES = string.ascii_uppercase + string.ascii_lowercase + string.digits
_TIME = re.compile(r"\bt\s*=\s*([-+0-9.eE]+)")
_LINE = re.compile(r"^\s*\d+\s*$")


def looks_like_gro(text: str) -> bool:
    """Whether text starts like a ``.gro`` file: a title line, then a line with one integer."""
    lines = text.lstrip("\n").split("\n", 3)
    return len(lines) > 2 and bool(_LINE.match(lines[1])) and not lines[0].startswith("data_")


def read_gro(text: str, label: str) -> dict[str, Any]:
    """Parse ``.gro`` text into the columns of a :class:`Structure` (coordinates in Å).

    Raises
    ------
    DataFileError
        A malformed, truncated or empty file, or frames that hold different atoms; the message
        names the line.
    """
    lines = text.splitlines()
    starts: list[int] = []
    frames: list[np.ndarray] = []
    times: list[float | None] = []
    cells: list[np.ndarray | None] = []
    first: list[str] = []
    pos = 0
    while pos < len(lines):
        if not lines[pos].strip() and all(not line.strip() for line in lines[pos:]):
            break
        count = _atom_count(lines, pos, label)
        atom_lines = lines[pos + 2 : pos + 2 + count]
        if len(atom_lines) < count or pos + 2 + count >= len(lines):
            raise DataFileError(
                label,
                f"frame {len(frames) + 1} announces {count} atoms but the file ends after "
                f"{len(atom_lines)}: truncated file?",
                line=len(lines),
            )
        if not frames:
            first = atom_lines
        elif [line[5:15] for line in atom_lines] != [line[5:15] for line in first]:
            raise DataFileError(
                label,
                f"frame {len(frames) + 1} holds other atoms than frame 1; every frame must hold "
                "the same atoms",
                line=pos + 1,
            )
        frames.append(_positions(atom_lines, pos + 3, label))
        time = _TIME.search(lines[pos])
        times.append(float(time.group(1)) if time else None)
        cells.append(_cell(lines[pos + 2 + count]))
        starts.append(pos)
        pos += count + 3
    if not frames or not first:
        raise DataFileError(label, "holds no atoms (read as GROMACS .gro)")
    columns = _topology(first, starts[0] + 3, label)
    columns["coords"] = np.stack(frames)
    columns["times"] = None if None in times else np.array(times, dtype=float)
    columns["cells"] = None if any(c is None for c in cells) else np.stack(cells)  # type: ignore[arg-type]
    return columns


def _cell(line: str) -> np.ndarray | None:
    """``[a, b, c, α, β, γ]`` (Å, degrees) of a box line: ``v1(x) v2(y) v3(z)`` and, for a
    triclinic box, ``v1(y) v1(z) v2(x) v2(z) v3(x) v3(y)`` (nm); None where it is not one."""
    try:
        values = [float(v) for v in line.split()]
    except ValueError:
        return None
    if len(values) not in (3, 9):
        return None
    values += [0.0] * (9 - len(values))
    vectors = _NM * np.array(
        [
            [values[0], values[3], values[4]],
            [values[5], values[1], values[6]],
            [values[7], values[8], values[2]],
        ]
    )
    lengths = np.linalg.norm(vectors, axis=1)
    if np.any(lengths <= 0):
        return None
    pairs = ((1, 2), (0, 2), (0, 1))  # α between b and c, β between a and c, γ between a and b
    angles = [
        np.degrees(np.arccos(np.clip(vectors[i] @ vectors[j] / (lengths[i] * lengths[j]), -1, 1)))
        for i, j in pairs
    ]
    return np.array([*lengths, *angles])


def _atom_count(lines: list[str], pos: int, label: str) -> int:
    if pos + 1 >= len(lines):
        raise DataFileError(label, "ends after a title line: truncated .gro file?", line=pos + 1)
    try:
        count = int(lines[pos + 1].strip())
    except ValueError:
        raise DataFileError(
            label,
            f"expected the number of atoms on line 2 of a .gro frame, found "
            f"{lines[pos + 1].strip()[:40]!r}",
            line=pos + 2,
        ) from None
    if count < 0:
        raise DataFileError(label, f"negative atom count {count}", line=pos + 2)
    return count


def _positions(atom_lines: list[str], first_line: int, label: str) -> np.ndarray:
    """Positions (Å) of one frame; the field width is the distance between decimal points."""
    if not atom_lines:
        return np.empty((0, 3))
    dots = [i for i, char in enumerate(atom_lines[0]) if char == "." and i >= 20][:3]
    steps = np.diff(dots) if len(dots) == 3 else np.array([0, 1])
    width = int(steps[0]) if steps[0] == steps[1] and steps[0] >= 5 else 8
    out = np.empty((len(atom_lines), 3))
    for i, line in enumerate(atom_lines):
        try:
            out[i] = [float(line[20 + k * width : 20 + (k + 1) * width]) for k in range(3)]
        except ValueError:
            raise DataFileError(
                label,
                f"columns {21}-{20 + 3 * width} do not hold three positions (nm): "
                f"{line[20 : 20 + 3 * width].strip()!r}",
                line=first_line + i,
            ) from None
    return out * _NM


def _topology(atom_lines: list[str], first_line: int, label: str) -> dict[str, Any]:
    res_seq, res_name, atom_name = [], [], []
    for i, line in enumerate(atom_lines):
        try:
            res_seq.append(int(line[0:5]))
        except ValueError:
            raise DataFileError(
                label,
                f"residue number {line[0:5].strip()!r} is not an integer",
                line=first_line + i,
            ) from None
        res_name.append(line[5:10].strip())
        atom_name.append(line[10:15].strip())
    seq = np.array(res_seq, dtype=np.int64)
    names = np.array(res_name, dtype="U5")
    new_residue = np.r_[True, (seq[1:] != seq[:-1]) | (names[1:] != names[:-1])]
    residue_index = np.cumsum(new_residue) - 1
    starts = np.flatnonzero(new_residue)
    # a chain starts where the numbering goes down (a new molecule, or a wrap past 99,999)
    new_chain = np.r_[True, seq[starts[1:]] < seq[starts[:-1]]]
    chain_of_residue = np.cumsum(new_chain) - 1
    chain_id = np.array([chain_name(c) for c in chain_of_residue], dtype=str)[residue_index]
    sizes = np.diff(np.r_[starts, len(seq)])
    polymer = polymer_names(set(res_name))
    element = [
        guess_element(atom, res, res in polymer or res.upper() in WATER_NAMES, size == 1)
        for atom, res, size in zip(atom_name, res_name, sizes[residue_index], strict=True)
    ]
    n = len(seq)
    return {
        "atom_name": np.array(atom_name, dtype=str),  # 5 columns: not cut to 4
        "element": np.array(element, dtype="U2"),
        "res_name": names,
        "res_seq": seq,
        "ins_code": np.full(n, "", dtype="U1"),
        "chain_id": chain_id,
        "altloc": np.full(n, "", dtype="U1"),
        "b_factor": np.zeros(n),
        "occupancy": np.ones(n),
        "hetero": ~np.isin(names, sorted(polymer)),
        "water": np.isin(np.char.upper(names), sorted(WATER_NAMES)),
        "residue_index": residue_index.astype(np.int64),
    }


def chain_name(k: int) -> str:
    return _CHAIN_NAMES[k] if k < len(_CHAIN_NAMES) else f"{_CHAIN_NAMES[k % 62]}{k // 62}"


def polymer_names(names: set[str]) -> set[str]:
    """Residue names of amino acids and nucleotides, with force-field variants (Amber's
    N-/C-terminal ``NALA``/``CGLY``, protonation states such as ``HIE``)."""
    gemmi = import_optional("gemmi")
    out = set()
    for name in names:
        if md_residue_letter(name) is not None:
            out.add(name)
            continue
        info = gemmi.find_tabulated_residue(name)
        if info is not None and (info.is_amino_acid() or info.is_nucleic_acid()):
            out.add(name)
    return out


def guess_element(atom: str, residue: str, polymer_or_water: bool, single: bool) -> str:
    """The element of an atom from its name (``.gro`` files have no element column)."""
    gemmi = import_optional("gemmi")
    letters = re.sub(r"[^A-Za-z]", "", atom).upper()
    if single and not polymer_or_water:  # an ion: its name is its element
        for candidate in (
            _ION_NAMES.get(residue.upper()),
            _ION_NAMES.get(atom.upper()),
            letters,
            re.sub(r"[^A-Za-z]", "", residue).upper(),
        ):
            if candidate and gemmi.Element(candidate).atomic_number > 0:
                return candidate
    # In molecules the first letter, as GROMACS does: lipid carbons are named CLA, CLB ...
    # (a ligand's chlorine named CL1 is read as carbon: .gro files cannot tell them apart).
    return letters[:1] or "X"
