"""CompositionMapView: a property map over a composition simplex, with criteria overlaid to show
where they all hold (e.g. "near the hull" and "high predicted conductivity").

A binary map is a line of the property against the fraction of the second element, a ternary
map a heatmap in the Gibbs triangle, a quaternary map coloured points in a tetrahedron (3D).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ai4s_lab.errors import InputError
from ai4s_lab.materials import ELEMENTS, simplex_coordinates

__all__ = ["CompositionMapView", "composition_map_figure"]


def _elements(frame: Any) -> list[str]:
    """The element columns of a map: the columns before ``formula`` (2, 3 or 4 elements)."""
    columns = list(frame.columns)
    elements = columns[: columns.index("formula")] if "formula" in columns else []
    if not 2 <= len(elements) <= 4 or not all(str(el) in ELEMENTS for el in elements):
        raise InputError(
            "the map must be a table from composition_map: two, three or four element "
            f"columns, then 'formula' (got columns {columns[:6]}); build one with "
            "composition_map(elements, source, step)"
        )
    return [str(el) for el in elements]


def _criteria_mask(frame: Any, criteria: Mapping[str, Any] | None) -> tuple[np.ndarray, list[str]]:
    mask = np.ones(len(frame), dtype=bool)
    names: list[str] = []
    for name, rule in (criteria or {}).items():
        if isinstance(rule, str):
            try:
                values = frame.eval(rule)
            except Exception as err:  # pandas raises many types: undefined names, syntax, ...
                raise InputError(
                    f"criterion {name!r}: the expression {rule!r} cannot be evaluated on the map "
                    f"({type(err).__name__}: {err}); use its columns {list(frame.columns)}, "
                    "e.g. 'hull_energy < -0.5'"
                ) from err
        elif callable(rule):
            values = rule(frame)
        else:
            values = rule
        mask &= _as_mask(name, values, frame)
        names.append(name)
    return mask, names


def _as_mask(name: str, values: Any, frame: Any) -> np.ndarray:
    """One criterion's values as a boolean mask over the rows of ``frame``: a Series is matched
    to the rows by its index (in any order), anything else by position; a missing value (NaN,
    None, ``pd.NA``) does not hold, as ``NaN < x`` is False in pandas."""
    import pandas as pd

    if isinstance(values, pd.DataFrame):
        raise InputError(
            f"criterion {name!r} gives a table with columns {list(values.columns)}; give one "
            "column or a condition, e.g. frame['hull_energy'] < -0.5"
        )
    if isinstance(values, pd.Series) and not values.index.equals(frame.index):
        # a criterion of a larger map (a superset of the rows) is matched by label too
        same_rows = (
            values.index.is_unique
            and frame.index.is_unique
            and bool(frame.index.isin(values.index).all())
        )
        if not same_rows:
            unmatched = int((~frame.index.isin(values.index)).sum())
            raise InputError(
                f"criterion {name!r} is a Series whose index does not match the map's rows "
                f"({len(values)} values, {unmatched} of the {len(frame)} rows without one); build "
                "it from the map (e.g. frame['hull_energy'] < -0.5), or pass .to_numpy() to "
                "match rows by position"
            )
        values = values.reindex(frame.index)
    array = np.asarray(values).reshape(-1)
    if array.shape[0] != len(frame):
        raise InputError(f"criterion {name!r} gives {array.shape[0]} values for {len(frame)} rows")
    if array.dtype.kind in "USV" or (
        array.dtype.kind == "O" and any(isinstance(v, str | bytes) for v in array.tolist())
    ):
        raise InputError(
            f"criterion {name!r} gives text values ({array[:3].tolist()}...), not True/False; "
            "give a condition, e.g. 'hull_energy < -0.5'"
        )
    missing = np.asarray(pd.isna(array), dtype=bool)
    return np.where(missing, False, array).astype(bool)


def composition_map_figure(
    frame: Any,
    value: str,
    *,
    criteria: Mapping[str, Any] | None = None,
    colorscale: str = "Viridis",
    title: str | None = None,
) -> Any:
    """A map of ``frame[value]`` (a table from ``composition_map``) over its composition simplex.

    Two elements give a line of the value against the atomic fraction of the second element,
    three a heatmap in the Gibbs triangle, four coloured points in a tetrahedron.

    Parameters
    ----------
    frame
        Output of :func:`ai4s_lab.materials.composition_map` over two, three or four elements.
    value
        Column to colour by.
    criteria
        ``{name: rule}``; a rule is a ``DataFrame.eval`` expression (``"hull_energy < -0.5"``),
        a function of the frame, or a boolean array or Series. A Series (also one a function
        returns) is matched to the rows by its index, an array by position. A missing value
        (NaN, None, ``pd.NA``) counts as False, like ``NaN < -0.5`` in pandas. Grid points where
        every rule holds are outlined (circled on a binary line).

    Returns
    -------
    plotly.graph_objects.Figure
        The first trace holds every grid point, the second (with criteria) the points where
        every rule holds.

    Raises
    ------
    InputError
        If the table does not have 2-4 element columns before ``formula``, ``value`` is not a
        column, or a criterion cannot be evaluated, has the wrong length, is text, or is a
        Series whose index does not hold the map's rows.
    """
    import pandas as pd
    import plotly.graph_objects as go

    elements = _elements(frame)
    if value not in frame.columns:
        raise InputError(
            f"value={value!r} is not a column of the map; columns: {list(frame.columns)}"
        )
    if not pd.api.types.is_numeric_dtype(frame[value]) or pd.api.types.is_bool_dtype(frame[value]):
        numeric = [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        raise InputError(
            f"value={value!r} is a column of {frame[value].dtype} values; the map colours "
            f"numbers: use one of {numeric}"
        )
    mask, names = _criteria_mask(frame, criteria)
    overlay = " and ".join(names)
    draw = {2: _binary, 3: _ternary, 4: _quaternary}[len(elements)]
    fig = go.Figure()
    draw(fig, frame, elements, value, colorscale, mask if names else None, overlay)
    fig.update_layout(
        title=title or f"{value} over {'-'.join(elements)}",
        height=520, width=640, legend={"x": 0.0, "y": 1.0},
    )  # fmt: skip
    return fig


def _binary(
    fig: Any, frame: Any, elements: list[str], value: str, colorscale: str,
    mask: np.ndarray | None, overlay: str,
) -> None:  # fmt: skip
    """The value against the fraction of the second element, as a line through the grid."""
    import plotly.graph_objects as go

    order = np.argsort(frame[elements[1]].to_numpy(), kind="stable")
    rows = frame.iloc[order]
    fig.add_trace(
        go.Scatter(
            x=rows[elements[1]], y=rows[value], mode="lines+markers", name=value,
            text=rows["formula"],
            marker={"color": rows[value], "colorscale": colorscale, "size": 7},
            line={"color": "gray", "width": 1},
            hovertemplate="%{text}<br>" + value + " %{y:.4g}<extra></extra>",
        )
    )  # fmt: skip
    if mask is not None:
        chosen = rows[mask[order]]
        fig.add_trace(
            go.Scatter(
                x=chosen[elements[1]], y=chosen[value], mode="markers", name=overlay,
                marker={"color": "rgba(0,0,0,0)", "size": 12, "symbol": "circle-open",
                        "line": {"color": "red", "width": 2}},
                hoverinfo="skip",
            )
        )  # fmt: skip
    fig.update_layout(
        xaxis={"title": {"text": f"x in {elements[0]}(1-x){elements[1]}x "
                                 f"(atomic fraction of {elements[1]})"}, "range": [0, 1]},
        yaxis={"title": {"text": value}},
    )  # fmt: skip


def _ternary(
    fig: Any, frame: Any, elements: list[str], value: str, colorscale: str,
    mask: np.ndarray | None, overlay: str,
) -> None:  # fmt: skip
    import plotly.graph_objects as go

    fig.add_trace(
        go.Scatterternary(
            a=frame[elements[0]], b=frame[elements[1]], c=frame[elements[2]], mode="markers",
            name=value, text=frame["formula"],
            marker={"color": frame[value], "colorscale": colorscale, "size": 8,
                    "symbol": "hexagon", "colorbar": {"title": {"text": value}}},
            hovertemplate="%{text}<br>" + value + " %{marker.color:.4g}<extra></extra>",
        )
    )  # fmt: skip
    if mask is not None:
        chosen = frame[mask]
        fig.add_trace(
            go.Scatterternary(
                a=chosen[elements[0]], b=chosen[elements[1]], c=chosen[elements[2]],
                mode="markers", name=overlay,
                marker={"color": "rgba(0,0,0,0)", "size": 11, "symbol": "hexagon-open",
                        "line": {"color": "red", "width": 2}},
                hoverinfo="skip",
            )
        )  # fmt: skip
    fig.update_layout(
        ternary={"aaxis": {"title": {"text": elements[0]}},
                 "baxis": {"title": {"text": elements[1]}},
                 "caxis": {"title": {"text": elements[2]}}},
    )  # fmt: skip


def _quaternary(
    fig: Any, frame: Any, elements: list[str], value: str, colorscale: str,
    mask: np.ndarray | None, overlay: str,
) -> None:  # fmt: skip
    """Coloured points in the regular tetrahedron of :func:`simplex_coordinates`."""
    import plotly.graph_objects as go

    xyz = simplex_coordinates(frame[elements].to_numpy(dtype=np.float64))
    fig.add_trace(
        go.Scatter3d(
            x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], mode="markers", name=value,
            text=frame["formula"],
            marker={"color": frame[value], "colorscale": colorscale, "size": 4,
                    "colorbar": {"title": {"text": value}}},
            hovertemplate="%{text}<br>" + value + " %{marker.color:.4g}<extra></extra>",
        )
    )  # fmt: skip
    if mask is not None:
        fig.add_trace(
            go.Scatter3d(
                x=xyz[mask, 0], y=xyz[mask, 1], z=xyz[mask, 2], mode="markers", name=overlay,
                marker={"size": 6, "symbol": "circle-open", "color": "red"},
                hoverinfo="skip",
            )
        )  # fmt: skip
    corners = simplex_coordinates(np.eye(4))
    edges = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    lines = np.array([point for i, j in edges for point in (corners[i], corners[j], [np.nan] * 3)])
    fig.add_trace(
        go.Scatter3d(
            x=lines[:, 0], y=lines[:, 1], z=lines[:, 2], mode="lines", name="edges",
            line={"color": "gray", "width": 2}, hoverinfo="skip", showlegend=False,
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter3d(
            x=corners[:, 0], y=corners[:, 1], z=corners[:, 2], mode="text", text=elements,
            name="elements", hoverinfo="skip", showlegend=False,
        )
    )  # fmt: skip
    axis = {"visible": False}
    fig.update_layout(scene={"xaxis": axis, "yaxis": axis, "zaxis": axis, "aspectmode": "data"})


class CompositionMapView:
    """A property map (binary line, ternary triangle or quaternary tetrahedron) in a
    FigureWidget, with criteria overlaid.

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
