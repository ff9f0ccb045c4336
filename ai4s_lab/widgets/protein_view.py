"""3D views of protein structures: nglview (interactive) or py3Dmol (light, works in HTML reports).

``ProteinView`` computes nothing: colours come from the structure (pLDDT, B-factor, chain) or from
:func:`ai4s_lab.protein.secondary_structure`; clicks come back as residue keys in
``view.selected`` (a traitlet: ``view.observe(callback, "selected")``), and
``view.highlight(residues)`` marks residues from Python. Structures above 50,000 atoms are drawn
as a coarse Cα trace by default so the view stays responsive.

The viewers get PDB text where the PDB format holds the structure, and mmCIF text where it does
not (more than 99,999 atoms, residue numbers above 9999, more than 62 chains): PDB writers then
use hybrid-36 numbers, which 3Dmol.js and NGL do not parse.
"""

from __future__ import annotations

import base64
import json
import re
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
import traitlets

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import InputError
from ai4s_lab.protein.confidence import plddt_band
from ai4s_lab.protein.structure import Structure
from ai4s_lab.widgets._arrays import to_numpy

__all__ = ["PLDDT_COLORS", "ProteinView"]


#: AlphaFold DB colours of the pLDDT bands.
PLDDT_COLORS = {
    "very high": "#0053D6",
    "confident": "#65CBF3",
    "low": "#FFDB13",
    "very low": "#FF7D45",
}
_SS_COLORS = {"H": "#E6007E", "E": "#FFC800", "C": "#BBBBBB"}
_CHAIN_COLORS = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2")
_STYLES = ("cartoon", "trace", "stick", "sphere", "line")
#: Atoms above which the default style is a coarse Cα trace.
LARGE_STRUCTURE = 50_000
_HIGHLIGHT = "ai4s-highlight"
_VENDOR = Path(__file__).with_name("vendor") / "3Dmol-min.js"


@lru_cache(maxsize=1)
def _three_dmol_url() -> str:
    """3Dmol.js as a data: URL (served from the package, never from a CDN)."""
    if not _VENDOR.is_file():
        from ai4s_lab.errors import MissingDependencyError

        raise MissingDependencyError(f"the vendored 3Dmol.js is missing at {_VENDOR}")
    return "data:text/javascript;base64," + base64.b64encode(_VENDOR.read_bytes()).decode()


#: Steps of the value gradient (odd: the middle value is white). Each colour of an nglview
#: view is one NGL representation: a continuous gradient would make one per residue.
GRADIENT_LEVELS = 33


def _gradient(values: np.ndarray) -> list[str]:
    """Blue→white→red colours of values in ``GRADIENT_LEVELS`` steps (NaN grey)."""
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = hi - lo or 1.0
    steps = GRADIENT_LEVELS - 1
    out = []
    for v in values:
        if not np.isfinite(v):
            out.append("#999999")
            continue
        t = round((float(v) - lo) / span * steps) / steps
        r, g, b = (
            (int(255 * 2 * t), int(255 * 2 * t), 255)
            if t < 0.5
            else (255, int(255 * 2 * (1 - t)), int(255 * 2 * (1 - t)))
        )
        out.append(f"#{r:02X}{g:02X}{b:02X}")
    return out


def _py3dmol_selection(
    chain: str,
    num: int,
    icode: str,
    with_icodes: bool,
    serials: list[int] | None = None,
    *,
    mmcif: bool = False,
) -> dict[str, Any]:
    """A 3Dmol.js atom selection of one residue.

    3Dmol.js compares ``resi`` with the residue number (a string such as ``"52A"`` matches no
    atom) and keeps the insertion code apart, as ``icode`` (a space where there is none) in
    PDB text. Its mmCIF reader keeps no insertion code: there the residue's atoms are named by
    their ``serial`` (the row of the atom in ``_atom_site``), passed as ``serials``. ``mmcif``
    says the text is mmCIF (see :func:`_py3dmol_chain` for a blank chain ID).
    """
    selection: dict[str, Any] = {**_py3dmol_chain(chain, mmcif), "resi": int(num)}
    if serials is not None:
        selection["serial"] = serials
    elif with_icodes:
        selection["icode"] = icode or " "
    return selection


