"""Protein structures read from PDB and mmCIF files (plain or gzipped) with gemmi.

A :class:`Structure` holds one atom list shared by all its models (NMR ensembles, multi-model
predictions) and the coordinates of every model as one ``(n_models, n_atoms, 3)`` array in Å.
Per-atom columns are numpy arrays; per-residue summaries come from
:func:`ai4s_lab.protein.residue_table`. Predicted models (AlphaFold, ESMFold, ColabFold,
Uni-Fold) are recognised and their per-residue pLDDT exposed as :attr:`Structure.plddt`.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
import string
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    import torch

__all__ = ["ATOM_SETS", "Structure", "load_structure"]

#: Atom sets that select one or more atoms per residue.
ATOM_SETS = ("CA", "CB", "heavy", "backbone", "all")
_BACKBONE = frozenset({"N", "CA", "C", "O"})
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
# Metadata with one entry a model (frame), kept for the models a selection keeps.
_PER_MODEL_METADATA = ("time_ps", "box")
# One-character chain names for PDB text, in the order they are handed out.
_PDB_CHAIN_NAMES = string.ascii_uppercase + string.ascii_lowercase + string.digits
# Force-field names (Amber, CHARMM, GROMACS's OPLS/GROMOS) of protonation states and capped or
# bonded forms of the standard amino acids, which the PDB chemical component dictionary does
# not know.
_MD_RESIDUE_NAMES = {
    **dict.fromkeys(
        ("HID", "HIE", "HIP", "HSD", "HSE", "HSP", "HISD", "HISE", "HISH", "HISA", "HISB", "HIS1"),
        "H",
    ),
    **dict.fromkeys(("CYX", "CYM", "CYS2", "CYN", "CYSH", "CYS1"), "C"),
    **dict.fromkeys(("ASH", "ASPH", "ASPP"), "D"),
    **dict.fromkeys(("GLH", "GLUH", "GLUP"), "E"),
    **dict.fromkeys(("LYN", "LSN", "LYSH", "LYSN"), "K"),
    **dict.fromkeys(("ARN", "ARGN"), "R"),
    "TYM": "Y",
}


def md_residue_letter(name: str) -> str | None:
    """One-letter code of a force-field amino-acid name the PDB dictionary does not know.

    Protonation states and bonded forms (``HIE``, ``CYX``, ``ASH`` ...) and Amber's N- and
    C-terminal residues (``NALA``, ``CGLY``, ``NHIE``); ``None`` for any other name.
    """
    if name in _MD_RESIDUE_NAMES:
        return _MD_RESIDUE_NAMES[name]
    if len(name) == 4 and name[0] in "NC":
        core = name[1:]
        if core in _MD_RESIDUE_NAMES:
            return _MD_RESIDUE_NAMES[core]
        gemmi = import_optional("gemmi")
        info = gemmi.find_tabulated_residue(core)
        if info is not None and info.is_amino_acid() and info.one_letter_code.strip("?"):
            return str(info.one_letter_code.upper())
    return None


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
        ``"pdb"``, ``"mmcif"``, ``"gro"`` or ``"pqr"``; for a trajectory read with a
        simulation topology ``"psf"``, ``"tpr"``, ``"prmtop"``, ``"itp"`` or ``"top"``.
    predicted
        True for a predicted model: then ``b_factor`` holds pLDDT (0–100).
    metadata
        Extra facts: ``"methods"`` (experimental methods the file states, e.g.
        ``["X-RAY DIFFRACTION"]``), ``"time_ps"`` for trajectories.
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
            md = md_residue_letter(res)
            if md is not None:
                letters.append(md)
                continue
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
        polymer = np.isin(self.residue_index, self.polymer_residues) & self._first_conformer()
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

    def required_atoms(self, atoms: str, purpose: str) -> np.ndarray:
        """:meth:`atom_indices`, refusing an empty set with an :class:`InputError` that says
        what the structure holds instead (a ligand, waters, a nucleic acid) and what
        ``purpose`` needed it."""
        index = self.atom_indices(atoms)
        if index.size == 0:
            first = self._first_atom_of_residue()
            kinds = sorted(set(self.res_name[first].tolist()))
            held = ", ".join(kinds[:8]) + (", ..." if len(kinds) > 8 else "")
            nucleic = _nucleotides(kinds)
            what = (
                f" (nucleotides {', '.join(nucleic[:4])}: a nucleic acid, which the protein "
                "tools and views do not handle; draw it with py3Dmol or nglview directly)"
                if nucleic
                else ""
            )
            raise InputError(
                f"{self.name or self.source!r} has no amino-acid residues (residues with a Cα), "
                f"so no {atoms!r} atoms to {purpose}; its {self.n_atoms} atoms are in residues "
                f"{held or '(none)'}{what}. Give a protein structure"
            )
        return index

    def _first_conformer(self) -> np.ndarray | bool:
        """Atoms of the first alternate location of each residue (every atom where the file
        has none): a structure read with ``altloc="all"`` still has one Cα a residue."""
        alternates = np.flatnonzero(self.altloc != "")
        if alternates.size == 0:
            return True
        keep = np.ones(self.n_atoms, dtype=bool)
        seen: set[tuple[int, str]] = set()
        for i in alternates.tolist():
            key = (int(self.residue_index[i]), str(self.atom_name[i]))
            if key in seen:
                keep[i] = False
            seen.add(key)
        return keep

    def residue_of_atoms(self, indices: np.ndarray) -> np.ndarray:
        """Polymer-residue position (0 … n_polymer − 1) of each atom index."""
        lookup = np.full(self.n_residues, -1, dtype=np.int64)
        lookup[self.polymer_residues] = np.arange(len(self.polymer_residues))
        return lookup[self.residue_index[np.asarray(indices)]]

    # -- models ------------------------------------------------------------------------------
    def model_index(self, model: Any, argument: str = "model") -> int:
        """The 0-based index of one model, checked; negative numbers count from the last.

        Parameters
        ----------
        model
            A model number, ``0 … n_models − 1`` (or ``−n_models … −1``).
        argument
            The argument's name, for the error message.

        Raises
        ------
        InputError
            ``model`` is not an integer, or the structure has no such model.
        """
        if isinstance(model, (bool, np.bool_)) or not isinstance(model, (int, np.integer)):
            raise InputError(
                f"{argument}={model!r} is not a model number; pass an integer "
                f"0 … {self.n_models - 1}"
            )
        if not -self.n_models <= int(model) < self.n_models:
            raise InputError(
                f"{argument}={int(model)} is out of range: {self.name or self.source!r} has "
                f"{self.n_models} model(s), numbered 0 … {self.n_models - 1} (0-based)"
            )
        return int(model) % self.n_models

    def model_coords(
        self, models: int | slice | list[int] | None = None, argument: str = "models"
    ) -> np.ndarray:
        """Coordinates (Å) of the chosen models, ``(n_chosen, n_atoms, 3)``.

        Parameters
        ----------
        models
            One model number, a slice, a list of model numbers (0-based), or ``None`` (all).
        argument
            The argument's name, for the error message.

        Raises
        ------
        InputError
            A model number out of range or not an integer, or a choice of no model.
        """
        if models is None:
            return self.coords
        if isinstance(models, np.ndarray) and models.ndim == 0:
            models = models.item()  # np.array(2): one model number
        if isinstance(models, slice):
            picked = self.coords[models]
            if len(picked) == 0:
                raise InputError(
                    f"{argument}={models!r} chooses none of the {self.n_models} model(s) of "
                    f"{self.name or self.source!r}"
                )
            return picked
        if isinstance(models, (list, tuple, np.ndarray)):
            numbers = [self.model_index(m, argument) for m in np.asarray(models).tolist()]
            if not numbers:
                raise InputError(f"{argument}=[] chooses no model; pass None for all of them")
            return self.coords[numbers]
        return self.coords[[self.model_index(models, argument)]]

    # -- coordinates -------------------------------------------------------------------------
    def coordinates(
        self, atoms: str = "CA", models: int | slice | list[int] | None = None
    ) -> np.ndarray:
        """Coordinates (Å) of an atom set, ``(n_models, n, 3)``, or ``(n, 3)`` for one model.

        Raises
        ------
        InputError
            An atom set or model that does not exist (see :meth:`model_coords`).
        """
        if isinstance(models, np.ndarray) and models.ndim == 0:
            models = models.item()
        picked = self.model_coords(models)
        if models is not None and not isinstance(models, (slice, list, tuple, np.ndarray)):
            picked = picked[0]
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

    def select(
        self,
        chains: str | list[str] | None = None,
        residues: Any = None,
        *,
        polymer: bool = False,
        models: int | slice | list[int] | None = None,
    ) -> Structure:
        """A new structure of some chains, residues or models of this one.

        Parameters
        ----------
        chains
            A chain identifier or a list of them (as in :attr:`chains`); ``None`` keeps all.
        residues
            Residue numbers (author numbering, e.g. ``range(10, 51)``) kept in every chosen
            chain, or residue keys ``(chain, number)`` / ``(chain, number, insertion code)``
            as in :attr:`residue_ids`; ``None`` keeps all.
        polymer
            Keep only the amino-acid residues (drops ligands, ions and waters).
        models
            Model numbers to keep (0-based, as :meth:`model_coords` takes them); ``None`` keeps
            all.

        Returns
        -------
        Structure
            The chosen atoms, in file order, with residues numbered again from 0
            (``residue_index``); ``metadata["time_ps"]`` follows the chosen models.

        Raises
        ------
        InputError
            A chain or residue the structure does not have, or a choice of no atom.
        """
        label = repr(self.name or self.source)
        keep = np.ones(self.n_atoms, dtype=bool)
        if chains is not None:
            wanted = [chains] if isinstance(chains, str) else [str(c) for c in chains]
            missing = [c for c in wanted if c not in self.chains]
            if missing or not wanted:
                absent = ", ".join(missing) or "(none given)"
                raise InputError(
                    f"chains={chains!r}: {label} has no chain {absent}; its chains are "
                    f"{', '.join(self.chains)}"
                )
            keep &= np.isin(self.chain_id, wanted)
        if residues is not None:
            keep &= self._residue_mask(residues, keep, label)
        if polymer:
            keep &= np.isin(self.residue_index, self.polymer_residues)
        index = np.flatnonzero(keep)
        if index.size == 0:
            raise InputError(
                f"the selection (chains={chains!r}, residues={residues!r}, polymer={polymer}) "
                f"holds no atom of {label}"
            )
        coords = self.coords if models is None else self.model_coords(models)
        out = self._take_atoms(index, coords)
        if models is None:
            return out
        numbers = self._model_numbers(models)
        for key in _PER_MODEL_METADATA:
            values = self.metadata.get(key)
            if values is not None and len(values) == self.n_models:
                out.metadata[key] = np.asarray(values)[numbers]
        return out

    def _take_atoms(self, index: np.ndarray, coords: np.ndarray | None = None) -> Structure:
        """A new structure of the atoms at ``index`` (increasing) of ``coords`` (default: of
        every model)."""
        per_atom = {
            name: value[index]
            for name, value in self.__dict__.items()
            if isinstance(value, np.ndarray) and name != "coords"
        }
        _, per_atom["residue_index"] = np.unique(per_atom["residue_index"], return_inverse=True)
        return Structure(
            **{
                **self.__dict__,
                **per_atom,
                "coords": (self.coords if coords is None else coords)[:, index],
                "metadata": dict(self.metadata),
            }
        )

    def _model_numbers(self, models: int | slice | list[int]) -> list[int]:
        """The 0-based numbers of the models :meth:`model_coords` picks for ``models``."""
        if isinstance(models, slice):
            return list(range(self.n_models))[models]
        return [self.model_index(m, "models") for m in np.atleast_1d(models).tolist()]

    def _residue_mask(self, residues: Any, within: np.ndarray, label: str) -> np.ndarray:
        """Atoms of the residues named by numbers or keys (see :meth:`select`)."""
        if isinstance(residues, (int, np.integer)) or _is_residue_key(residues):
            residues = [residues]  # one number or one key
        if isinstance(residues, str) or not hasattr(residues, "__iter__"):
            raise InputError(
                f"residues={residues!r}: give residue numbers (e.g. range(10, 51)) or "
                "(chain, number[, insertion code]) keys"
            )
        items = list(residues)
        keyed = [item for item in items if _is_residue_key(item)]
        if keyed and len(keyed) != len(items):
            raise InputError("residues mixes numbers and (chain, number) keys; give one kind")
        if not keyed:
            if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in items):
                raise InputError(
                    f"residues={residues!r}: give residue numbers (integers) or "
                    "(chain, number[, insertion code]) keys"
                )
            mask = np.isin(self.res_seq, np.asarray(items, dtype=np.int64))
            if items and not (mask & within).any():
                raise InputError(
                    f"{label} has none of the residues {_short(items)} in the chosen chains"
                )
            return mask
        atom_keys = list(
            zip(self.chain_id.tolist(), self.res_seq.tolist(), self.ins_code.tolist(), strict=True)
        )
        wanted = {(str(k[0]), int(k[1]), str(k[2]) if len(k) > 2 else "") for k in keyed}
        mask = np.fromiter((key in wanted for key in atom_keys), dtype=bool, count=self.n_atoms)
        found = {key for key, hit in zip(atom_keys, mask.tolist(), strict=True) if hit}
        missing = sorted(wanted - found)
        if missing:
            raise InputError(f"{label} has no residue {_short(missing)}")
        return mask

    def pdb_chain_names(self, unique: bool = True) -> dict[str, str]:
        """The one-character chain identifier each chain gets in PDB text.

        Chain names of mmCIF files (``"AA"``, ``"A-2"``, ``"B1"`` in large complexes) do not fit
        the one column of the PDB format that 3D viewers read; where any does not, chains are
        renamed in file order to ``A``–``Z``, ``a``–``z``, ``0``–``9``.

        Parameters
        ----------
        unique
            Raise where there are more chains than one-character names (62); else reuse
            names (enough for a topology, where only the atom order matters).

        Raises
        ------
        InputError
            More than 62 chains with ``unique=True``.
        """
        chains = self.chains
        if all(len(chain) <= 1 for chain in chains):
            return {chain: chain for chain in chains}
        if unique and len(chains) > len(_PDB_CHAIN_NAMES):
            raise InputError(
                f"{self.name!r} has {len(chains)} chains, more than the "
                f"{len(_PDB_CHAIN_NAMES)} one-character chain names of the PDB format; "
                "select fewer chains first"
            )
        return {
            chain: _PDB_CHAIN_NAMES[i % len(_PDB_CHAIN_NAMES)] for i, chain in enumerate(chains)
        }

    def to_pdb_string(self, model: int = 0, *, unique_chains: bool = True) -> str:
        """This structure (one model) as PDB text, written by gemmi (for 3D viewers).

        Chains are named as :meth:`pdb_chain_names` says (unchanged where they all fit).
        """
        index = self.model_index(model)
        names = self.pdb_chain_names(unique=unique_chains)
        return self._to_gemmi(models=[index], chain_names=names).make_pdb_string(_pdb_options())

    def to_mmcif_string(self, model: int = 0) -> str:
        """This structure (one model) as mmCIF text, written by gemmi (for 3D viewers).

        Unlike PDB text, mmCIF holds any number of atoms, residues and chains and chain names
        of any length, so nothing is renamed or written in hybrid-36 numbers: chains keep their
        names (``auth_asym_id``) and residues their author numbers (``auth_seq_id``).
        """
        index = self.model_index(model)
        return str(self._to_gemmi(models=[index]).make_mmcif_document().as_string())

    def fits_pdb_format(self) -> bool:
        """Whether PDB text holds this structure in plain decimal numbers and distinct chains.

        The PDB format has 5 columns for atom serial numbers (≤ 99,999 atoms), 4 for residue
        numbers (−999 … 9999) and 1 for chain names (62 distinct names, see
        :meth:`pdb_chain_names`); beyond those, writers use hybrid-36 numbers that many
        readers (3Dmol.js, NGL) do not parse. Use :meth:`to_mmcif_string` then.
        """
        chains = self.chains
        fits_chains = all(len(c) <= 1 for c in chains) or len(chains) <= len(_PDB_CHAIN_NAMES)
        numbers = self.res_seq
        fits_numbers = not numbers.size or (numbers.min() >= -999 and numbers.max() <= 9999)
        return bool(self.n_atoms <= 99_999 and fits_numbers and fits_chains)

    def _to_gemmi(
        self, models: list[int] | None = None, chain_names: dict[str, str] | None = None
    ) -> Any:
        gemmi = import_optional("gemmi")
        rename = chain_names or {}
        st = gemmi.Structure()
        st.name = self.name or "structure"
        chosen = range(self.n_models) if models is None else models
        for number, k in enumerate(chosen, start=1):
            model = gemmi.Model(number)
            chain: Any = None
            residue: Any = None
            last_res = -1
            current = ""
            for i in range(self.n_atoms):
                if chain is None or current != self.chain_id[i]:
                    if chain is not None:
                        if residue is not None:
                            chain.add_residue(residue)
                            residue = None
                        model.add_chain(chain)
                    current = str(self.chain_id[i])
                    chain = gemmi.Chain(rename.get(current, current))
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
    coords, times = columns.pop("coords"), columns.pop("times")
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


def _nucleotides(names: list[str]) -> list[str]:
    """The residue names among ``names`` that the PDB dictionary knows as nucleotides."""
    gemmi = import_optional("gemmi")
    found = []
    for name in names:
        info = gemmi.find_tabulated_residue(name)
        if info is not None and info.is_nucleic_acid():
            found.append(name)
    return found


def _is_residue_key(item: Any) -> bool:
    """Whether ``item`` is a residue key ``(chain, number[, insertion code])``."""
    return isinstance(item, tuple) and 2 <= len(item) <= 3 and isinstance(item[0], str)


def _short(items: list[Any], shown: int = 5) -> str:
    """The first few of ``items`` for a message."""
    text = ", ".join(str(item) for item in items[:shown])
    return text + (f", … ({len(items)} in all)" if len(items) > shown else "")
