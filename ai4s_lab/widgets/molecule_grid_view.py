"""``MoleculeGridView``: a paged grid of RDKit depictions with sort, filter and selection.

The kernel side holds the whole table; only the visible page is drawn (SVG by RDKit) and sent to
the browser, so 10^5 rows page as fast as 100. A click in the browser toggles a molecule in
``selected_rows``, which Python reads back as plain row numbers (:attr:`selection`).
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Sequence
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets

from ai4s_lab._numbers import is_integer
from ai4s_lab.errors import InputError
from ai4s_lab.widgets._frontend import frontend_file

__all__ = ["MCS_PAGE_BUDGET", "MoleculeGridView"]

#: Seconds one page may spend finding the substructures shared with ``query`` (RDKit's FindMCS,
#: up to 1 s a molecule); the rest of the page is drawn without highlights.
MCS_PAGE_BUDGET = 3.0


class MoleculeGridView(anywidget.AnyWidget):
    """A grid of molecules with paging, sort by any column, a filter and selection.

    Parameters
    ----------
    mols
        RDKit molecules or SMILES strings (or a ``MoleculeSet``, whose ``data`` becomes the
        table).
    data
        One row a molecule (any columns); default: the ``MoleculeSet``'s data, or an index only.
    page_size
        Molecules a page (at least 1).
    columns
        Columns shown under each depiction (default: up to four numeric or text columns).
    query
        A molecule or SMILES whose maximum common substructure is highlighted in every
        depiction.

    Raises
    ------
    InputError
        If an item of ``mols`` or the query is not a molecule (e.g. ``None`` from a SMILES that
        RDKit could not parse) or an unparseable SMILES, ``data`` has another number of rows,
        or ``page_size`` is below 1.

    Attributes
    ----------
    selection
        Row numbers (positions in ``data``) selected in the browser, in click order.
    """

    _esm = frontend_file("molecule_grid_view.js")

    page = traitlets.Int(0).tag(sync=True)
    page_size = traitlets.Int(24).tag(sync=True)
    n_pages = traitlets.Int(1).tag(sync=True)
    n_rows = traitlets.Int(0).tag(sync=True)
    sort_by = traitlets.Unicode("").tag(sync=True)
    ascending = traitlets.Bool(True).tag(sync=True)
    filter = traitlets.Unicode("").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    sortable = traitlets.List(traitlets.Unicode()).tag(sync=True)
    columns = traitlets.List(traitlets.Unicode()).tag(sync=True)
    cells = traitlets.List(traitlets.Dict()).tag(sync=True)
    selected_rows = traitlets.List(traitlets.Int()).tag(sync=True)

    def __init__(
        self,
        mols: Sequence[Any],
        data: pd.DataFrame | None = None,
        *,
        page_size: int = 24,
        columns: Sequence[str] | None = None,
        query: Any = None,
        **kwargs: Any,
    ) -> None:
        from ai4s_lab.molecules._rdkit import as_mol, as_mols

        if data is None and hasattr(mols, "data") and hasattr(mols, "mols"):
            data = mols.data
        if not is_integer(page_size) or isinstance(page_size, bool) or page_size < 1:
            raise InputError(f"page_size={page_size!r}: use a positive integer")
        self._mols = as_mols(getattr(mols, "mols", mols))
        table = pd.DataFrame(index=range(len(self._mols))) if data is None else data
        if len(table) != len(self._mols):
            raise InputError(f"data has {len(table)} rows for {len(self._mols)} molecules")
        # rows are numbered 0, 1, 2...; a meaningful index (set_index("Compound ID"), a named
        # one, labels) is kept as a column; the row numbers a filtered frame keeps are not
        index = table.index
        keep = index.name is not None or not pd.api.types.is_integer_dtype(index.dtype)
        self._data = table.reset_index(drop=not keep)
        # the browser names columns by text: each name maps back to its label (0, 1, 2 in a
        # table made from a NumPy array, a tuple in a MultiIndex)
        self._labels = {str(c): c for c in self._data.columns}
        self._query = None if query is None else as_mol(query, "query", query=True)
        self._highlight_cache: dict[int, list[int]] = {}
        self._view = self._data.index.to_numpy()
        shown = (
            [str(c) for c in columns]
            if columns is not None
            else [str(c) for c in self._data.columns if c not in ("smiles", "input", "row")][:4]
        )
        missing = [c for c in shown if c not in self._labels]
        if missing:
            raise InputError(
                f"columns {missing} not in the data; it has {list(self._data.columns)}"
            )
        super().__init__(
            page_size=int(page_size),
            columns=shown,
            sortable=list(self._labels),
            n_rows=len(self._data),
            **kwargs,
        )
        self._refresh()

    # -- Python API -------------------------------------------------------------------------

    @property
    def data(self) -> pd.DataFrame:
        """The full table."""
        return self._data

    @property
    def mols(self) -> list[Any]:
        """The molecules, one a row of :attr:`data` (e.g. for ``ConformerView().follow(grid)``)."""
        return self._mols

    @property
    def selection(self) -> list[int]:
        """Row numbers selected in the browser (or set with :meth:`select`)."""
        return list(self.selected_rows)

    @property
    def selected(self) -> pd.DataFrame:
        """The selected rows of the table."""
        return self._data.iloc[self.selection]

    def select(self, rows: Sequence[int] | Sequence[bool]) -> None:
        """Select rows from Python: row numbers, or a boolean mask of one value a row (e.g.
        ``grid.select(df.logS > 0)``)."""
        flags = np.asarray(rows)
        if flags.dtype == bool:
            if flags.shape != (len(self._data),):
                raise InputError(
                    f"select: a boolean mask of shape {flags.shape} for {len(self._data)} rows; "
                    "give one True/False a row, or row numbers"
                )
            rows = [int(r) for r in np.flatnonzero(flags)]
        not_numbers = [r for r in rows if not is_integer(r) or isinstance(r, bool)]
        if not_numbers:
            raise InputError(
                f"select: rows {not_numbers[:5]} are not row numbers; give integers from 0 to "
                f"{len(self._data) - 1} or a boolean mask"
            )
        bad = [r for r in rows if not 0 <= r < len(self._data)]
        if bad:
            raise InputError(f"rows {bad} are outside 0..{len(self._data) - 1}")
        self.selected_rows = [int(r) for r in rows]
        self._refresh()

    @traitlets.validate("page")
    def _valid_page(self, proposal: dict[str, Any]) -> int:
        return max(0, int(proposal["value"]))  # past the last page is clamped in _refresh

    @traitlets.validate("page_size")
    def _valid_page_size(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if value < 1:
            raise InputError(f"page_size={value!r}: use a positive integer")
        return value

    @traitlets.observe("page", "page_size", "sort_by", "ascending", "filter", "selected_rows")
    def _on_change(self, change: dict[str, Any]) -> None:
        if change["name"] in ("sort_by", "ascending", "filter"):
            self._apply()
        self._refresh()

    def _apply(self) -> None:
        """Filter, then sort, the table into the view. A filter or sort that fails sets
        :attr:`error` and is left out, so the view never shows the result of an earlier
        filter: a bad filter shows every row."""
        table = self._data
        errors = []
        if self.filter.strip():
            try:
                table = table.query(self.filter)
            except Exception as err:  # pandas raises many types for a bad expression
                errors.append(f"filter {self.filter!r}: {err}{self._filter_hint()}")
        if self.sort_by and self.sort_by not in self._labels:
            errors.append(f"no column {self.sort_by!r}")
        elif self.sort_by:
            label = self._labels[self.sort_by]
            try:
                table = table.sort_values(label, ascending=self.ascending, kind="stable")
            except TypeError:  # values that do not compare (numbers and text): sort as text
                table = table.sort_values(
                    label, ascending=self.ascending, kind="stable", key=_as_text
                )
        self.error = "; ".join(errors)
        self._view = table.index.to_numpy()
        self.n_rows = len(self._view)
        self.page = 0

    def _filter_hint(self) -> str:
        """Advice for a filter that names a column pandas cannot read without backticks."""
        awkward = [
            str(c)
            for c in self._data.columns
            if not str(c).isidentifier() and str(c) in self.filter and f"`{c}`" not in self.filter
        ]
        if not awkward:
            return ""
        return (
            f"; put a column name with spaces or symbols in backticks, e.g. `{awkward[0]}` "
            "(all rows are shown until the filter is fixed)"
        )

    def _refresh(self) -> None:
        from ai4s_lab.molecules import mol_to_svg, shared_substructure

        self.n_pages = max(1, math.ceil(len(self._view) / max(1, self.page_size)))
        if self.page >= self.n_pages:
            self.page = self.n_pages - 1
            return
        start = self.page * self.page_size
        cells = []
        chosen = set(self.selected_rows)
        began = time.perf_counter()
        for row in self._view[start : start + self.page_size]:
            row = int(row)
            highlight: list[int] = []
            if self._query is not None:
                # FindMCS may take its whole timeout per molecule on large ones: past the
                # page's budget, the rest of the page is drawn without highlights (not cached,
                # so a later visit tries again)
                within_budget = time.perf_counter() - began < MCS_PAGE_BUDGET
                if row not in self._highlight_cache and within_budget:
                    self._highlight_cache[row] = shared_substructure(
                        self._query, self._mols[row], timeout=1
                    )
                highlight = self._highlight_cache.get(row, [])
            values = {c: _fmt(self._data.at[row, self._labels[c]]) for c in self.columns}
            cells.append(
                {
                    "row": row,
                    "svg": mol_to_svg(self._mols[row], highlight_atoms=highlight),
                    "values": values,
                    "selected": row in chosen,
                }
            )
        self.cells = cells

    def to_html(self) -> str:
        """The current page as static HTML (SVGs inline): for reports that cannot run widgets."""
        items = []
        for cell in self.cells:
            caption = "<br>".join(
                f"{html.escape(k)}: {html.escape(v)}" for k, v in cell["values"].items()
            )
            border = "#d62728" if cell["selected"] else "#ccc"
            items.append(
                f'<div style="border:1px solid {border};margin:2px;padding:2px;width:224px;'
                f'font:11px sans-serif">{cell["svg"]}<div>{caption}</div></div>'
            )
        head = (
            f"<div>Molecules {self.page * self.page_size + 1}–"
            f"{self.page * self.page_size + len(self.cells)} of {self.n_rows}</div>"
        )
        body = '<div style="display:flex;flex-wrap:wrap">' + "".join(items) + "</div>"
        return f'<div class="ai4s-molecule-grid">{head}{body}</div>'

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict):
            data["text/html"] = self.to_html()
        return bundle


def _as_text(column: pd.Series) -> pd.Series:
    return column.map(lambda value: "" if value is None else str(value))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
