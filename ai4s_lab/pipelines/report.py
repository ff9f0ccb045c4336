"""HTML reports of executed notebooks that work offline.

nbconvert's default HTML loads require.js, the widget renderer, MathJax and Mermaid from CDNs, so
an offline report shows blank widgets and raw TeX. Here the ``ai4s_report`` template points every
script at files in an ``assets/`` folder beside the report, copied from this package (require.js,
the Jupyter widgets HTML manager) and from the installed widget packages (their AMD bundles,
mapped with ``require.config``). Plotly figures are inlined by the ``plotly_mimetype+notebook``
renderer that the runner sets for the kernel. Formulas in markdown cells are written as MathML,
which browsers draw without a script (:mod:`ai4s_lab.pipelines._report_math`).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import shutil
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ai4s_lab.pipelines._report_math import formulas_to_placeholders

__all__ = ["ASSETS_DIRNAME", "copy_assets", "export_html", "strip_remote_scripts", "widget_bundles"]

logger = logging.getLogger(__name__)

# <script src="https://..."></script> in an HTML output: plotly, for one, adds MathJax from a CDN
# to every figure. Offline it fails (or hangs the page), so reports drop such tags.
_REMOTE_SCRIPT = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']((?:https?:)?//[^"']+)["'][^>]*>\s*</script>""",
    re.IGNORECASE,
)

ASSETS_DIRNAME = "assets"
_PACKAGE_ASSETS = Path(__file__).with_name("assets")
_TEMPLATES = Path(__file__).with_name("templates")
_TEMPLATE_NAME = "ai4s_report"
_REQUIRE_JS = "require.js"
_WIDGET_RENDERER = "embed-amd.js"


def widget_bundles() -> dict[str, Path]:
    """AMD bundles of installed third-party widget packages, by require.js module name.

    Looks in the ``share/jupyter/nbextensions`` folders of this environment (where packages such
    as nglview install ``<module>/index.js``).
    """
    bundles: dict[str, Path] = {}
    for root in _data_dirs():
        folder = root / "nbextensions"
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            index = entry / "index.js"
            if entry.is_dir() and index.is_file() and entry.name not in bundles:
                bundles[entry.name] = index
    return bundles


def copy_assets(assets_dir: str | Path) -> dict[str, str]:
    """Copy the scripts a report needs into ``assets_dir`` (skipping up-to-date copies).

    Returns
    -------
    dict
        require.js ``paths`` entries (module name -> path relative to ``assets_dir`` without
        ``.js``) for the widget bundles that were copied.
    """
    target = Path(assets_dir)
    target.mkdir(parents=True, exist_ok=True)
    for name in (_REQUIRE_JS, _WIDGET_RENDERER):
        _copy_if_newer(_PACKAGE_ASSETS / name, target / name)
    paths = {}
    for module, index in widget_bundles().items():
        _copy_if_newer(index, target / module / "index.js")
        paths[module] = f"{module}/index"
    return paths


def export_html(
    notebook: str | Path,
    html_path: str | Path | None = None,
    *,
    assets_dir: str | Path | None = None,
    banner: Mapping[str, Any] | None = None,
) -> Path:
    """Render an executed notebook as an HTML report that needs no network.

    Parameters
    ----------
    notebook
        The executed ``.ipynb``.
    html_path
        Where to write the report; defaults to the notebook's path with ``.html``.
    assets_dir
        Folder for the shared scripts; defaults to ``assets/`` beside the report. Reports of a
        sweep can share one folder.
    banner
        Optional run summary shown at the top (``notebook``, ``status``, ``error``,
        ``parameters``).

    Returns
    -------
    Path
        The written HTML file.
    """
    import nbformat

    source = Path(notebook)
    target = Path(html_path) if html_path is not None else source.with_suffix(".html")
    target.parent.mkdir(parents=True, exist_ok=True)
    assets = Path(assets_dir) if assets_dir is not None else target.parent / ASSETS_DIRNAME
    require_paths = copy_assets(assets)
    relative = Path(os.path.relpath(assets, target.parent)).as_posix()

    exporter = _exporter(relative, threading.get_ident())
    node = nbformat.read(source, as_version=4)
    removed = strip_remote_scripts(node)
    if removed:
        logger.info("%s: left out remote scripts %s", source, sorted(set(removed)))
    formulas = formulas_to_placeholders(node)
    resources: dict[str, Any] = {
        "ai4s_require_paths": {name: f"{relative}/{path}" for name, path in require_paths.items()},
        "ai4s_banner": _banner_text(banner) if banner else None,
        "metadata": {"name": source.stem},
    }
    body, _ = exporter.from_notebook_node(node, resources=resources)
    target.write_text(formulas.restore(body), encoding="utf-8")
    return target


class _DropAltTextNotice(logging.Filter):
    """nbconvert warns of every report with a plot ("Alternative text is missing on 1
    image(s)") after it has filled the alt text in itself: noise in every pipeline's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Alternative text is missing")


_exporter_log = logging.getLogger(f"{__name__}.nbconvert")
_exporter_log.addFilter(_DropAltTextNotice())


@functools.lru_cache(maxsize=16)
def _exporter(assets_url: str, thread: int) -> Any:
    """The report exporter for assets at ``assets_url``, kept per thread (its preprocessors hold
    state while they run): compiling its templates costs about 0.2 s, a quarter of a short run."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=_TEMPLATE_NAME,
        extra_template_basedirs=[str(_TEMPLATES)],
        require_js_url=f"{assets_url}/{_REQUIRE_JS}",
        widget_renderer_url=f"{assets_url}/{_WIDGET_RENDERER}",
        log=_exporter_log,
    )


def strip_remote_scripts(notebook: Any) -> list[str]:
    """Remove ``<script src="http...">`` tags from the HTML outputs of a notebook, in place.

    Returns
    -------
    list of str
        The URLs that were removed (each tag becomes an HTML comment naming it).
    """
    removed: list[str] = []

    def replace(match: re.Match[str]) -> str:
        removed.append(match.group(1))
        return f"<!-- remote script left out of the offline report: {match.group(1)} -->"

    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data", {})
            html = data.get("text/html")
            if html is None:
                continue
            text = "".join(html) if isinstance(html, list) else html
            data["text/html"] = _REMOTE_SCRIPT.sub(replace, text)
    return removed


def _banner_text(banner: Mapping[str, Any]) -> dict[str, str]:
    parameters = banner.get("parameters") or {}
    return {
        "notebook": str(banner.get("notebook", "")),
        "status": str(banner.get("status", "")),
        "error": str(banner.get("error") or ""),
        "parameters": ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in parameters.items()),
    }


def _copy_if_newer(source: Path, target: Path) -> None:
    if target.exists():
        same = target.stat().st_size == source.stat().st_size
        if same and target.stat().st_mtime >= source.stat().st_mtime:
            return
    target.parent.mkdir(parents=True, exist_ok=True)
    # Copy then rename: runs at once share the assets folder, and a report opened meanwhile
    # must never read a half-written script.
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    shutil.copy2(source, partial)
    os.replace(partial, target)


def _data_dirs() -> list[Path]:
    from jupyter_core.paths import jupyter_path

    roots = [Path(sys.prefix) / "share" / "jupyter"] + [Path(p) for p in jupyter_path()]
    unique: list[Path] = []
    for root in roots:
        if root not in unique:
            unique.append(root)
    return unique
