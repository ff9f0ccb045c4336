"""Reading structure files: PDB, mmCIF, GROMACS ``.gro`` and PQR (plain, ``.gz``, ``.bz2`` or
``.xz``) into a :class:`~ai4s_lab.protein.Structure`, with gemmi.

The reader keeps what simulation and prediction programs put in such files: atoms in file order
(the order of a trajectory), elements of records that leave them blank, chains named by segment
IDs or ``TER`` records, alternate locations, and the headers that mark a predicted model.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import DataFileError, InputError
from ai4s_lab.protein._elements import fill_pdb_elements, is_water_name
from ai4s_lab.protein._md_topology import md_topology_kind
from ai4s_lab.protein._molecules import (
    in_file_order,
    keep_first_conformers,
    name_blank_chains,
    number_cif_rows,
    number_pdb_records,
)
from ai4s_lab.protein._predicted import looks_predicted
from ai4s_lab.protein.structure import Structure

__all__ = ["load_structure"]

_FORMATS = {
    "pdb": "pdb",
    "ent": "pdb",
    "cif": "mmcif",
    "mmcif": "mmcif",
    "pdbx": "mmcif",
    "gro": "gro",
    "pqr": "pqr",
}
_CIF_LINE = re.compile(r":(\d+):\d+")
# Compressed files read, by extension.
_COMPRESSED = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}
# An atom told apart from every other of its model: chain, residue number, insertion code,
# residue name, atom name, alternate location, and how many such atoms came before it.
_AtomKey = tuple[str, int, str, str, str, str, int]


def load_structure(
    source: str | Path,
    format: str | None = None,
    *,
    altloc: str = "first",
    water: bool = True,
    hydrogens: bool = True,
    predicted: bool | None = None,
) -> Structure:
    """Read a PDB, mmCIF, GROMACS ``.gro`` or PQR file (plain, ``.gz``, ``.bz2`` or ``.xz``), or
    such text, into a
    :class:`Structure`.

    Parameters
    ----------
    source
        A path, or the text of a PDB, mmCIF or ``.gro`` file (a string with a newline in it).
    format
        ``"pdb"``, ``"mmcif"``, ``"gro"`` or ``"pqr"``; by default from the file name
        (``.pdbx`` is mmCIF), else from the content (text whose first line that is not a ``#``
        comment starts with ``data_`` is mmCIF, a title line then an atom count is ``.gro``).
        A PQR file (PDB2PQR) is read as PDB from its whitespace-separated fields, without
        its charges and radii. Where a PDB record leaves the element columns blank (files
        written by simulation programs), the element is read from the atom name in the context
        of its residue, not from the name's alignment. A ``.gro`` file's frames are the
        models, its positions are converted from nm to Å, chains start where the residue
        numbering goes down, elements come from the atom names and ``metadata["time_ps"]``
        holds the frame times of the titles (``t= ...``). PDB files from simulations often
        leave chain IDs blank: there a segment ID (columns 73–76) names the chain, and
        molecules that follow a ``TER`` record with the residue numbers of the one before (two
        copies of a protein) get chain names not used in the file (``A``, ``B`` ...); one
        molecule without chain or segment ID keeps the blank name. Waters of force fields
        (``SOL``, ``TIP3``, ``SPC`` ...) are waters. Atoms keep the order of the file (the
        order of a trajectory), also where a residue's atoms are apart in it.
    altloc
        ``"first"`` keeps the first alternate location of each atom with one (and the first
        residue of a microheterogeneity); ``"all"`` keeps every one (then one residue can hold
        two atoms of the same name). Atoms without an alternate location are always kept.
    water
        Keep water molecules.
    hydrogens
        Keep hydrogen (and deuterium) atoms.
    predicted
        Whether this is a predicted model with pLDDT in the B-factor column. ``None`` (default)
        recognises AlphaFold, ESMFold, ColabFold, OpenFold and Uni-Fold files from their headers
        (or ModelCIF ``_ma_qa_metric``) and, failing that, from B-factors that are equal within
        each residue (of several atoms), lie in 0–1 or 0–100 and rise with the packing of the
        residues, as pLDDT does (B-factors fall with it, also where refinement grouped them one
        a residue); a headerless model of fewer than 10 residues is not recognised. A file that
        states an experimental method (``EXPDTA`` / ``_exptl.method``: X-ray, NMR, EM ...) is
        never taken for a predicted model, even where its header names a predictor; pass
        ``predicted=True`` to override.

    Returns
    -------
    Structure

    Raises
    ------
    DataFileError
        The file is empty, binary, truncated, malformed or holds no atoms; the message names
        the file and, where known, the line. Also where two molecules share a chain ID and
        residue numbers with nothing (``TER``, segment ID) to tell them apart.
    FileNotFoundError
        The path does not exist.
    """
    gemmi = import_optional("gemmi")
    text, label, path = _read_text(source)
    fmt = _guess_format(label, text, format)
    if altloc not in ("first", "all"):
        raise InputError(f"altloc={altloc!r} is not an option; use 'first' or 'all'")
    if fmt == "gro":
        structure = _load_gro(text, label, water=water, hydrogens=hydrogens)
        structure.name = path.name.split(".")[0] if path is not None else ""
        structure.predicted = bool(predicted)
        return structure
    if fmt == "pqr":
        from ai4s_lab.protein._pqr import pqr_to_pdb

        text = pqr_to_pdb(text, label)
    if fmt in ("pdb", "pqr"):
        _check_pdb_records(text, label)
        # simulation programs leave the element columns blank and align names their own way:
        # read by the PDB convention, CHARMM's Cα "CA  " would be calcium
        autodock = any(label.lower().endswith(".pdbqt" + end) for end in ("", *_COMPRESSED))
        text = fill_pdb_elements(text, autodock=autodock)
        try:
            # TER records end molecules: two copies of a protein with blank chain names are two
            # chains, not one chain with every atom twice
            st = gemmi.read_pdb_string(text, split_chain_on_ter=True)
            if not in_file_order(st):
                # a residue's atoms apart in the file (hydrogens after all heavy atoms), or
                # serial numbers out of order: number the records in file order and read again
                st = gemmi.read_pdb_string(number_pdb_records(text), split_chain_on_ter=True)
        except (RuntimeError, ValueError) as err:
            raise DataFileError(label, f"gemmi cannot read it as PDB: {err}") from err
        name_blank_chains(st, label)
    else:
        try:
            block = gemmi.cif.read_string(text).sole_block()
            st = gemmi.make_structure_from_block(block)
            if len(st) and not in_file_order(st):
                number_cif_rows(st, block)
        except (RuntimeError, ValueError) as err:
            match = _CIF_LINE.search(str(err))
            line = int(match.group(1)) if match else None
            message = str(err).split(": ", 1)[-1]
            raise DataFileError(label, f"malformed mmCIF: {message}", line=line) from err
    st.setup_entities()
    keep_first_conformers(st, label, keep_all=altloc == "all")
    if not water:
        _remove_waters(st)
    if not hydrogens:
        st.remove_hydrogens()
    st.remove_empty_chains()
    structure = _from_gemmi(st, label, fmt)
    if path is not None:
        structure.name = path.name.split(".")[0]
    else:
        entry = dict(st.info.items()).get("_entry.id", "")
        structure.name = entry or (st.name if st.name != "string" else "")
    if predicted is None:
        # gemmi fills meta.experiments from REMARK 200/230/240 (or _exptl in mmCIF); a PDB
        # file's EXPDTA record (NMR and EM entries often have no such REMARK) is in info.
        stated = [str(exp.method) for exp in st.meta.experiments]
        stated += dict(st.info.items()).get("_exptl.method", "").split(";")
        methods = list(dict.fromkeys(m.strip().upper() for m in stated if m.strip()))
        structure.metadata["methods"] = methods
        predicted = looks_predicted(text, fmt, structure, methods)
    structure.predicted = bool(predicted)
    return structure


# -- reading -----------------------------------------------------------------------------------
def _read_text(source: str | Path) -> tuple[str, str, Path | None]:
    if isinstance(source, bytes):
        raise InputError(
            "load_structure got bytes; give a path, or the file's text (bytes.decode())"
        )
    if not isinstance(source, (str, Path)):
        raise InputError(
            f"load_structure got a {type(source).__name__}; give a path or the file's text"
        )
    if isinstance(source, str) and (
        "\n" in source or "\r" in source or source.lstrip("\ufeff").startswith("data_")
    ):
        return _plain_lines(source), "<text>", None
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"structure file {str(path)!r} does not exist")
    if path.is_dir():
        raise DataFileError(path, "is a folder, not a structure file")
    kind = md_topology_kind(path)
    if kind is not None:
        raise DataFileError(
            path,
            f"is {kind[0]} topology: it names the atoms but holds no coordinates to read as a "
            "structure",
            hint=f"read it with its trajectory: load_trajectory({str(path)!r}, 'trajectory.dcd') "
            "(DCD, XTC, TRR, Amber NetCDF, or one frame as .gro/.pdb)",
        )
    raw = path.read_bytes()
    raw = _decompressed(raw, path)
    if not raw.strip():
        raise DataFileError(path, "is empty", hint="expected a PDB or mmCIF file")
    if b"\x00" in raw[:65536]:
        raise DataFileError(path, "is binary, not a PDB or mmCIF text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older files carry Latin-1 bytes in REMARK or author lines; the records gemmi reads
        # are ASCII, so Latin-1 (which decodes every byte) loses nothing of the structure.
        text = raw.decode("latin-1")
    return _plain_lines(text), str(path), path


def _decompressed(raw: bytes, path: Path) -> bytes:
    """The bytes of a gzip, bzip2 or xz file (known by its extension) uncompressed."""
    kind = _COMPRESSED.get(path.suffix.lower())
    if kind is None:
        return raw
    try:
        if kind == "gzip":
            return gzip.decompress(raw)
        if kind == "bzip2":
            return bz2.decompress(raw)
        return lzma.decompress(raw)
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as err:
        raise DataFileError(path, f"not a valid {kind} file ({err})") from err


def _plain_lines(text: str) -> str:
    """Text without a byte-order mark, with ``\n`` line ends (CRLF and old Mac CR files)."""
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _guess_format(label: str, text: str, format: str | None) -> str:
    if format is not None:
        key = format.lower().lstrip(".")
        if key not in _FORMATS:
            raise InputError(
                f"format={format!r} is not supported; use 'pdb', 'mmcif', 'gro' or 'pqr'"
            )
        return _FORMATS[key]
    name = label.lower()
    for suffix in _COMPRESSED:
        name = name.removesuffix(suffix)
    for ext, fmt in _FORMATS.items():
        if name.endswith("." + ext):
            if fmt == "pdb" and _starts_like_cif(text) and "_atom_site." in text:
                return "mmcif"  # an mmCIF file named .pdb (downloads renamed by hand)
            return fmt
    if _starts_like_cif(text):
        return "mmcif"
    from ai4s_lab.protein._gro import looks_like_gro

    return "gro" if looks_like_gro(text) else "pdb"


def _starts_like_cif(text: str) -> bool:
    """Whether the first line that is not blank or a ``#`` comment opens a CIF data block."""
    for line in text.lstrip().split("\n", 50)[:50]:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.startswith("data_")
    return False