def _py3dmol_chain(chain: str, mmcif: bool) -> dict[str, str]:
    """The chain part of a 3Dmol.js selection.

    3Dmol.js's PDB reader keeps a blank chain ID as ``" "`` (column 22), which ``""`` does not
    match; in mmCIF text a blank name is written as ``''``, so there the chain is left out of
    the selection (residues are then told apart by number, or by atom serial).
    """
    if chain.strip():
        return {"chain": chain}
    return {} if mmcif else {"chain": " "}


def _ranges(numbers: list[int]) -> list[Any]:
    """Numbers as a 3Dmol.js selection list: runs of consecutive numbers as ``"a-b"`` ranges
    (3Dmol.js tests an atom against every entry of the list, so a short list is fast)."""
    out: list[Any] = []
    ordered = sorted(set(numbers))
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            first, last = ordered[start], ordered[i - 1]
            out.append(first if first == last else f"{first}-{last}")
            start = i
    return out


def default_color_by(structure: Structure) -> str:
    """The colour scheme a view of ``structure`` starts with: confidence for a predicted model,
    chains where there are several, secondary structure otherwise."""
    if structure.plddt is not None:
        return "plddt"
    return "chain" if len(structure.chains) > 1 else "ss"


class ProteinView(ipywidgets.VBox):
    """A 3D view of a structure coloured by confidence, chain, secondary structure or values.

    Parameters
    ----------
    structure
        A :class:`ai4s_lab.protein.Structure`.
    color_by
        ``"plddt"`` (AlphaFold bands; predicted models), ``"chain"``, ``"ss"`` (secondary
        structure), ``"bfactor"``, or an array with one value a polymer residue. ``None``
        picks ``"plddt"`` for a predicted model, ``"chain"`` for an experimental structure of
        several chains and ``"ss"`` for one of a single chain.
    style
        ``"cartoon"``, ``"trace"``, ``"stick"``, ``"sphere"`` or ``"line"``; ``None`` picks
        cartoon, or a Cα trace above 50,000 atoms.
    backend
        ``"nglview"`` (interactive, picking) or ``"py3dmol"`` (light; shows in HTML reports,
        3Dmol.js inlined from the package).
    model
        Which model to show (0-based).
    width, height
        Size of the view in pixels.

    Raises
    ------
    InputError
        A structure without amino-acid residues (a DNA or RNA, a ligand alone), which would
        give a blank view; the message says what the structure holds.

    Attributes
    ----------
    selected
        Residue keys ``[chain, number, insertion code]`` picked in the view (observable).
    highlighted
        Residue keys highlighted from Python with :meth:`highlight` (observable).
    """

    selected: Any = traitlets.List().tag(sync=False)
    highlighted: Any = traitlets.List().tag(sync=False)

    def __init__(
        self,
        structure: Structure,
        color_by: str | Any | None = None,
        style: str | None = None,
        *,
        backend: str = "nglview",
        model: int = 0,
        width: int = 640,
        height: int = 480,
    ) -> None:
        if not isinstance(structure, Structure):
            raise InputError(f"ProteinView needs a Structure, got {type(structure).__name__}")
        if style is None:
            style = "trace" if structure.n_atoms > LARGE_STRUCTURE else "cartoon"
        if style not in _STYLES:
            raise InputError(f"style={style!r} is not a style; use one of {_STYLES}")
        if backend not in ("nglview", "py3dmol"):
            raise InputError(f"backend={backend!r}: use 'nglview' or 'py3dmol'")
        self.residue_ids = structure.residue_ids
        if not self.residue_ids:
            # the view colours amino-acid residues: without any it would stay blank; the error
            # says what the structure holds instead (a nucleic acid, a ligand, waters)
            structure.required_atoms("CA", "draw in a ProteinView")
        self.structure = structure
        self.style = style
        self.backend = backend
        self.model = structure.model_index(model)
        #: ``"pdb"``, or ``"cif"`` where PDB text cannot hold the structure (sent as mmCIF)
        self.text_format = "pdb" if structure.fits_pdb_format() else "cif"
        # chains as named in the text the viewers read (renamed where mmCIF names are long and
        # the text is PDB; mmCIF keeps every name)
        self._pdb_chain = (
            structure.pdb_chain_names()
            if self.text_format == "pdb"
            else {chain: chain for chain in structure.chains}
        )
        self._chain_of_pdb = {short: chain for chain, short in self._pdb_chain.items()}
        if color_by is None:
            color_by = default_color_by(structure)
        #: the colour scheme shown (``None`` resolved to the structure's default)
        self.color_by = color_by
        self.colors = self._residue_colors(color_by)
        self._size = (width, height)
        self._ngl: Any = None
        # py3Dmol output is HTML with a script (shown by _repr_mimebundle_), not a child widget
        children = [self._build_nglview()] if backend == "nglview" else []
        super().__init__(children=children)

    # -- colours -----------------------------------------------------------------------------
    def _residue_colors(self, color_by: Any) -> list[str]:
        s = self.structure
        n = len(self.residue_ids)
        if isinstance(color_by, str):
            if color_by == "plddt":
                if s.plddt is None:
                    raise InputError(
                        f"color_by='plddt' needs a predicted model; {s.name!r} is not one "
                        "(load it with predicted=True if it is, or use 'bfactor')"
                    )
                return [PLDDT_COLORS[b] for b in plddt_band(s.plddt)]
            if color_by == "chain":
                chains = s.chains
                return [
                    _CHAIN_COLORS[chains.index(c) % len(_CHAIN_COLORS)]
                    for c, _, _ in self.residue_ids
                ]
            if color_by == "ss":
                from ai4s_lab.protein.secondary import secondary_structure

                return [_SS_COLORS[c] for c in secondary_structure(s, self.model)]
            if color_by == "bfactor":
                return _gradient(s.b_factor[s.atom_indices("CA")])
            raise InputError(
                f"color_by={color_by!r}: use 'plddt', 'chain', 'ss', 'bfactor' or an array"
            )
        values = np.asarray(to_numpy(color_by), dtype=float)
        if values.shape != (n,):
            raise InputError(f"color_by array has shape {values.shape}; expected ({n},)")
        return _gradient(values)

    # -- picking and highlighting ----------------------------------------------------------------
    def _key(self, residue: Any) -> list[Any]:
        if isinstance(residue, (int, np.integer)):
            matches = [k for k in self.residue_ids if k[1] == int(residue)]
            if not matches:
                raise InputError(f"no residue numbered {residue} in {self.structure.name!r}")
            if len(matches) > 1:
                keys = ", ".join(repr(k) for k in matches[:4])
                raise InputError(
                    f"residue number {residue} is ambiguous in {self.structure.name!r}: it names "
                    f"{len(matches)} residues ({keys}); pass a (chain, number[, icode]) key"
                )
            return list(matches[0])
        if isinstance(residue, str):  # "A:5" or "A:5B" (chain:number[icode])
            match = re.fullmatch(r"\s*([^:\s]+)\s*:\s*(-?\d+)([A-Za-z]?)\s*", residue)
            if match is None:
                raise InputError(
                    f"residue {residue!r} is not a key: use 'chain:number' (e.g. 'A:5'), a "
                    "number, or a (chain, number[, icode]) tuple"
                )
            residue = (match[1], int(match[2]), match[3])
        key = tuple(residue) if len(residue) == 3 else (*tuple(residue), "")
        if key not in self.residue_ids:
            raise InputError(f"no residue {residue!r} in {self.structure.name!r}")
        return list(key)

    def highlight(self, residues: Any) -> None:
        """Highlight residues (numbers, ``(chain, number[, icode])`` keys or ``"A:5"`` strings),
        or one of them; ``[]`` clears.

        A bare number must name one residue: in a complex whose chains share a numbering, pass
        ``(chain, number)`` keys (an ambiguous number raises :class:`InputError`).
        """
        one = isinstance(residues, (int, np.integer, str)) or (
            isinstance(residues, tuple) and len(residues) in (2, 3) and isinstance(residues[0], str)
        )
        keys = [self._key(residues)] if one else [self._key(r) for r in residues]
        self.highlighted = keys
        if self._ngl is not None:
            self._ngl._remove_representations_by_name(_HIGHLIGHT)
            if keys:
                self._ngl.add_representation(
                    "ball+stick",
                    selection=self._ngl_selection(keys),
                    color="#00FF00",
                    name=_HIGHLIGHT,
                )

    def _on_pick(self, change: dict[str, Any]) -> None:
        picked = change.get("new") or {}
        atom = picked.get("atom1") if isinstance(picked, dict) else None
        if not atom:
            return
        icode = str(atom.get("inscode") or "").strip()
        chain = str(atom.get("chainname", ""))
        key = [self._chain_of_pdb.get(chain, chain), int(atom.get("resno")), icode]
        if tuple(key) not in self.residue_ids:
            for candidate in self.residue_ids:
                if candidate[0] == key[0] and candidate[1] == key[1]:
                    key = list(candidate)
                    break
        self.selected = [key]

    def structure_text(self) -> str:
        """The text the viewers read: PDB, or mmCIF where PDB cannot hold the structure
        (see :attr:`text_format`)."""
        if self.text_format == "pdb":
            return self.structure.to_pdb_string(self.model)
        return self.structure.to_mmcif_string(self.model)

    # -- nglview -------------------------------------------------------------------------------
    def _ngl_selection(self, keys: list[list[Any]]) -> str:
        """An NGL selection of residues: consecutive numbers of a chain as one ``a-b:C`` range
        (NGL tests every atom against every term), residues with insertion codes one by one."""
        plain: dict[str, list[int]] = {}
        terms = []
        for chain, num, icode in keys:
            name = self._pdb_chain.get(chain, chain)
            if icode:
                terms.append(f"({num}^{icode}:{name})")
            elif int(num) < 0:  # "-5--3" would not parse: negative numbers one by one
                terms.append(f"({num}:{name})")
            else:
                plain.setdefault(name, []).append(int(num))
        for name, numbers in plain.items():
            terms.extend(f"({span}:{name})" for span in _ranges(numbers))
        return " or ".join(terms)

    def _build_nglview(self) -> Any:
        with warnings.catch_warnings():
            # nglview 3.1 imports pkg_resources, whose deprecation warning would be printed
            # under the first view of every notebook and report; it is not the user's to fix.
            warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
            nglview = import_optional("nglview")
        widget = nglview.NGLWidget()
        widget.add_component(
            nglview.TextStructure(self.structure_text(), ext=self.text_format),
            default_representation=False,
        )
        rep = {"cartoon": "cartoon", "trace": "backbone", "stick": "licorice"}.get(
            self.style, "spacefill" if self.style == "sphere" else "line"
        )
        groups: dict[str, list[list[Any]]] = {}
        for key, color in zip(self.residue_ids, self.colors, strict=True):
            groups.setdefault(color, []).append(list(key))
        for color, keys in groups.items():
            widget.add_representation(rep, selection=self._ngl_selection(keys), color=color)
        widget.layout.width = f"{self._size[0]}px"
        widget.layout.height = f"{self._size[1]}px"
        widget.observe(self._on_pick, "picked")
        self._ngl = widget
        return widget

    # -- py3Dmol ---------------------------------------------------------------------------------
    def py3dmol_view(self) -> Any:
        """The py3Dmol view (3Dmol.js loaded from the package, not a CDN)."""
        py3dmol = import_optional("py3Dmol")
        view = py3dmol.view(width=self._size[0], height=self._size[1], js=_three_dmol_url())
        view.addModel(self.structure_text(), self.text_format)
        kind = {"trace": "cartoon", "line": "line"}.get(self.style, self.style)
        with_icodes = any(icode for _, _, icode in self.residue_ids)
        serials = self._icode_serials() if with_icodes and self.text_format == "cif" else {}
        # One style a chain (and insertion code), coloured residue by residue through a colour
        # map, instead of one call a residue: py3Dmol copies its whole script (structure text
        # included) at every call, which took minutes for 10,000 residues.
        for selection, scheme in self._py3dmol_colour_groups(with_icodes, serials):
            spec: dict[str, Any] = {"colorscheme": scheme}
            if self.style == "trace":
                spec["style"] = "trace"
            view.setStyle(selection, {kind: spec})
        for key in self.highlighted:
            view.addStyle(
                self._py3dmol_residue(tuple(key), with_icodes, serials),
                {"stick": {"color": "#00FF00"}},
            )
        view.zoomTo()
        return view

    def _py3dmol_colour_groups(
        self, with_icodes: bool, serials: dict[tuple[str, int, str], list[int]]
    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(selection, 3Dmol.js colour scheme) pairs that colour every polymer residue.

        Residues are grouped by chain (and insertion code in PDB text) and coloured by a map
        from residue number to colour; residues named by atom rows (insertion codes in mmCIF
        text, see :func:`_py3dmol_selection`) by a map from atom serial to colour.
        """
        groups: dict[tuple[str, str | None], dict[str, str]] = {}
        by_serial: dict[str, str] = {}
        for (chain, num, icode), color in zip(self.residue_ids, self.colors, strict=True):
            rows = serials.get((chain, num, icode))
            if rows is not None:
                by_serial.update(dict.fromkeys((str(row) for row in rows), color))
                continue
            code = (icode or " ") if with_icodes and self.text_format == "pdb" else None
            groups.setdefault((self._pdb_chain.get(chain, chain), code), {})[str(num)] = color
        out: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for (chain, code), colours in groups.items():
            numbers = [int(n) for n in colours]
            selection: dict[str, Any] = {
                **_py3dmol_chain(chain, self.text_format == "cif"),
                "resi": _ranges(numbers),
            }
            if code is not None:
                selection["icode"] = code
            out.append((selection, {"prop": "resi", "map": colours}))
        if by_serial:
            selection = {"serial": _ranges([int(row) for row in by_serial])}
            out.append((selection, {"prop": "serial", "map": by_serial}))
        return out

    def _py3dmol_residue(
        self, key: Any, with_icodes: bool, serials: dict[tuple[str, int, str], list[int]]
    ) -> dict[str, Any]:
        chain, num, icode = key
        short = self._pdb_chain.get(chain, chain)
        return _py3dmol_selection(
            short,
            num,
            icode,
            with_icodes,
            serials.get((chain, num, icode)),
            mmcif=self.text_format == "cif",
        )

    def _icode_serials(self) -> dict[tuple[str, int, str], list[int]]:
        """Atom rows of the residues that share a number with another of their chain (insertion
        codes), for 3Dmol.js's mmCIF reader, which keeps no insertion code."""
        s = self.structure
        shared = {(c, n) for c, n, icode in self.residue_ids if icode}
        out: dict[tuple[str, int, str], list[int]] = {}
        for i, (chain, num, icode) in enumerate(
            zip(s.chain_id.tolist(), s.res_seq.tolist(), s.ins_code.tolist(), strict=True)
        ):
            if (chain, num) in shared:
                out.setdefault((chain, num, icode), []).append(i)
        return out

    def html(self) -> str:
        """Self-contained HTML of the py3Dmol view (3Dmol.js inlined: works offline)."""
        return str(self.py3dmol_view()._make_html())

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if self.backend == "py3dmol":
            return {"text/html": self.html()}
        return super()._repr_mimebundle_(**kwargs)

    def state(self) -> dict[str, Any]:
        """A JSON-ready summary of the view (for tests and manifests)."""
        return json.loads(
            json.dumps(
                {
                    "backend": self.backend,
                    "style": self.style,
                    "n_residues": len(self.residue_ids),
                    "selected": self.selected,
                    "highlighted": self.highlighted,
                }
            )
        )
