"""TeX in the markdown cells of a report, as MathML: equations that show offline.

JupyterLab renders ``$…$``, ``$$…$$``, ``\\(…\\)`` and ``\\[…\\]`` with MathJax, which an offline
report cannot load from its CDN. Browsers draw MathML themselves (MathML Core), so each
formula is converted with latex2mathml when the report is written. Markdown must not parse
the MathML (``*`` and ``_`` inside it would become emphasis), so formulas are swapped for
placeholder words before nbconvert renders the cell and for their MathML after it. Code spans
and fenced blocks are left alone; a formula latex2mathml cannot convert stays as TeX.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

__all__ = ["MathSwap", "formulas_to_placeholders"]

logger = logging.getLogger(__name__)

# Code first: a "$" inside `code` or a fenced block is not math.
_CODE = re.compile(r"```.*?(?:```|$)|~~~.*?(?:~~~|$)|`[^`\n]*`", re.S)
_MATH = re.compile(
    r"\$\$(?P<block>.+?)\$\$"
    r"|\\\[(?P<block2>.+?)\\\]"
    r"|\\\((?P<inline2>.+?)\\\)"
    r"|(?<![\\$])\$(?P<inline>[^$\n]+?)(?<!\\)\$(?!\$)",
    re.S,
)


class MathSwap:
    """Placeholders of one report and the MathML each stands for."""

    def __init__(self) -> None:
        self._nonce = secrets.token_hex(4)
        self.mathml: dict[str, str] = {}

    def placeholder(self, tex: str, display: str) -> str | None:
        """A placeholder word for ``tex`` (converted now), or None where it cannot be."""
        from latex2mathml.converter import convert

        try:
            mathml = convert(tex.strip(), display=display)
        except Exception as err:  # latex2mathml raises many types for TeX it does not know
            logger.info("formula left as TeX in the report (%s): %.60s", err, tex)
            return None
        word = f"ai4smath{self._nonce}x{len(self.mathml)}x"
        self.mathml[word] = mathml
        return word

    def restore(self, html: str) -> str:
        """``html`` with every placeholder replaced by its MathML."""
        if not self.mathml:
            return html
        pattern = re.compile("|".join(map(re.escape, self.mathml)))
        return pattern.sub(lambda match: self.mathml[match.group(0)], html)


def formulas_to_placeholders(notebook: Any) -> MathSwap:
    """Swap the formulas of ``notebook``'s markdown cells for placeholders, in place; the
    returned :class:`MathSwap` restores them as MathML in the rendered HTML."""
    swap = MathSwap()
    try:
        import latex2mathml.converter  # noqa: F401
    except ImportError:  # an environment installed before it was a dependency
        logger.warning("latex2mathml is not installed: formulas stay as TeX in reports")
        return swap

    def convert(match: re.Match[str]) -> str:
        block = match.group("block") or match.group("block2")
        tex = block if block is not None else match.group("inline") or match.group("inline2")
        word = swap.placeholder(tex, "block" if block is not None else "inline")
        return match.group(0) if word is None else word

    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if "$" not in source and "\\(" not in source and "\\[" not in source:
            continue
        pieces, last = [], 0
        for code in _CODE.finditer(source):
            pieces.append(_MATH.sub(convert, source[last : code.start()]))
            pieces.append(code.group(0))
            last = code.end()
        pieces.append(_MATH.sub(convert, source[last:]))
        cell["source"] = "".join(pieces)
    return swap