def _load_gro(text: str, label: str, *, water: bool, hydrogens: bool) -> Structure:
    """A :class:`Structure` from ``.gro`` text, less the waters/hydrogens not wanted."""
    from ai4s_lab.protein._gro import read_gro

    columns = read_gro(text, label)
    coords, times, cells = columns.pop("coords"), columns.pop("times"), columns.pop("cells")
    keep = np.ones(len(columns["atom_name"]), dtype=bool)
    if not water:
        keep &= ~columns["water"]
    if not hydrogens:
        keep &= ~np.isin(columns["element"], ["H", "D"])
    if not keep.any():
        raise DataFileError(label, "holds no atoms once waters/hydrogens are removed")
    columns = {key: values[keep] for key, values in columns.items()}
    columns["residue_index"] = np.unique(columns["residue_index"], return_inverse=True)[1]
    structure = Structure(coords=coords[:, keep], source=label, format="gro", **columns)
    structure.metadata["methods"] = []
    if times is not None:
        structure.metadata["time_ps"] = times
    if cells is not None:
        structure.metadata["box"] = cells  # [a, b, c, α, β, γ] of each frame (Å, degrees)
    return structure


def _remove_waters(st: Any) -> None:
    """Remove the waters, those gemmi knows (HOH, WAT, DOD ...) and those of simulation force
    fields (SOL, TIP3, SPC ...), in place."""
    for model in st:
        for chain in model:
            for i in reversed(range(len(chain))):
                if chain[i].is_water() or is_water_name(chain[i].name):
                    del chain[i]


