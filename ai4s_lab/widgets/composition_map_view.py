"""CompositionMapView: a property heatmap over a ternary composition triangle, with criteria
overlaid to show where they all hold (e.g. "near the hull" and "high predicted conductivity")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ai4s_lab.errors import InputError

__all__ = ["CompositionMapView", "composition_map_figure"]


def _elements(frame: Any) -> list[str]:
    columns = list(frame.columns)
    if "formula" not in columns or columns.index("formula") != 3:
        raise InputError(
            "the map must be a ternary table from composition_map: three element columns, "
            f"then 'formula' (got columns {columns[:6]})"
        )
    return columns[:3]


def _criteria_mask(frame: Any, criteria: Mapping[str, Any] | None) -> tuple[np.ndarray, list[str]]:
    mask = np.ones(len(frame), dtype=bool)
    names: list[str] = []
    for name, rule in (criteria or {}).items():
        if isinstance(rule, str):
            values = frame.eval(rule)
        elif callable(rule):
            values = rule(frame)
        else:
            values = rule
        array = np.asarray(values, dtype=bool).reshape(-1)
        if array.shape[0] != len(frame):
            raise InputError(
                f"criterion {name!r} gives {array.shape[0]} values for {len(frame)} rows"
            )
        mask &= array
        names.append(name)
    return mask, names


def composition_map_figure(
    frame: Any,
    value: str,
    *,
    criteria: Mapping[str, Any] | None = None,
    colorscale: str = "Viridis",
    title: str | None = None,
) -> Any:
    """A ternary heatmap of ``frame[value]`` (a table from ``composition_map``).

    Parameters
    ----------
    frame
        Output of :func:`ai4s_lab.materials.composition_map` over three elements.
    value
        Column to colour by.
    criteria
        ``{name: rule}``; a rule is a ``DataFrame.eval`` expression (``"hull_energy < -0.5"``),
        a function of the frame, or a boolean array. Grid points where every rule holds are
        outlined.
    """
    import plotly.graph_objects as go

    elements = _elements(frame)
    if value not in frame.columns:
        raise InputError(
            f"value={value!r} is not a column of the map; columns: {list(frame.columns)}"
        )
    mask, names = _criteria_mask(frame, criteria)
    fig = go.Figure()
    fig.add_trace(
        go.Scatterternary(
            a=frame[elements[0]], b=frame[elements[1]], c=frame[elements[2]], mode="markers",
            name=value, text=frame["formula"],
            marker={"color": frame[value], "colorscale": colorscale, "size": 8,
                    "symbol": "hexagon", "colorbar": {"title": {"text": value}}},
            hovertemplate="%{text}<br>" + value + " %{marker.color:.4g}<extra></extra>",
        )
    )  # fmt: skip
    if names:
        chosen = frame[mask]
        fig.add_trace(
            go.Scatterternary(
                a=chosen[elements[0]], b=chosen[elements[1]], c=chosen[elements[2]],
                mode="markers", name=" and ".join(names),
                marker={"color": "rgba(0,0,0,0)", "size": 11, "symbol": "hexagon-open",
                        "line": {"color": "red", "width": 2}},
                hoverinfo="skip",
            )
        )  # fmt: skip
    fig.update_layout(
        title=title or f"{value} over {'-'.join(elements)}",
        ternary={"aaxis": {"title": {"text": elements[0]}},
                 "baxis": {"title": {"text": elements[1]}},
                 "caxis": {"title": {"text": elements[2]}}},
        height=520, width=640, legend={"x": 0.0, "y": 1.0},
    )  # fmt: skip
    return fig


class CompositionMapView:
    """A ternary property map in a FigureWidget, with criteria overlaid.

    Parameters
    ----------
    frame, value, criteria, colorscale, title
        As in :func:`composition_map_figure`.

    Attributes
    ----------
    figure : plotly.graph_objects.FigureWidget
    mask : numpy.ndarray
        Where every criterion holds (all True without criteria).
    """

    def __init__(
        self,
        frame: Any,
        value: str,
        *,
        criteria: Mapping[str, Any] | None = None,
        colorscale: str = "Viridis",
        title: str | None = None,
    ) -> None:
        import plotly.graph_objects as go

        self.frame = frame
        self.value = value
        self.mask, self.criteria = _criteria_mask(frame, criteria)
        self.figure = go.FigureWidget(
            composition_map_figure(
                frame, value, criteria=criteria, colorscale=colorscale, title=title
            )
        )

    @property
    def where(self) -> Any:
        """The rows of the map where every criterion holds."""
        return self.frame[self.mask]

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.figure._repr_mimebundle_(**kwargs)
