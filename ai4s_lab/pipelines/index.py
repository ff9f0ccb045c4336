"""The sweep index: one offline HTML page comparing every run of a sweep.

A sortable table of parameters, status and recorded values with links to each run's report, and
plotly charts of each recorded number against each parameter that varies (plotly.js is copied
into ``assets/``, never linked from a CDN). Other runs of the folder (earlier versions of the
notebook, other sweeps) can be listed apart, outside the counts and charts.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ai4s_lab.pipelines.report import ASSETS_DIRNAME

__all__ = ["write_index"]

_SORT_SCRIPT = """
document.querySelectorAll('table.runs th').forEach(function (th, column) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0];
    var ascending = th.dataset.order !== 'asc';
    table.querySelectorAll('th').forEach(function (h) { delete h.dataset.order; });
    th.dataset.order = ascending ? 'asc' : 'desc';
    var rows = Array.from(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
      var nx = parseFloat(x), ny = parseFloat(y);
      var cmp = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
      return ascending ? cmp : -cmp;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
    "table.runs{border-collapse:collapse;font-size:13px}"
    "table.runs th,table.runs td{border:1px solid #ddd;padding:4px 8px;text-align:right}"
    "table.runs th{background:#f3f3f3;cursor:pointer;user-select:none}"
    "table.runs th[data-order=asc]::after{content:' ▲'}"
    "table.runs th[data-order=desc]::after{content:' ▼'}"
    ".succeeded{color:#2e7d32}.failed{color:#c62828}.running,.pending{color:#ef6c00}"
    ".charts{display:flex;flex-wrap:wrap;gap:12px}"
)


def write_index(
    out_dir: str | Path,
    runs: Sequence[dict[str, Any]],
    *,
    title: str,
    others: Sequence[dict[str, Any]] = (),
) -> Path:
    """Write ``index.html`` into ``out_dir`` and return its path.

    Parameters
    ----------
    out_dir
        The sweep folder.
    runs
        Catalog rows (:meth:`~ai4s_lab.pipelines.catalog.RunCatalog.runs`) to compare: the
        table, the counts and the charts.
    title
        Page title.
    others
        Other rows of the folder (superseded runs, other sweeps' runs), listed in a table of
        their own below, each with its ``why`` (why it is not one of ``runs``), if given.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    assets = out / ASSETS_DIRNAME
    plotly_js = _copy_plotly(assets)
    param_names = _names(run["parameters"] for run in runs)
    value_names = [
        name
        for name in _names(run.get("recorded") or {} for run in runs)
        if all(_is_scalar((run.get("recorded") or {}).get(name)) for run in runs)
    ]
    # a recorded value named like a parameter: both columns say which they are
    clash = set(param_names) & set(value_names)
    header = [
        "run",
        "status",
        *(f"param.{p}" if p in clash else p for p in param_names),
        *(f"rec.{v}" if v in clash else v for v in value_names),
        "duration s",
        "error",
    ]
    body_rows = [_row(out, run, param_names, value_names) for run in runs]
    counts = {s: sum(r["status"] == s for r in runs) for s in ("succeeded", "failed")}
    charts = _charts(runs, param_names, value_names, clash)
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
        f"<script src='{ASSETS_DIRNAME}/{plotly_js}'></script></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p>{len(runs)} runs: {counts['succeeded']} succeeded, {counts['failed']} failed, "
        f"{len(runs) - sum(counts.values())} unfinished. Click a column to sort."
        + (f" {len(others)} other runs of this folder are listed apart, below." if others else "")
        + "</p><table class='runs'><thead><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in header)
        + "</tr></thead><tbody>"
        + "".join(body_rows)
        + "</tbody></table>"
        + (f"<h2>Recorded values</h2><div class='charts'>{charts}</div>" if charts else "")
        + (_other_runs(out, others) if others else "")
        + f"<script>{_SORT_SCRIPT}</script></body></html>\n"
    )
    index = out / "index.html"
    tmp = index.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, index)
    return index


def _other_runs(out: Path, runs: Sequence[dict[str, Any]]) -> str:
    """The table of the folder's runs that are not compared: why, status, parameters."""
    rows = "".join(
        f"<tr><td data-value='{html.escape(str(run['run_id']), quote=True)}'>"
        f"{_run_link(out, run)}</td>"
        + _cell(run.get("why") or "")
        + f"<td class='{html.escape(run['status'])}' data-value='{html.escape(run['status'])}'>"
        f"{html.escape(run['status'])}</td>"
        + _cell(json.dumps(run.get("parameters") or {}, sort_keys=True))
        + _cell(run.get("finished") or "")
        + "</tr>"
        for run in runs
    )
    return (
        f"<h2>Other runs of this folder ({len(runs)})</h2>"
        "<p>Not in the counts or charts above: runs of earlier versions of the notebook or "
        "its data, parameter sets no longer swept, runs of other sweeps.</p>"
        "<table class='runs'><thead><tr><th>run</th><th>why apart</th><th>status</th>"
        "<th>parameters</th><th>finished</th></tr></thead><tbody>" + rows + "</tbody></table>"
    )


