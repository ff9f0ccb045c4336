"""Formulas in report markdown are written as MathML (offline reports cannot load MathJax).

The oracle for each formula is latex2mathml's own conversion of the TeX; the checks are that the
right spans are converted, that Markdown does not touch the MathML, and that code is left alone.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

from ai4s_lab.pipelines import export_html
from ai4s_lab.pipelines._report_math import formulas_to_placeholders

convert = pytest.importorskip("latex2mathml.converter").convert


def _report(tmp_path: Path, *markdown: str) -> str:
    notebook = tmp_path / "maths.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell(text) for text in markdown]), notebook)
    return export_html(notebook).read_text(encoding="utf-8")


def test_inline_and_display_formulas_become_mathml(tmp_path: Path) -> None:
    html = _report(
        tmp_path,
        r"Heat: $\partial_t u = D\,\nabla^2 u$ and \(k^2\).",
        "Decay\n\n$$u(t) = e^{-D|k|^2 t}\\, u(0)$$\n\nand \\[a_i b_j\\]",
    )
    expected = [
        (r"\partial_t u = D\,\nabla^2 u", "inline"),
        ("k^2", "inline"),
        (r"u(t) = e^{-D|k|^2 t}\, u(0)", "block"),
        ("a_i b_j", "block"),
    ]
    for tex, display in expected:
        assert convert(tex, display=display) in html, tex
    assert r"\partial_t" not in html and "ai4smath" not in html


def test_markdown_does_not_parse_inside_a_formula(tmp_path: Path) -> None:
    """``*`` and ``_`` in TeX would otherwise become emphasis and break the formula."""
    html = _report(tmp_path, r"Products $a * b * c$ and $x_1 + y_1 = z_1$.")
    assert convert("a * b * c", display="inline") in html
    assert convert("x_1 + y_1 = z_1", display="inline") in html
    assert "<em>" not in html.split("<body", 1)[1]


def test_code_escaped_dollars_and_unknown_tex_are_left_alone() -> None:
    cell = new_markdown_cell(
        "Price \\$5 and \\$6. Code `x = $HOME` and\n\n```bash\necho $PATH $HOME\n```\n\n"
        "bad: $\\left( x$ good: $y$"
    )
    with pytest.raises(Exception):  # noqa: B017 - the oracle: latex2mathml refuses it
        convert("\\left( x")
    swap = formulas_to_placeholders(new_notebook(cells=[cell]))
    assert "`x = $HOME`" in cell.source and "echo $PATH $HOME" in cell.source
    assert "\\$5 and \\$6" in cell.source
    assert "bad: $\\left( x$ good: ai4smath" in cell.source  # kept as TeX; $y$ converted
    assert list(swap.mathml.values()) == [convert("y", display="inline")]
