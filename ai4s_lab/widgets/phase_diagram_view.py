"""PhaseDiagramView: a phase diagram in a plotly FigureWidget, with a side panel that shows the
decomposition of the clicked entry and hands it back to Python.

Binary systems are drawn as formation energy against composition with the hull; ternaries as a
Gibbs triangle with tie lines and the unstable entries coloured by their energy above hull;
quaternaries as a tetrahedron in 3D. :func:`phase_diagram_figure` gives the same figure as a
plain ``go.Figure`` for static reports.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import numpy as np

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import InputError
from ai4s_lab.materials import Entry, PhaseDiagram, simplex_coordinates

__all__ = ["PhaseDiagramView", "phase_diagram_figure"]

HOVER = (
    "<b>%{customdata[1]}</b> (%{customdata[2]})<br>"
    "formation energy %{customdata[3]:.4f} eV/atom<br>"
    "e above hull %{customdata[4]:.4f} eV/atom<extra></extra>"
)
STABLE_NAME = "stable"
UNSTABLE_NAME = "unstable"


def phase_diagram_figure(
    phase_diagram: PhaseDiagram,
    *,
    max_e_above_hull: float | None = None,
    show_unstable: bool = True,
) -> Any:
    """The phase diagram as a plotly figure (2, 3 or 4 elements).

    Parameters
    ----------
    phase_diagram
        The diagram to draw.
    max_e_above_hull
        Hide unstable entries further above the hull than this, eV/atom.
    show_unstable
        Draw the unstable entries (coloured by energy above hull).

    Returns
    -------
    plotly.graph_objects.Figure
        Entry traces are named ``"stable"`` and ``"unstable"``; their ``customdata`` rows are
        ``[index in phase_diagram.entries, formula, id, formation energy, e_above_hull]``.
    """
    import plotly.graph_objects as go

    pd = phase_diagram
    n = len(pd.elements)
    if n not in (2, 3, 4):
        raise InputError(
            f"a {n}-element phase diagram ({'-'.join(pd.elements)}) cannot be drawn; views draw "
            "2, 3 or 4 elements: build a subsystem with PhaseDiagram(entries, elements=[...])"
        )
    above = pd.e_above_hull()
    stable = np.array([pd.is_stable(e) for e in pd.entries])
    shown = ~stable & show_unstable
    if max_e_above_hull is not None:
        shown &= above <= max_e_above_hull
    fig = go.Figure()
    groups = [(STABLE_NAME, np.flatnonzero(stable)), (UNSTABLE_NAME, np.flatnonzero(shown))]
    if n == 2:
        _binary(fig, pd, groups, above)
    elif n == 3:
        _ternary(fig, pd, groups, above)
    else:
        _quaternary(fig, pd, groups, above)
    fig.update_layout(
        title=f"{'-'.join(pd.elements)} phase diagram: {len(pd.stable_entries)} stable of "
        f"{len(pd.entries)} entries",
        height=560,
        width=720,
        legend={"x": 0.0, "y": 1.0},
        clickmode="event",
    )
    return fig


def _customdata(pd: PhaseDiagram, rows: np.ndarray, above: np.ndarray) -> list[list[Any]]:
    return [
        [
            int(i),
            pd.entries[i].name,
            pd.entries[i].entry_id or "",
            float(pd.formation_energies[i]),
            float(above[i]),
        ]
        for i in rows
    ]


def _marker(name: str, rows: np.ndarray, above: np.ndarray) -> dict[str, Any]:
    if name == STABLE_NAME:
        return {"color": "black", "size": 10, "symbol": "circle"}
    return {
        "color": above[rows],
        "colorscale": "Plasma",
        "cmin": 0.0,
        "size": 7,
        "colorbar": {"title": {"text": "E above hull<br>(eV/atom)"}, "x": 1.02},
    }


def _binary(fig: Any, pd: PhaseDiagram, groups: list[Any], above: np.ndarray) -> None:
    import plotly.graph_objects as go

    x = pd.fractions()[:, 1]
    ef = pd.formation_energies
    hull = np.array(sorted({int(i) for i in np.flatnonzero([pd.is_stable(e) for e in pd.entries])}))
    order = hull[np.argsort(x[hull])]
    fig.add_trace(
        go.Scatter(x=x[order], y=ef[order], mode="lines", name="hull", hoverinfo="skip",
                   line={"color": "black"})
    )  # fmt: skip
    for name, rows in groups:
        fig.add_trace(
            go.Scatter(x=x[rows], y=ef[rows], mode="markers", name=name,
                       customdata=_customdata(pd, rows, above), hovertemplate=HOVER,
                       marker=_marker(name, rows, above))
        )  # fmt: skip
    fig.update_xaxes(title=f"x in {pd.elements[0]}(1-x){pd.elements[1]}(x)", range=[-0.02, 1.02])
    fig.update_yaxes(title="formation energy (eV/atom)")


def _ternary(fig: Any, pd: PhaseDiagram, groups: list[Any], above: np.ndarray) -> None:
    import plotly.graph_objects as go

    x = pd.fractions()
    index = {id(e): i for i, e in enumerate(pd.entries)}
    a: list[float | None] = []
    b: list[float | None] = []
    c: list[float | None] = []
    for first, second in pd.tie_lines:
        for entry in (first, second):
            row = x[index[id(entry)]]
            a.append(float(row[0]))
            b.append(float(row[1]))
            c.append(float(row[2]))
        a.append(None)
        b.append(None)
        c.append(None)
    fig.add_trace(
        go.Scatterternary(a=a, b=b, c=c, mode="lines", name="tie lines", hoverinfo="skip",
                          line={"color": "rgba(60,60,60,0.6)", "width": 1})
    )  # fmt: skip
    for name, rows in reversed(groups):  # stable on top
        fig.add_trace(
            go.Scatterternary(a=x[rows, 0], b=x[rows, 1], c=x[rows, 2], mode="markers", name=name,
                              customdata=_customdata(pd, rows, above), hovertemplate=HOVER,
                              marker=_marker(name, rows, above))
        )  # fmt: skip
    el = pd.elements
    fig.update_layout(
        ternary={"aaxis": {"title": {"text": el[0]}}, "baxis": {"title": {"text": el[1]}},
                 "caxis": {"title": {"text": el[2]}}}
    )  # fmt: skip


def _quaternary(fig: Any, pd: PhaseDiagram, groups: list[Any], above: np.ndarray) -> None:
    import plotly.graph_objects as go

    xyz = simplex_coordinates(pd.fractions())
    index = {id(e): i for i, e in enumerate(pd.entries)}
    lines: list[list[float | None]] = [[], [], []]
    for first, second in pd.tie_lines:
        for entry in (first, second):
            for k in range(3):
                lines[k].append(float(xyz[index[id(entry)], k]))
        for k in range(3):
            lines[k].append(None)
    fig.add_trace(
        go.Scatter3d(x=lines[0], y=lines[1], z=lines[2], mode="lines", name="tie lines",
                     hoverinfo="skip", line={"color": "rgba(60,60,60,0.5)", "width": 2})
    )  # fmt: skip
    for name, rows in reversed(groups):
        marker = _marker(name, rows, above)
        marker["size"] = 6 if name == STABLE_NAME else 4
        fig.add_trace(
            go.Scatter3d(x=xyz[rows, 0], y=xyz[rows, 1], z=xyz[rows, 2], mode="markers",
                         name=name, customdata=_customdata(pd, rows, above),
                         hovertemplate=HOVER, marker=marker)
        )  # fmt: skip
    corners = simplex_coordinates(np.eye(4))
    fig.add_trace(
        go.Scatter3d(x=corners[:, 0], y=corners[:, 1], z=corners[:, 2], mode="text",
                     text=list(pd.elements), name="elements", hoverinfo="skip")
    )  # fmt: skip
    hidden = {"visible": False}
    fig.update_layout(scene={"xaxis": hidden, "yaxis": hidden, "zaxis": hidden})


class PhaseDiagramView:
    """An interactive phase diagram: hover for the entry, click for its decomposition.

    Parameters
    ----------
    phase_diagram
        A :class:`~ai4s_lab.materials.PhaseDiagram` of 2, 3 or 4 elements.
    max_e_above_hull, show_unstable
        As in :func:`phase_diagram_figure`.

    Attributes
    ----------
    figure : plotly.graph_objects.FigureWidget
    panel : ipywidgets.HTML
        The side panel with the selected entry's reaction.
    widget : ipywidgets.HBox
        Figure and panel side by side (what the notebook displays).
    selected : dict or None
        The last selection: ``entry_id``, ``formula``, ``formation_energy_per_atom`` and
        ``e_above_hull`` (eV/atom), ``decomposition`` (``{label: atomic fraction}``),
        ``reaction`` and ``entry`` (the :class:`~ai4s_lab.materials.Entry`).
    """

    def __init__(
        self,
        phase_diagram: PhaseDiagram,
        *,
        max_e_above_hull: float | None = None,
        show_unstable: bool = True,
    ) -> None:
        import plotly.graph_objects as go

        widgets = import_optional("ipywidgets")
        self.phase_diagram = phase_diagram
        self.figure = go.FigureWidget(
            phase_diagram_figure(
                phase_diagram, max_e_above_hull=max_e_above_hull, show_unstable=show_unstable
            )
        )
        self.panel = widgets.HTML(
            value="<i>Click an entry to see what it decomposes into.</i>",
            layout=widgets.Layout(width="300px", padding="8px"),
        )
        self.widget = widgets.HBox([self.figure, self.panel])
        self.selected: dict[str, Any] | None = None
        self._callbacks: list[Callable[[dict[str, Any]], Any]] = []
        for trace in self.figure.data:
            if trace.name in (STABLE_NAME, UNSTABLE_NAME):
                trace.on_click(self._on_click)

    def on_select(self, callback: Callable[[dict[str, Any]], Any]) -> None:
        """Call ``callback(selection)`` after each click (``selection`` as :attr:`selected`)."""
        self._callbacks.append(callback)

    def select(self, entry: Entry) -> dict[str, Any]:
        """Select an entry as a click would; returns the selection."""
        pd = self.phase_diagram
        decomposition = pd.decomposition(entry)
        position = pd.entries.index(entry) if any(e is entry for e in pd.entries) else None
        above = float(pd.e_above_hull(entry))
        selection = {
            "entry": entry,
            "entry_id": entry.entry_id,
            "formula": entry.name,
            "formation_energy_per_atom": pd.formation_energy_per_atom(entry),
            "e_above_hull": above,
            "decomposition": {
                product.label: fraction for product, fraction in decomposition.items()
            },
            "reaction": pd.reaction(entry),
            "index": position,
        }
        self.selected = selection
        self.panel.value = _panel_html(selection)
        for callback in self._callbacks:
            callback(selection)
        return selection

    def _on_click(self, trace: Any, points: Any, state: Any) -> None:
        if not points.point_inds:
            return
        index = int(trace.customdata[points.point_inds[0]][0])
        self.select(self.phase_diagram.entries[index])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _panel_html(selection: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(label)}</td><td style='text-align:right'>{fraction:.4f}</td></tr>"
        for label, fraction in sorted(selection["decomposition"].items(), key=lambda kv: -kv[1])
    )
    ident = html.escape(selection["entry_id"] or "")
    return (
        f"<div class='ai4s-pd-selection'><b>{html.escape(selection['formula'])}</b> {ident}<br>"
        f"formation energy {selection['formation_energy_per_atom']:.4f} eV/atom<br>"
        f"E above hull {selection['e_above_hull']:.4f} eV/atom<br>"
        f"<p class='ai4s-pd-reaction'>{html.escape(selection['reaction'])}</p>"
        f"<table><tr><th>phase</th><th>atom fraction</th></tr>{rows}</table></div>"
    )
