"""The report's log: nbconvert's alt-text notice is dropped, its other warnings are kept."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from ai4s_lab.pipelines import export_html
from ai4s_lab.pipelines.report import _exporter_log

# a 1×1 transparent PNG
_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
).decode()


def test_a_plot_without_alt_text_logs_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cell = new_code_cell("plot()", outputs=[new_output("display_data", {"image/png": _PNG})])
    notebook = tmp_path / "plot.ipynb"
    nbformat.write(new_notebook(cells=[cell]), notebook)
    with caplog.at_level(logging.INFO):
        html = export_html(notebook).read_text(encoding="utf-8")
        _exporter_log.warning("another nbconvert warning")
    assert "<img" in html and 'alt="' in html  # nbconvert filled the alt text in
    messages = [record.getMessage() for record in caplog.records]
    assert not any("Alternative text" in message for message in messages)
    assert "another nbconvert warning" in messages
