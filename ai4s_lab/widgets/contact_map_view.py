"""Residue-pair maps (contacts, distances, PAE) as plotly FigureWidgets linked to a ProteinView.

A click on a cell ``(i, j)`` highlights residues i and j in the linked 3D view (and is kept in
``map_view.clicked``); residues picked in the 3D view are marked on the map by crosshair lines.
"""

from __future__ import annotations

import itertools
from typing import Any

import ipywidgets
import numpy as np
import traitlets

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import InputError
from ai4s_lab.protein.structure import Structure
from ai4s_lab.widgets._arrays import to_numpy

__all__ = ["MAX_CELLS_A_SIDE", "ContactMapView", "PAEView"]

#: Above this many residues a side, a map shows square blocks of residues (the mean of each
#: block: the fraction of contacts, the mean distance or error), so that a 6,000-residue complex
#: sends about 4 MB to the browser instead of 300 MB.
MAX_CELLS_A_SIDE = 1000


class ContactMapView(ipywidgets.VBox):
    """A residue × residue matrix (contact map, distances) linked to a 3D view.

    Parameters
    ----------
    matrix
        ``(n, n)`` array or tensor over the polymer residues of ``structure``
        (e.g. ``contact_map(structure)[0]``; a one-model ``(1, n, n)`` batch is taken as is).
    structure
        The structure the rows and columns belong to (for residue numbers); it must hold
        amino-acid residues (residues with a Cα), else :class:`InputError`.
    view
        A :class:`~ai4s_lab.widgets.ProteinView` to link with, both ways.
    title, colorscale
        Figure title and plotly colour scale.

    Attributes
    ----------
    clicked
        The last clicked cell as two residue keys (observable).
    axis
        The axis coordinate of each residue: its number for one chain numbered upwards, else a
        ``"chain:number[icode]"`` label (complexes, insertion codes, restarted numbering).
    block
        Residues a side of one cell of the map: 1, or more above ``MAX_CELLS_A_SIDE``
        residues (the cell holds the block's mean; a click picks the block's middle residue).
    """

    clicked: Any = traitlets.List().tag(sync=False)

    def __init__(
        self,
        matrix: Any,
        structure: Structure,
        view: Any = None,
        *,
        title: str = "Contact map",
        colorscale: str = "Greys",
        zmax: float | None = None,
    ) -> None:
        go = import_optional("plotly.graph_objects", purpose="contact map views")
        values = np.asarray(to_numpy(matrix), dtype=np.float32)
        if values.ndim == 3 and values.shape[0] == 1:  # contact_map's one-model batch
            values = values[0]
        self.residue_ids = structure.residue_ids
        n = len(self.residue_ids)
        if n == 0:  # the InputError that says what the structure holds instead
            structure.required_atoms("CA", "draw a residue-pair map with")
            raise InputError(f"{structure.name!r} has no amino-acid residues to draw a map of")
        if values.ndim == 3:
            raise InputError(
                f"matrix holds {values.shape[0]} models' maps {values.shape}: pick one, "
                "e.g. contact_map(structure)[0]"
            )
        if values.shape != (n, n):
            raise InputError(
                f"matrix of shape {values.shape} does not fit the {n} polymer residues of "
                f"{structure.name!r}: compute it from that structure"
            )
        self.axis = _axis_values(self.residue_ids)
        self.block = -(-n // MAX_CELLS_A_SIDE)
        categorical = bool(self.axis) and isinstance(self.axis[0], str)
        shown_axis = _cell_axis(self.axis, self.block, categorical)
        if self.block > 1:
            values = _block_means(values, self.block)
            title = f"{title} ({self.block} × {self.block} residue blocks, mean)"
        # where a picked residue is marked: its own number on a numeric axis, its block's
        # label on a categorical one
        self._position = {
            tuple(key): shown_axis[i // self.block] if categorical else self.axis[i]
            for i, key in enumerate(self.residue_ids)
        }
        axis_type = "category" if categorical else "linear"
        self.figure = go.FigureWidget(
            data=[
                go.Heatmap(z=values, x=shown_axis, y=shown_axis, colorscale=colorscale, zmax=zmax)
            ],
            layout={
                "title": title,
                "width": 480,
                "height": 460,
                "xaxis": {"title": "residue", "type": axis_type},
                "yaxis": {
                    "title": "residue",
                    "type": axis_type,
                    "autorange": "reversed",
                    "scaleanchor": "x",
                },
            },
        )
        self.view = view
        self.figure.data[0].on_click(self._on_click)
        if view is not None:
            view.observe(self._mark_selected, "selected")
        super().__init__(children=[self.figure])

    def click(self, i: int, j: int) -> None:
        """Act as a click on cell (i, j) (0-based positions): highlight both residues."""
        n = len(self.residue_ids)
        for name, value in (("i", i), ("j", j)):
            if not (isinstance(value, (int, np.integer)) and 0 <= value < n):
                raise InputError(
                    f"click: {name}={value!r} is not a residue position; use 0 to {n - 1} "
                    f"(the {n} residues of the map)"
                )
        a, b = list(self.residue_ids[i]), list(self.residue_ids[j])
        self.clicked = [a, b]
        if self.view is not None:
            self.view.highlight([a, b])

    def _on_click(self, trace: Any, points: Any, state: Any) -> None:
        if not points.point_inds:
            return
        row, col = points.point_inds[0]
        last = len(self.residue_ids) - 1
        middle = self.block // 2  # of a block of residues, or 0 for one
        self.click(
            min(int(row) * self.block + middle, last), min(int(col) * self.block + middle, last)
        )

    def _mark_selected(self, change: dict[str, Any]) -> None:
        shapes = []
        for key in change["new"]:
            at = self._position.get(tuple(key))
            if at is None:  # a picked atom outside the map's residues (ligand, water)
                continue
            for axis in ("x", "y"):
                line: dict[str, Any] = {"type": "line", "line": {"color": "#00AA00", "width": 1}}
                if axis == "x":
                    line.update(x0=at, x1=at, y0=0, y1=1, yref="paper")
                else:
                    line.update(y0=at, y1=at, x0=0, x1=1, xref="paper")
                shapes.append(line)
        self.figure.layout.shapes = shapes


def _block_means(values: np.ndarray, block: int) -> np.ndarray:
    """Means of ``block`` × ``block`` squares of a square matrix (the last ones partial)."""
    n = len(values)
    m = -(-n // block)
    padded = np.full((m * block, m * block), np.nan, dtype=np.float32)
    padded[:n, :n] = values
    return np.nanmean(padded.reshape(m, block, m, block), axis=(1, 3))


def _cell_axis(axis: list[Any], block: int, categorical: bool) -> list[Any]:
    """The coordinate of each cell of a map of ``block``-residue cells: plotly centres a cell
    on its coordinate, so on a numeric axis a block's cell sits at the middle of its first and
    last residue numbers; a categorical axis names a block by its first residue."""
    if block == 1 or categorical:
        return axis[::block]
    return [(axis[i] + axis[min(i + block, len(axis)) - 1]) / 2 for i in range(0, len(axis), block)]


def _axis_values(residue_ids: list[tuple[str, int, str]]) -> list[Any]:
    """Axis coordinates of the residues: their numbers where those are increasing and unique
    (one chain, no insertion codes), else ``"chain:number[icode]"`` labels on a categorical
    axis, so that the chains of a complex, insertion codes and numbering that restarts or
    jumps back never fold residues onto one cell."""
    numbers = [num for _, num, _ in residue_ids]
    single_chain = len({chain for chain, _, _ in residue_ids}) <= 1
    no_icode = not any(icode for _, _, icode in residue_ids)
    if single_chain and no_icode and all(a < b for a, b in itertools.pairwise(numbers)):
        return numbers
    return [f"{chain}:{num}{icode}" for chain, num, icode in residue_ids]


class PAEView(ContactMapView):
    """The predicted aligned error matrix (Å) of a predicted model, linked to a 3D view."""

    def __init__(self, pae: Any, structure: Structure, view: Any = None) -> None:
        if hasattr(pae, "residue_matrix"):  # AlphaFold 3 tokens: one row a residue
            matrix = pae.residue_matrix(structure.residue_ids)
        else:
            matrix = getattr(pae, "matrix", pae)
        zmax = getattr(pae, "max_error", None)
        super().__init__(
            matrix,
            structure,
            view,
            title="Predicted aligned error (Å)",
            colorscale="Greens_r",
            zmax=zmax,
        )
