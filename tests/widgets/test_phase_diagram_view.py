"""PhaseDiagramView and CompositionMapView without a browser: figures, hover data, and a click
simulated through the FigureWidget's own callback dispatch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import Ai4sWarning, InputError
from ai4s_lab.materials import PhaseDiagram, composition_map, load_entries

pytest.importorskip("ipywidgets")


def _diagram(shared_data: Path, elements: list[str] | None = None) -> PhaseDiagram:
    entries = load_entries(shared_data / "materials" / "li-fe-o-entries.json.gz")
    return PhaseDiagram(entries, elements=elements)


def _click(view: object, trace_name: str, point: int) -> None:
    from plotly.callbacks import InputDeviceState, Points

    figure = view.figure  # type: ignore[attr-defined]
    index, trace = next((i, t) for i, t in enumerate(figure.data) if t.name == trace_name)
    points = Points(
        point_inds=[point], xs=[0.0], ys=[0.0], trace_name=trace_name, trace_index=index
    )
    trace._dispatch_on_click(points, InputDeviceState(button=0, buttons=1))


def test_ternary_click_returns_the_decomposition(shared_data: Path) -> None:
    from ai4s_lab.widgets import PhaseDiagramView

    pd = _diagram(shared_data)
    view = PhaseDiagramView(pd, max_e_above_hull=0.5)
    names = [t.name for t in view.figure.data]
    assert names == ["tie lines", "unstable", "stable"]
    stable_trace = view.figure.data[2]
    assert len(stable_trace.a) == len(pd.stable_entries)
    unstable = view.figure.data[1]
    assert np.all(np.array([row[4] for row in unstable.customdata]) <= 0.5)
    received: list[dict] = []
    view.on_select(received.append)

    row = 7
    entry = pd.entries[int(unstable.customdata[row][0])]
    _click(view, "unstable", row)
    expected = pd.decomposition(entry)
    assert view.selected is not None and received == [view.selected]
    assert view.selected["entry"] is entry
    assert view.selected["decomposition"] == {e.label: f for e, f in expected.items()}
    assert view.selected["e_above_hull"] == pytest.approx(pd.e_above_hull(entry))
    assert view.selected["e_above_hull"] > 0
    assert pd.reaction(entry) in view.panel.value.replace("&gt;", ">")

    _click(view, "stable", 0)
    stable_entry = pd.entries[int(stable_trace.customdata[0][0])]
    assert view.selected["decomposition"] == {stable_entry.label: 1.0}
    assert "(stable)" in view.panel.value


def test_tie_lines_join_stable_entries(shared_data: Path) -> None:
    from ai4s_lab.widgets.phase_diagram_view import phase_diagram_figure

    pd = _diagram(shared_data)
    figure = phase_diagram_figure(pd)
    lines = figure.data[0]
    segments = len([v for v in lines.a if v is None])
    assert segments == len(pd.tie_lines) >= len(pd.stable_entries) - 1


def test_binary_and_quaternary_figures(shared_data: Path) -> None:
    from ai4s_lab.widgets.phase_diagram_view import phase_diagram_figure

    binary = _diagram(shared_data, ["Li", "O"])
    figure = phase_diagram_figure(binary)
    hull = figure.data[0]
    assert len(hull.x) == len(binary.stable_entries)
    assert min(hull.y) < 0 and max(hull.y) == 0.0

    # total energies (Li-Fe-O) beside formation energies (Li-P-S): meaningless energies, but
    # diagrams of five and four elements for the figure's dimensions (the mix is warned about)
    entries = list(load_entries(shared_data / "materials" / "li-fe-o-entries.json.gz"))
    entries += list(load_entries(shared_data / "materials" / "Li-P-S.json.gz"))
    with pytest.warns(Ai4sWarning, match="look like total energies"):
        li_fe_p_s_o = PhaseDiagram(entries, zero_references=True)
    with pytest.raises(InputError, match="views draw 2, 3 or 4 elements"):
        phase_diagram_figure(li_fe_p_s_o)
    with pytest.warns(Ai4sWarning, match="look like total energies"):
        quaternary = PhaseDiagram(entries, elements=["Li", "Fe", "O", "S"], zero_references=True)
    figure = phase_diagram_figure(quaternary)
    assert [t.type for t in figure.data] == ["scatter3d"] * 4


def test_composition_map_view_overlays_criteria(shared_data: Path) -> None:
    from ai4s_lab.widgets import CompositionMapView

    pd = _diagram(shared_data)
    frame = composition_map(list(pd.elements), pd, 0.05)
    frame["li_rich"] = frame["Li"] > 0.4
    view = CompositionMapView(
        frame,
        "hull_energy",
        criteria={"low hull energy": "hull_energy < -1.5", "Li-rich": "li_rich"},
    )
    expected = (frame["hull_energy"] < -1.5) & (frame["Li"] > 0.4)
    np.testing.assert_array_equal(view.mask, expected.to_numpy())
    assert 0 < view.mask.sum() < len(frame)
    overlay = view.figure.data[1]
    assert overlay.name == "low hull energy and Li-rich" and len(overlay.a) == view.mask.sum()
    assert len(view.where) == view.mask.sum()
    with pytest.raises(InputError, match="not a column"):
        CompositionMapView(frame, "conductivity")


def test_composition_map_view_names_a_criterion_that_cannot_be_evaluated(
    shared_data: Path,
) -> None:
    from ai4s_lab.widgets import CompositionMapView

    frame = composition_map(["Li", "Fe", "O"], _diagram(shared_data), 0.25)
    with pytest.raises(InputError, match=r"criterion 'fast'.*'conductivity > 1'.*hull_energy"):
        CompositionMapView(frame, "hull_energy", criteria={"fast": "conductivity > 1"})


def test_binary_composition_map_is_a_line_with_the_criteria_circled(shared_data: Path) -> None:
    """composition_map gives binary tables; the view draws the value against the fraction of
    the second element, in increasing order, and circles where the criteria hold."""
    from ai4s_lab.widgets import CompositionMapView

    pd = _diagram(shared_data, ["Li", "O"])
    frame = composition_map(["Li", "O"], pd, 0.05)
    view = CompositionMapView(frame, "hull_energy", criteria={"deep": "hull_energy < -1.5"})
    line, circled = view.figure.data
    assert line.type == "scatter" and circled.name == "deep"
    np.testing.assert_allclose(line.x, np.sort(frame["O"].to_numpy()))
    # each point's height is the hull energy at that composition (Li2O is on the hull)
    for x, y in zip(line.x, line.y, strict=True):
        assert y == pytest.approx(pd.hull_energy({"Li": 1 - x, "O": x}), abs=1e-12)
    assert len(circled.x) == view.mask.sum() == (frame["hull_energy"] < -1.5).sum() > 0
    assert np.all(np.asarray(circled.y) < -1.5)
    assert "fraction of O" in view.figure.layout.xaxis.title.text


def test_quaternary_composition_map_is_drawn_in_a_tetrahedron(shared_data: Path) -> None:
    from ai4s_lab.materials import simplex_coordinates
    from ai4s_lab.widgets.composition_map_view import composition_map_figure

    frame = composition_map(["Li", "Fe", "O", "S"], lambda x: x[:, 0] - x[:, 3], 0.25)
    figure = composition_map_figure(frame, "value", criteria={"li": "Li > 0.5"})
    points, chosen = figure.data[:2]
    xyz = simplex_coordinates(frame[["Li", "Fe", "O", "S"]].to_numpy())
    np.testing.assert_allclose(np.column_stack([points.x, points.y, points.z]), xyz)
    assert len(chosen.x) == int((frame["Li"] > 0.5).sum())
    five = composition_map(["Li", "Fe", "O", "S", "P"], lambda x: x[:, 0], 0.5)
    with pytest.raises(InputError, match="two, three or four element columns"):
        composition_map_figure(five, "value")
