"""Protein structures: atoms, residues, chains and the coordinates of every model.

A :class:`Structure` holds one atom list shared by all its models (NMR ensembles, multi-model
predictions) and the coordinates of every model as one ``(n_models, n_atoms, 3)`` array in Å.
Per-atom columns are numpy arrays; per-residue summaries come from
:func:`ai4s_lab.protein.residue_table`. Predicted models (AlphaFold, ESMFold, ColabFold,
Uni-Fold) are recognised and their per-residue pLDDT exposed as :attr:`Structure.plddt`.
Files are read by :func:`~ai4s_lab.protein.load_structure` (:mod:`ai4s_lab.protein.reading`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import InputError
from ai4s_lab.protein._residue_names import md_residue_letter

if TYPE_CHECKING:
    import torch

__all__ = ["ATOM_SETS", "Structure"]

#: Atom sets that select one or more atoms per residue.
ATOM_SETS = ("CA", "CB", "heavy", "backbone", "all")
_BACKBONE = frozenset({"N", "CA", "C", "O"})
# Metadata with one entry a model (frame), kept for the models a selection keeps.
_PER_MODEL_METADATA = ("time_ps", "box")
# One-character chain names for PDB text, in the order they are handed out.
_PDB_CHAIN_NAMES = string.ascii_uppercase + string.ascii_lowercase + string.digits


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
