"""3D views of protein structures: nglview (interactive) or py3Dmol (light, works in HTML reports).

``ProteinView`` computes nothing: colours come from the structure (pLDDT, B-factor, chain) or from
:func:`ai4s_lab.protein.secondary_structure`; clicks come back as residue keys in
``view.selected`` (a traitlet: ``view.observe(callback, "selected")``), and
``view.highlight(residues)`` marks residues from Python. Structures above 50,000 atoms are drawn
as a coarse Cα trace by default so the view stays responsive.
"""

from __future__ import annotations

import base64
import json
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


def _gradient(values: np.ndarray) -> list[str]:
    """Blue→white→red colours of values (NaN grey)."""
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = hi - lo or 1.0
    out = []
    for v in values:
        if not np.isfinite(v):
            out.append("#999999")
            continue
        t = (float(v) - lo) / span
        r, g, b = (
            (int(255 * 2 * t), int(255 * 2 * t), 255)
            if t < 0.5
            else (255, int(255 * 2 * (1 - t)), int(255 * 2 * (1 - t)))
        )
        out.append(f"#{r:02X}{g:02X}{b:02X}")
    return out


class ProteinView(ipywidgets.VBox):
    """A 3D view of a structure coloured by confidence, chain, secondary structure or values.

    Parameters
    ----------
    structure
        A :class:`ai4s_lab.protein.Structure`.
    color_by
        ``"plddt"`` (AlphaFold bands; predicted models), ``"chain"``, ``"ss"`` (secondary
        structure), ``"bfactor"``, or an array with one value a polymer residue.
    style
        ``"cartoon"``, ``"trace"``, ``"stick"``, ``"sphere"`` or ``"line"``; ``None`` picks
        cartoon, or a Cα trace above 50,000 atoms.
    backend
        ``"nglview"`` (interactive, picking) or ``"py3dmol"`` (light; shows in HTML reports,
        3Dmol.js inlined from the package).
    model
        Which model to show (0-based).

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
        color_by: str | Any = "plddt",
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
        self.structure = structure
        self.style = style
        self.backend = backend
        self.model = model
        self.residue_ids = structure.residue_ids
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
        values = np.asarray(color_by, dtype=float)
        if values.shape != (n,):
            raise InputError(f"color_by array has shape {values.shape}; expected ({n},)")
        return _gradient(values)

    # -- picking and highlighting ----------------------------------------------------------------
    def _key(self, residue: Any) -> list[Any]:
        if isinstance(residue, (int, np.integer)):
            matches = [k for k in self.residue_ids if k[1] == int(residue)]
            if not matches:
                raise InputError(f"no residue numbered {residue} in {self.structure.name!r}")
            return list(matches[0])
        key = tuple(residue) if len(residue) == 3 else (*tuple(residue), "")
        if key not in self.residue_ids:
            raise InputError(f"no residue {residue!r} in {self.structure.name!r}")
        return list(key)

    def highlight(self, residues: Any) -> None:
        """Highlight residues (numbers, or ``(chain, number[, icode])`` keys); ``[]`` clears."""
        keys = [self._key(r) for r in residues]
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
        key = [str(atom.get("chainname", "")), int(atom.get("resno")), ""]
        for candidate in self.residue_ids:
            if candidate[0] == key[0] and candidate[1] == key[1]:
                key = list(candidate)
                break
        self.selected = [key]

    # -- nglview -------------------------------------------------------------------------------
    @staticmethod
    def _ngl_selection(keys: list[list[Any]]) -> str:
        return " or ".join(
            f"({num}{('^' + icode) if icode else ''}:{chain})" for chain, num, icode in keys
        )

    def _build_nglview(self) -> Any:
        nglview = import_optional("nglview")
        text = self.structure.to_pdb_string(self.model)
        widget = nglview.NGLWidget()
        widget.add_component(nglview.TextStructure(text, ext="pdb"), default_representation=False)
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
        view.addModel(self.structure.to_pdb_string(self.model), "pdb")
        kind = {"trace": "cartoon", "line": "line"}.get(self.style, self.style)
        for (chain, num, icode), color in zip(self.residue_ids, self.colors, strict=True):
            spec: dict[str, Any] = {"color": color}
            if self.style == "trace":
                spec["style"] = "trace"
            selection = {"chain": chain, "resi": f"{num}{icode}"}
            view.setStyle(selection, {kind: spec})
        for chain, num, icode in self.highlighted:
            view.addStyle(
                {"chain": chain, "resi": f"{num}{icode}"}, {"stick": {"color": "#00FF00"}}
            )
        view.zoomTo()
        return view

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