def _copy_plotly(assets: Path) -> str:
    import plotly

    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assets.mkdir(parents=True, exist_ok=True)
    target = assets / "plotly.min.js"
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        shutil.copy2(source, target)
    return target.name


def _names(mappings: Any) -> list[str]:
    names: list[str] = []
    for mapping in mappings:
        for name in mapping:
            if name not in names:
                names.append(name)
    return names


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (int, float, str, bool))


def _cell(value: Any) -> str:
    if value is None:
        return "<td data-value=''></td>"
    text = f"{value:.6g}" if isinstance(value, float) else str(value)
    shown = json.dumps(value) if isinstance(value, (list, dict)) else text
    return f"<td data-value='{html.escape(text, quote=True)}'>{html.escape(shown)}</td>"


def _run_link(out: Path, run: dict[str, Any]) -> str:
    """The run's short id, linked to its report where the report exists."""
    report = run.get("report")
    folder = Path(run["output_dir"]) if run.get("output_dir") else None
    label = html.escape(str(run["run_id"])[:8])
    if report and folder is not None and (folder / report).exists():
        # a URL: "#", "?" and "%" in a folder or file name are data, not URL syntax
        href = quote(Path(os.path.relpath(folder / report, out)).as_posix())
        label = f"<a href='{html.escape(href, quote=True)}'>{label}</a>"
    return label


def _row(out: Path, run: dict[str, Any], params: list[str], values: list[str]) -> str:
    status = html.escape(run["status"])
    error = run.get("error") or {}
    reason = f"{error.get('ename', '')}: {error.get('evalue', '')}" if error else ""
    if run.get("problems"):  # a damaged catalog row: say so rather than show it as clean
        reason = "; ".join([reason, *run["problems"]] if reason else run["problems"])
    recorded = run.get("recorded") or {}
    return (
        f"<tr><td data-value='{run['position']}'>{_run_link(out, run)}</td>"
        f"<td class='{status}' data-value='{status}'>{status}</td>"
        + "".join(_cell(run["parameters"].get(p)) for p in params)
        + "".join(_cell(recorded.get(v)) for v in values)
        + _cell(run.get("duration_s"))
        + f"<td style='text-align:left' data-value='{html.escape(reason, quote=True)}'>"
        f"{html.escape(reason)}</td></tr>"
    )


def _charts(
    runs: Sequence[dict[str, Any]], params: list[str], values: list[str], clash: set[str]
) -> str:
    """A chart of each recorded number against each varying parameter; names in ``clash``
    (recorded values named like parameters) are labelled ``rec.NAME`` and ``param.NAME``."""
    import plotly.graph_objects as go

    done = [r for r in runs if r["status"] == "succeeded"]
    numeric_values = [
        v for v in values
        if any(isinstance((r.get("recorded") or {}).get(v), (int, float)) for r in done)
    ]  # fmt: skip
    varying = [p for p in params if len({json.dumps(r["parameters"].get(p)) for r in done}) > 1]
    parts = []
    for value in numeric_values:
        value_label = f"rec.{value}" if value in clash else value
        for param in varying:
            param_label = f"param.{param}" if param in clash else param
            others = [p for p in varying if p != param]
            groups: dict[str, list[tuple[Any, Any]]] = {}
            for run in done:
                key = ", ".join(f"{o}={run['parameters'].get(o)}" for o in others) or value
                groups.setdefault(key, []).append(
                    (_axis_value(run["parameters"].get(param)), run["recorded"].get(value))
                )
            fig = go.Figure()
            for key, points in groups.items():
                points.sort(key=lambda pair: _order(pair[0]))
                fig.add_trace(
                    go.Scatter(
                        x=[p[0] for p in points],
                        y=[p[1] for p in points],
                        mode="lines+markers",
                        name=key,
                    )
                )
            fig.update_layout(
                width=460,
                height=340,
                title=f"{value_label} vs {param_label}",
                xaxis_title=param_label,
                yaxis_title=value_label,
                margin=dict(l=50, r=20, t=50, b=40),
            )
            parts.append(fig.to_html(include_plotlyjs=False, full_html=False))
    return "".join(parts)


def _axis_value(value: Any) -> Any:
    """A parameter value as a chart coordinate: lists and dicts as their JSON text."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (list, dict)) else value


def _order(value: Any) -> tuple[int, Any]:
    """Sort key of chart coordinates of mixed types (a parameter left at its default in some
    runs is None there): missing first, then numbers by value, then text."""
    if value is None:
        return (0, 0)
    if isinstance(value, (bool, int, float)):
        return (1, float(value))
    return (2, str(value))
