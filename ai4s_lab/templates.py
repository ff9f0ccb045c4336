"""The lab notebooks as templates: what the JupyterLab launcher offers to copy."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ai4s_lab.errors import InputError

__all__ = ["Template", "list_templates", "notebooks_dir"]

_PACKAGED = Path(__file__).resolve().parent / "_notebooks"
_CHECKOUT = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True)
class Template:
    """A lab notebook: its file name, title (first heading) and a one-sentence description."""

    name: str
    title: str
    description: str
    path: Path


def notebooks_dir() -> Path:
    """The folder of lab notebooks: packaged in a wheel, or ``notebooks/`` in a checkout."""
    for folder in (_PACKAGED, _CHECKOUT):
        if folder.is_dir():
            return folder
    raise InputError(f"no lab notebooks found in {_PACKAGED} or {_CHECKOUT}; reinstall ai4s-lab")


def list_templates(folder: Path | None = None) -> list[Template]:
    """Every ``*.ipynb`` of the notebooks folder, sorted by file name."""
    root = folder or notebooks_dir()
    return [_describe(path) for path in sorted(root.glob("*.ipynb"))]


def _describe(path: Path) -> Template:
    title, description = path.stem.replace("_", " "), ""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        cells = []
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = "".join(cell.get("source", []))
        heading = re.search(r"^#\s+(.+)$", source, flags=re.MULTILINE)
        if heading:
            title = heading.group(1).strip()
            body = source[heading.end() :].strip()
            plain = re.sub(r"[*_`$\\]", "", body.split("\n\n")[0]).replace("\n", " ")
            description = plain.split(". ")[0].strip()[:200]
        break
    return Template(name=path.name, title=title, description=description, path=path)