def _check_pdb_records(text: str, label: str) -> None:
    """Check the coordinate columns of every ATOM/HETATM record (gemmi reads bad numbers as 0)."""
    atoms = 0
    for number, line in enumerate(text.splitlines(), start=1):
        record = line[:6]
        if record not in ("ATOM  ", "HETATM"):
            continue
        atoms += 1
        if len(line.rstrip()) < 54:
            raise DataFileError(
                label,
                f"{record.strip()} record is cut short ({len(line.rstrip())} of at least 54 "
                "columns): truncated file?",
                line=number,
            )
        for start, end, what in ((30, 38, "x"), (38, 46, "y"), (46, 54, "z")):
            try:
                float(line[start:end])
            except ValueError:
                raise DataFileError(
                    label,
                    f"{what} coordinate {line[start:end].strip()!r} in columns "
                    f"{start + 1}-{end} is not a number",
                    line=number,
                ) from None
    if atoms == 0:
        hint = "is it mmCIF? pass format='mmcif'" if _starts_like_cif(text) else None
        raise DataFileError(label, "holds no ATOM or HETATM records: not a PDB file", hint=hint)


def _from_gemmi(st: Any, label: str, fmt: str) -> Structure:
    if len(st) == 0 or st[0].count_atom_sites() == 0:
        raise DataFileError(label, f"holds no atoms (read as {fmt})")
    columns: dict[str, list[Any]] = {
        k: []
        for k in (
            "atom_name",
            "element",
            "res_name",
            "res_seq",
            "ins_code",
            "chain_id",
            "altloc",
            "b_factor",
            "occupancy",
            "hetero",
            "water",
            "residue_index",
        )
    }
    keys: list[_AtomKey] = []
    occurrences: dict[tuple[str, int, str, str, str, str], int] = {}
    xyz: list[list[float]] = []
    serials: list[int] = []
    residue = -1
    for chain in st[0]:
        for res in chain:
            residue += 1
            het = res.het_flag == "H"
            is_water = res.is_water() or is_water_name(res.name)
            icode = res.seqid.icode.strip()
            for atom in res:
                alt = atom.altloc if atom.has_altloc() else ""
                base = (chain.name, res.seqid.num, icode, res.name, atom.name, alt)
                keys.append(_atom_key(base, occurrences))
                columns["atom_name"].append(atom.name)
                columns["element"].append(atom.element.name.upper())
                columns["res_name"].append(res.name)
                columns["res_seq"].append(res.seqid.num)
                columns["ins_code"].append(icode)
                columns["chain_id"].append(chain.name)
                columns["altloc"].append(alt)
                columns["b_factor"].append(atom.b_iso)
                columns["occupancy"].append(atom.occ)
                columns["hetero"].append(het)
                columns["water"].append(is_water)
                columns["residue_index"].append(residue)
                serials.append(atom.serial)
                xyz.append([atom.pos.x, atom.pos.y, atom.pos.z])
    coords = np.empty((len(st), len(keys), 3), dtype=np.float64)
    coords[0] = xyz
    for k in range(1, len(st)):
        coords[k] = _model_coords(st[k], keys, label, k)
    arrays: dict[str, Any] = {
        # as wide as the longest name: mmCIF chain names ("AAAA1") and atom names may be long
        "atom_name": np.array(columns["atom_name"], dtype=str),
        "element": np.array(columns["element"], dtype="U2"),
        "res_name": np.array(columns["res_name"], dtype=str),
        "res_seq": np.array(columns["res_seq"], dtype=np.int64),
        "ins_code": np.array(columns["ins_code"], dtype="U1"),
        "chain_id": np.array(columns["chain_id"], dtype=str),
        "altloc": np.array(columns["altloc"], dtype="U1"),
        "b_factor": np.array(columns["b_factor"], dtype=np.float64),
        "occupancy": np.array(columns["occupancy"], dtype=np.float64),
        "hetero": np.array(columns["hetero"], dtype=bool),
        "water": np.array(columns["water"], dtype=bool),
        "residue_index": np.array(columns["residue_index"], dtype=np.int64),
    }
    order = _file_order(np.array(serials, dtype=np.int64))
    if order is not None:
        # gemmi moved a residue's atoms together: back to the order of the file, which is the
        # order of the atoms in a trajectory of this topology
        coords = coords[:, order]
        arrays = {key: value[order] for key, value in arrays.items()}
        # residues numbered again in the order of their first atom
        _, first, inverse = np.unique(
            arrays["residue_index"], return_index=True, return_inverse=True
        )
        rank = np.empty(len(first), dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(len(first))
        arrays["residue_index"] = rank[inverse]
    return Structure(coords=coords, source=label, format=fmt, **arrays)


def _file_order(serials: np.ndarray) -> np.ndarray | None:
    """The permutation that puts atoms in the order of their distinct serial numbers (their
    order in the file), or None where they are in it already or the numbers repeat."""
    if serials.size < 2 or bool((np.diff(serials) >= 0).all()):
        return None
    if np.unique(serials).size != serials.size:
        return None
    return np.argsort(serials, kind="stable")


def _atom_key(
    base: tuple[str, int, str, str, str, str],
    occurrences: dict[tuple[str, int, str, str, str, str], int],
) -> _AtomKey:
    """``(chain, number, icode, residue, atom, altloc)`` and how many times it came before:
    keys that tell apart atoms of one name in one residue (a ligand whose atoms are all "C")."""
    count = occurrences.get(base, 0)
    occurrences[base] = count + 1
    return (*base, count)


def _model_coords(model: Any, keys: list[_AtomKey], label: str, k: int) -> np.ndarray:
    found: list[tuple[_AtomKey, list[float]]] = []
    occurrences: dict[tuple[str, int, str, str, str, str], int] = {}
    for chain in model:
        for res in chain:
            icode = res.seqid.icode.strip()
            for atom in res:
                alt = atom.altloc if atom.has_altloc() else ""
                base = (chain.name, res.seqid.num, icode, res.name, atom.name, alt)
                found.append((_atom_key(base, occurrences), [atom.pos.x, atom.pos.y, atom.pos.z]))
    if len(found) == len(keys) and all(f[0] == key for f, key in zip(found, keys, strict=True)):
        return np.array([f[1] for f in found], dtype=np.float64)
    lookup = dict(found)
    missing = [key for key in keys if key not in lookup]
    if missing:
        chain, num, icode, res_name, atom_name, *_ = missing[0]
        raise DataFileError(
            label,
            f"model {k + 1} lacks atoms of model 1 ({len(missing)} missing, e.g. {atom_name} of "
            f"{res_name} {chain}{num}{icode}); every model must hold the same atoms",
        )
    if len(lookup) > len(keys):
        known = set(keys)
        extra = [key for key in lookup if key not in known]
        chain, num, icode, res_name, atom_name, *_ = extra[0]
        raise DataFileError(
            label,
            f"model {k + 1} has atoms model 1 lacks ({len(extra)} more, e.g. {atom_name} of "
            f"{res_name} {chain}{num}{icode}); every model must hold the same atoms",
            hint="read one model with a tool such as gemmi, or split the file into models",
        )
    return np.array([lookup[key] for key in keys], dtype=np.float64)
