"""Protein structures read from PDB and mmCIF files (plain or gzipped) with gemmi.

A :class:`Structure` holds one atom list shared by all its models (NMR ensembles, multi-model
predictions) and the coordinates of every model as one ``(n_models, n_atoms, 3)`` array in Å.
Per-atom columns are numpy arrays; per-residue summaries come from
:func:`ai4s_lab.protein.residue_table`. Predicted models (AlphaFold, ESMFold, ColabFold,
Uni-Fold) are recognised and their per-residue pLDDT exposed as :attr:`Structure.plddt`.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import DataFileError, InputError

if TYPE_CHECKING:
    import torch

__all__ = ["ATOM_SETS", "Structure", "load_structure"]

#: Atom sets that select one or more atoms per residue.
ATOM_SETS = ("CA", "CB", "heavy", "backbone", "all")
_BACKBONE = frozenset({"N", "CA", "C", "O"})
_FORMATS = {"pdb": "pdb", "ent": "pdb", "cif": "mmcif", "mmcif": "mmcif"}
# Words in a header or an mmCIF block that mark a predicted model.
_PREDICTOR_MARKERS = ("ALPHAFOLD", "ESMFOLD", "COLABFOLD", "UNI-FOLD", "UNIFOLD", "OPENFOLD")
_CIF_LINE = re.compile(r":(\d+):\d+")


@dataclass(eq=False)
class Structure:
    """Atoms, residues, chains and the coordinates of every model of a structure.

    Attributes
    ----------
    coords
        ``(n_models, n_atoms, 3)`` float64 coordinates in Å.
    atom_name, element, res_name, chain_id, ins_code, altloc
        Per-atom strings (``ins_code``/``altloc`` are ``""`` where absent).
    res_seq
        Per-atom residue sequence numbers (author numbering).
    b_factor, occupancy
        Per-atom isotropic B-factor (Å²; pLDDT in predicted models) and occupancy, model 1.
    hetero, water
        Per-atom flags: HETATM record / water molecule.
    residue_index
        Per-atom index of its residue (0-based, in file order).
    name
        A short name (the file stem or the PDB ID).
    source
        The file read (``"<text>"`` for a string).
    format
        ``"pdb"`` or ``"mmcif"``.
    predicted
        True for a predicted model: then ``b_factor`` holds pLDDT (0–100).
    """

    coords: np.ndarray
    atom_name: np.ndarray
    element: np.ndarray
    res_name: np.ndarray
    res_seq: np.ndarray
    ins_code: np.ndarray
    chain_id: np.ndarray
    altloc: np.ndarray
    b_factor: np.ndarray
    occupancy: np.ndarray
    hetero: np.ndarray
    water: np.ndarray
    residue_index: np.ndarray
    name: str = ""
    source: str = "<text>"
    format: str = "pdb"
    predicted: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)

    # -- sizes -------------------------------------------------------------------------------
    @property
    def n_models(self) -> int:
        """Number of models (frames) in the file."""
        return int(self.coords.shape[0])

    @property
    def n_atoms(self) -> int:
        """Number of atoms in one model."""
        return int(self.coords.shape[1])

    @property
    def n_residues(self) -> int:
        """Number of residues of every kind (polymer, ligands, waters)."""
        return int(self.residue_index.max()) + 1 if self.n_atoms else 0

    @property
    def chains(self) -> list[str]:
        """Chain identifiers in file order."""
        return list(dict.fromkeys(self.chain_id.tolist()))

    # -- residues ----------------------------------------------------------------------------
    def _first_atom_of_residue(self) -> np.ndarray:
        _, first = np.unique(self.residue_index, return_index=True)
        return np.asarray(first)

    @property
    def polymer_residues(self) -> np.ndarray:
        """Indices of the amino-acid residues: those with a Cα atom (element C), no waters."""
        is_ca = (self.atom_name == "CA") & (self.element == "C") & ~self.water
        return np.unique(self.residue_index[is_ca])

    @property
    def residue_ids(self) -> list[tuple[str, int, str]]:
        """``(chain, number, insertion code)`` of each polymer residue, the residue key used to
        match two structures."""
        first = self._first_atom_of_residue()[self.polymer_residues]
        return list(
            zip(
                self.chain_id[first].tolist(),
                self.res_seq[first].tolist(),
                self.ins_code[first].tolist(),
                strict=True,
            )
        )

    @property
    def sequence(self) -> str:
        """One-letter sequence of the polymer residues (``X`` for unknown residues)."""
        gemmi = import_optional("gemmi")
        first = self._first_atom_of_residue()[self.polymer_residues]
        letters = []
        for res in self.res_name[first].tolist():
            info = gemmi.find_tabulated_residue(res)
            code = info.one_letter_code.upper() if info is not None else "X"
            letters.append(code if code.strip() and code != "?" else "X")
        return "".join(letters)

    @property
    def plddt(self) -> np.ndarray | None:
        """Per-residue pLDDT (0–100) of a predicted model, from the Cα B-factor; else ``None``."""
        if not self.predicted:
            return None
        values = self.b_factor[self.atom_indices("CA")]
        return values if values.max(initial=0.0) > 1.0 else values * 100.0

    def atom_indices(self, atoms: str = "CA") -> np.ndarray:
        """Indices of the atoms of the polymer residues in an atom set.

        Parameters
        ----------
        atoms
            ``"CA"`` (one a residue), ``"CB"`` (one a residue, Cα for glycine), ``"heavy"``,
            ``"backbone"`` (N, CA, C, O) or ``"all"`` (several a residue).

        Returns
        -------
        numpy.ndarray
            Atom indices into the atom arrays, in file order.
        """
        if atoms not in ATOM_SETS:
            raise InputError(f"atoms={atoms!r} is not an atom set; use one of {ATOM_SETS}")
        polymer = np.isin(self.residue_index, self.polymer_residues)
        if atoms == "CA":
            mask = polymer & (self.atom_name == "CA") & (self.element == "C")
            return np.flatnonzero(mask)
        if atoms == "CB":
            ca = self.atom_indices("CA")
            cb = np.flatnonzero(polymer & (self.atom_name == "CB"))
            chosen = dict(zip(self.residue_index[ca].tolist(), ca.tolist(), strict=True))
            chosen.update(zip(self.residue_index[cb].tolist(), cb.tolist(), strict=True))
            return np.array([chosen[r] for r in self.polymer_residues.tolist()], dtype=np.int64)
        if atoms == "backbone":
            return np.flatnonzero(polymer & np.isin(self.atom_name, list(_BACKBONE)))
        if atoms == "heavy":
            return np.flatnonzero(polymer & ~np.isin(self.element, ["H", "D"]))
        return np.flatnonzero(polymer)

    def residue_of_atoms(self, indices: np.ndarray) -> np.ndarray:
        """Polymer-residue position (0 … n_polymer − 1) of each atom index."""
        lookup = np.full(self.n_residues, -1, dtype=np.int64)
        lookup[self.polymer_residues] = np.arange(len(self.polymer_residues))
        return lookup[self.residue_index[np.asarray(indices)]]

    # -- coordinates -------------------------------------------------------------------------
    def coordinates(
        self, atoms: str = "CA", models: int | slice | list[int] | None = None
    ) -> np.ndarray:
        """Coordinates (Å) of an atom set, ``(n_models, n, 3)``, or ``(n, 3)`` for one model."""
        picked = self.coords if models is None else self.coords[models]
        return picked[..., self.atom_indices(atoms), :]

    def to_torch(
        self, atoms: str = "CA", device: str | torch.device | None = "auto", dtype: Any = None
    ) -> torch.Tensor:
        """Coordinates of an atom set of every model as a ``(n_models, n, 3)`` tensor (Å)."""
        import torch

        from ai4s_lab.device import resolve_device, resolve_dtype

        dev = resolve_device(device)
        return torch.as_tensor(self.coordinates(atoms), dtype=resolve_dtype(dtype, dev), device=dev)

    def with_coords(self, coords: np.ndarray) -> Structure:
        """A copy of this structure with other coordinates ``(n_models, n_atoms, 3)`` (Å)."""
        coords = np.asarray(coords, dtype=np.float64)
        if coords.ndim == 2:
            coords = coords[None]
        if coords.shape[1:] != (self.n_atoms, 3):
            raise InputError(
                f"coords of shape {coords.shape} do not fit {self.n_atoms} atoms; "
                f"expected (n_models, {self.n_atoms}, 3)"
            )
        copy = Structure(**{**self.__dict__, "coords": coords, "metadata": dict(self.metadata)})
        return copy

    def to_pdb_string(self, model: int = 0) -> str:
        """This structure (one model) as PDB text, written by gemmi (for 3D viewers)."""
        return self._to_gemmi(models=[model]).make_pdb_string(_pdb_options())

    def _to_gemmi(self, models: list[int] | None = None) -> Any:
        gemmi = import_optional("gemmi")
        st = gemmi.Structure()
        st.name = self.name or "structure"
        chosen = range(self.n_models) if models is None else models
        for number, k in enumerate(chosen, start=1):
            model = gemmi.Model(number)
            chain: Any = None
            residue: Any = None
            last_res = -1
            for i in range(self.n_atoms):
                if chain is None or chain.name != self.chain_id[i]:
                    if chain is not None:
                        if residue is not None:
                            chain.add_residue(residue)
                            residue = None
                        model.add_chain(chain)
                    chain = gemmi.Chain(str(self.chain_id[i]))
                    last_res = -1
                if self.residue_index[i] != last_res:
                    if residue is not None:
                        chain.add_residue(residue)
                    residue = gemmi.Residue()
                    residue.name = str(self.res_name[i])
                    residue.seqid = gemmi.SeqId(int(self.res_seq[i]), self.ins_code[i] or " ")
                    residue.het_flag = "H" if self.hetero[i] else "A"
                    last_res = int(self.residue_index[i])
                atom = gemmi.Atom()
                atom.name = str(self.atom_name[i])
                atom.element = gemmi.Element(str(self.element[i]) or "X")
                atom.pos = gemmi.Position(*self.coords[k, i].tolist())
                atom.b_iso = float(self.b_factor[i])
                atom.occ = float(self.occupancy[i])
                if self.altloc[i]:
                    atom.altloc = self.altloc[i]
                residue.add_atom(atom)
            if chain is not None:
                if residue is not None:
                    chain.add_residue(residue)
                model.add_chain(chain)
            st.add_model(model)
        st.setup_entities()
        return st

    def __repr__(self) -> str:
        kind = "predicted model" if self.predicted else "structure"
        return (
            f"<Structure {self.name!r}: {kind}, {self.n_models} model(s), "
            f"{len(self.chains)} chain(s), {len(self.polymer_residues)} polymer residues, "
            f"{self.n_atoms} atoms>"
        )


def _pdb_options() -> Any:
    gemmi = import_optional("gemmi")
    return gemmi.PdbWriteOptions(minimal=True)


def load_structure(
    source: str | Path,
    format: str | None = None,
    *,
    altloc: str = "first",
    water: bool = True,
    hydrogens: bool = True,
    predicted: bool | None = None,
) -> Structure:
    """Read a PDB or mmCIF file (plain or ``.gz``), or PDB/mmCIF text, into a :class:`Structure`.

    Parameters
    ----------
    source
        A path, or the text of a PDB or mmCIF file (a string with a newline in it).
    format
        ``"pdb"`` or ``"mmcif"``; by default from the file name, else from the content
        (text starting with ``data_`` is mmCIF).
    altloc
        ``"first"`` keeps the first alternate location of each atom (gemmi's
        ``remove_alternative_conformations``); ``"all"`` keeps every one (then one residue can
        hold two atoms of the same name).
    water
        Keep water molecules.
    hydrogens
        Keep hydrogen (and deuterium) atoms.
    predicted
        Whether this is a predicted model with pLDDT in the B-factor column. ``None`` (default)
        recognises AlphaFold, ESMFold, ColabFold, OpenFold and Uni-Fold files from their headers
        (or ModelCIF ``_ma_qa_metric``) and, failing that, from B-factors that are equal within
        each residue and lie in 0–100.

    Returns
    -------
    Structure

    Raises
    ------
    DataFileError
        The file is empty, binary, truncated, malformed or holds no atoms; the message names
        the file and, where known, the line.
    FileNotFoundError
        The path does not exist.
    """
    gemmi = import_optional("gemmi")
    text, label, path = _read_text(source)
    fmt = _guess_format(label, text, format)
    if fmt == "pdb":
        _check_pdb_records(text, label)
        try:
            st = gemmi.read_pdb_string(text)
        except (RuntimeError, ValueError) as err:
            raise DataFileError(label, f"gemmi cannot read it as PDB: {err}") from err
    else:
        try:
            block = gemmi.cif.read_string(text).sole_block()
            st = gemmi.make_structure_from_block(block)
        except (RuntimeError, ValueError) as err:
            match = _CIF_LINE.search(str(err))
            line = int(match.group(1)) if match else None
            message = str(err).split(": ", 1)[-1]
            raise DataFileError(label, f"malformed mmCIF: {message}", line=line) from err
    st.setup_entities()
    if altloc == "first":
        st.remove_alternative_conformations()
    elif altloc != "all":
        raise InputError(f"altloc={altloc!r} is not an option; use 'first' or 'all'")
    if not water:
        st.remove_waters()
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
        predicted = _looks_predicted(text, fmt, structure)
    structure.predicted = bool(predicted)
    return structure


# -- reading -----------------------------------------------------------------------------------
def _read_text(source: str | Path) -> tuple[str, str, Path | None]:
    if isinstance(source, str) and ("\n" in source or source.startswith("data_")):
        return source, "<text>", None
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"structure file {str(path)!r} does not exist")
    if path.is_dir():
        raise DataFileError(path, "is a folder, not a structure file")
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise DataFileError(path, f"not a valid gzip file ({err})") from err
    if not raw.strip():
        raise DataFileError(path, "is empty", hint="expected a PDB or mmCIF file")
    if b"\x00" in raw[:65536]:
        raise DataFileError(path, "is binary, not a PDB or mmCIF text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataFileError(
            path, "is not text (undecodable bytes); expected PDB or mmCIF", line=line
        ) from err
    return text, str(path), path


def _guess_format(label: str, text: str, format: str | None) -> str:
    if format is not None:
        key = format.lower().lstrip(".")
        if key not in _FORMATS:
            raise InputError(f"format={format!r} is not supported; use 'pdb' or 'mmcif'")
        return _FORMATS[key]
    name = label.lower().removesuffix(".gz")
    for ext, fmt in _FORMATS.items():
        if name.endswith("." + ext):
            return fmt
    return "mmcif" if text.lstrip().startswith("data_") else "pdb"


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
        stripped = text.lstrip()
        hint = "is it mmCIF? pass format='mmcif'" if stripped.startswith("data_") else None
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
    keys: list[tuple[str, int, str, str, str, str]] = []
    xyz: list[list[float]] = []
    residue = -1
    for chain in st[0]:
        for res in chain:
            residue += 1
            het = res.het_flag == "H"
            is_water = res.is_water()
            icode = res.seqid.icode.strip()
            for atom in res:
                alt = atom.altloc if atom.has_altloc() else ""
                keys.append((chain.name, res.seqid.num, icode, res.name, atom.name, alt))
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
                xyz.append([atom.pos.x, atom.pos.y, atom.pos.z])
    coords = np.empty((len(st), len(keys), 3), dtype=np.float64)
    coords[0] = xyz
    for k in range(1, len(st)):
        coords[k] = _model_coords(st[k], keys, label, k)
    arrays: dict[str, Any] = {
        "atom_name": np.array(columns["atom_name"], dtype="U4"),
        "element": np.array(columns["element"], dtype="U2"),
        "res_name": np.array(columns["res_name"], dtype="U5"),
        "res_seq": np.array(columns["res_seq"], dtype=np.int64),
        "ins_code": np.array(columns["ins_code"], dtype="U1"),
        "chain_id": np.array(columns["chain_id"], dtype="U4"),
        "altloc": np.array(columns["altloc"], dtype="U1"),
        "b_factor": np.array(columns["b_factor"], dtype=np.float64),
        "occupancy": np.array(columns["occupancy"], dtype=np.float64),
        "hetero": np.array(columns["hetero"], dtype=bool),
        "water": np.array(columns["water"], dtype=bool),
        "residue_index": np.array(columns["residue_index"], dtype=np.int64),
    }
    return Structure(coords=coords, source=label, format=fmt, **arrays)


def _model_coords(
    model: Any, keys: list[tuple[str, int, str, str, str, str]], label: str, k: int
) -> np.ndarray:
    found: list[tuple[tuple[str, int, str, str, str, str], list[float]]] = []
    for chain in model:
        for res in chain:
            icode = res.seqid.icode.strip()
            for atom in res:
                alt = atom.altloc if atom.has_altloc() else ""
                key = (chain.name, res.seqid.num, icode, res.name, atom.name, alt)
                found.append((key, [atom.pos.x, atom.pos.y, atom.pos.z]))
    if len(found) == len(keys) and all(f[0] == key for f, key in zip(found, keys, strict=True)):
        return np.array([f[1] for f in found], dtype=np.float64)
    lookup = dict(found)
    missing = [key for key in keys if key not in lookup]
    if missing:
        chain, num, icode, res_name, atom_name, _ = missing[0]
        raise DataFileError(
            label,
            f"model {k + 1} lacks atoms of model 1 ({len(missing)} missing, e.g. {atom_name} of "
            f"{res_name} {chain}{num}{icode}); every model must hold the same atoms",
        )
    return np.array([lookup[key] for key in keys], dtype=np.float64)


def _looks_predicted(text: str, fmt: str, structure: Structure) -> bool:
    head = text[:20000].upper()
    if any(marker in head for marker in _PREDICTOR_MARKERS):
        return True
    if fmt == "mmcif" and "_ma_qa_metric" in text:
        return True
    # Fallback: one B-factor a residue (per-residue confidence), all within 0-100, no waters.
    if structure.water.any() or structure.n_models > 1:
        return False
    b = structure.b_factor
    if b.size == 0 or b.min() < 0 or b.max() > 100 or np.ptp(b) == 0:
        return False
    starts = np.r_[0, np.flatnonzero(np.diff(structure.residue_index)) + 1]
    per_residue_max = np.maximum.reduceat(b, starts)
    per_residue_min = np.minimum.reduceat(b, starts)
    return bool(np.all(per_residue_max == per_residue_min))
