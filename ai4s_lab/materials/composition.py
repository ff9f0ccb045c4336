"""Chemical compositions: parse a formula, reduce it, and give atomic fractions.

A :class:`Composition` is an immutable mapping from element symbol to amount (atoms per formula
unit; amounts may be fractional, as in ``"Li0.5Fe0.5PO4"``). Formulas may nest parentheses or
brackets (``"Ca3(PO4)2"``, ``"K4[Fe(CN)6]"``) and carry hydrate parts after ``"·"`` or ``"*"``
(``"CuSO4·5H2O"``, ``"Na2SO4·10 H2O"``); subscript digits (``"Li₂O"``) read as digits. A hydrate
written with a full stop (``"CuSO4.5H2O"``) is refused: the point would read as a decimal point
(CuSO4.5 H2O).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from itertools import chain
from types import MappingProxyType
from typing import Union

from ai4s_lab.errors import InputError

__all__ = ["ELEMENTS", "Composition", "CompositionLike", "FormulaError", "flat_amounts"]

# Element symbols in order of atomic number with their Pauling electronegativity (None where
# undefined). Values as tabulated in pymatgen's periodic_table.json (CRC Handbook); they only
# order the elements in printed formulas, as is the convention (most electropositive first).
_TABLE: tuple[tuple[str, float | None], ...] = (
    ("H", 2.2), ("He", None), ("Li", 0.98), ("Be", 1.57), ("B", 2.04), ("C", 2.55),
    ("N", 3.04), ("O", 3.44), ("F", 3.98), ("Ne", None), ("Na", 0.93), ("Mg", 1.31),
    ("Al", 1.61), ("Si", 1.9), ("P", 2.19), ("S", 2.58), ("Cl", 3.16), ("Ar", None),
    ("K", 0.82), ("Ca", 1.0), ("Sc", 1.36), ("Ti", 1.54), ("V", 1.63), ("Cr", 1.66),
    ("Mn", 1.55), ("Fe", 1.83), ("Co", 1.88), ("Ni", 1.91), ("Cu", 1.9), ("Zn", 1.65),
    ("Ga", 1.81), ("Ge", 2.01), ("As", 2.18), ("Se", 2.55), ("Br", 2.96), ("Kr", 3.0),
    ("Rb", 0.82), ("Sr", 0.95), ("Y", 1.22), ("Zr", 1.33), ("Nb", 1.6), ("Mo", 2.16),
    ("Tc", 1.9), ("Ru", 2.2), ("Rh", 2.28), ("Pd", 2.2), ("Ag", 1.93), ("Cd", 1.69),
    ("In", 1.78), ("Sn", 1.96), ("Sb", 2.05), ("Te", 2.1), ("I", 2.66), ("Xe", 2.6),
    ("Cs", 0.79), ("Ba", 0.89), ("La", 1.1), ("Ce", 1.12), ("Pr", 1.13), ("Nd", 1.14),
    ("Pm", 1.13), ("Sm", 1.17), ("Eu", 1.2), ("Gd", 1.2), ("Tb", 1.1), ("Dy", 1.22),
    ("Ho", 1.23), ("Er", 1.24), ("Tm", 1.25), ("Yb", 1.1), ("Lu", 1.27), ("Hf", 1.3),
    ("Ta", 1.5), ("W", 2.36), ("Re", 1.9), ("Os", 2.2), ("Ir", 2.2), ("Pt", 2.28),
    ("Au", 2.54), ("Hg", 2.0), ("Tl", 1.62), ("Pb", 2.33), ("Bi", 2.02), ("Po", 2.0),
    ("At", 2.2), ("Rn", 2.2), ("Fr", 0.7), ("Ra", 0.9), ("Ac", 1.1), ("Th", 1.3),
    ("Pa", 1.5), ("U", 1.38), ("Np", 1.36), ("Pu", 1.28), ("Am", 1.3), ("Cm", 1.3),
    ("Bk", 1.3), ("Cf", 1.3), ("Es", 1.3), ("Fm", 1.3), ("Md", 1.3), ("No", 1.3),
    ("Lr", 1.3), ("Rf", None), ("Db", None), ("Sg", None), ("Bh", None), ("Hs", None),
    ("Mt", None), ("Ds", None), ("Rg", None), ("Cn", None), ("Nh", None), ("Fl", None),
    ("Mc", None), ("Lv", None), ("Ts", None), ("Og", None),
)  # fmt: skip

#: The 118 element symbols, in order of atomic number.
ELEMENTS: tuple[str, ...] = tuple(symbol for symbol, _ in _TABLE)
_ATOMIC_NUMBER = {symbol: z for z, symbol in enumerate(ELEMENTS, start=1)}
_SORT_KEY = {
    symbol: (x if x is not None else math.inf, _ATOMIC_NUMBER[symbol]) for symbol, x in _TABLE
}

#: Amounts below this (atoms per formula unit) are treated as zero and dropped.
AMOUNT_TOL = 1e-8
#: Largest denominator tried when reducing fractional amounts to whole numbers.
MAX_REDUCTION_DENOMINATOR = 100
#: Relative tolerance when recognising an amount as a ratio of small integers.
REDUCTION_TOL = 1e-6

_TOKEN = re.compile(r"\s*(?:([A-Z][a-z]?)|([(\[])|([)\]])|(\d+(?:\.\d*)?|\.\d+)|([·•*]))")

#: A point written as the dot of a hydrate or adduct where a formula reads a decimal point:
#: after an amount, element or group, a point followed by an amount (or x, n) and water
#: (``"CuSO4.5H2O"``, ``"CaSO4.0.5H2O"``, ``"CuSO4.xH2O"``), or directly by an element or a
#: group (``"MgSO4.H2O"``, ``"(NH4)2SO4.FeSO4"``), which no decimal number is.
_HYDRATE_DOT = re.compile(
    r"(?<=[\w)\]])\.(?=(?:\d+(?:\.\d+)?|[xnXN])?\s*[HD]2O(?![a-z])|[A-Za-z(\[])"
)

#: Subscript digits as formulas copied from papers and web pages write them ("Li₂O").
_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")

CompositionLike = Union["Composition", str, Mapping[str, float]]


class FormulaError(InputError):
    """A chemical formula or composition cannot be understood."""


class Composition(Mapping[str, float]):
    """An immutable chemical composition: element symbol -> amount (atoms per formula unit).

    Parameters
    ----------
    value
        A formula string (``"Li3PS4"``, ``"Li0.5Fe0.5PO4"``, ``"Ca3(PO4)2"``, ``"CuSO4·5H2O"``),
        a mapping ``{"Li": 3, "P": 1, "S": 4}``, or another :class:`Composition`.

    Raises
    ------
    FormulaError
        For an unknown element, an unbalanced parenthesis, a negative, NaN or infinite amount,
        an empty composition, or a hydrate joined by ``"."`` (``"CuSO4.5H2O"``: write
        ``"CuSO4·5H2O"``); the message quotes the formula and the problem.

    Examples
    --------
    >>> c = Composition("Li3PS4")
    >>> c.num_atoms, c.fraction("S"), c.reduced_formula
    (8.0, 0.5, 'Li3PS4')
    """

    __slots__ = ("_amounts", "_hash", "_total")

    def __init__(self, value: CompositionLike) -> None:
        if isinstance(value, Composition):
            amounts = dict(value._amounts)
        elif isinstance(value, str):
            amounts = _parse_formula(value)
        elif isinstance(value, Mapping):
            amounts = _check_mapping(value)
        else:
            raise FormulaError(
                f"composition {value!r} is a {type(value).__name__}; give a formula string such "
                "as 'Li3PS4' or a mapping such as {'Li': 3, 'P': 1, 'S': 4}"
            )
        self._amounts: dict[str, float] = {
            el: amounts[el] for el in sorted(amounts, key=_SORT_KEY.__getitem__)
        }
        self._hash: int | None = None
        self._total = float(sum(self._amounts.values()))

    # Mapping protocol -------------------------------------------------------------------------
    def __getitem__(self, element: str) -> float:
        return self._amounts.get(element, 0.0)

    def __iter__(self) -> Iterator[str]:
        return iter(self._amounts)

    def __len__(self) -> int:
        return len(self._amounts)

    def __contains__(self, element: object) -> bool:
        return element in self._amounts

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (str, Mapping)) and not isinstance(other, Composition):
            try:
                other = Composition(other)
            except FormulaError:
                return False
        if not isinstance(other, Composition):
            return NotImplemented
        if set(self._amounts) != set(other._amounts):
            return False
        return all(abs(self[el] - other[el]) <= AMOUNT_TOL for el in self._amounts)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._amounts))
        return self._hash

    def __repr__(self) -> str:
        return f"Composition({self.formula!r})"

    def __str__(self) -> str:
        return self.formula

    # Chemistry ------------------------------------------------------------------------------
    @property
    def elements(self) -> tuple[str, ...]:
        """Element symbols present, most electropositive first."""
        return tuple(self._amounts)

    @property
    def chemical_system(self) -> str:
        """Elements joined by ``-`` in alphabetical order, e.g. ``"Li-P-S"``."""
        return "-".join(sorted(self._amounts))

    @property
    def num_atoms(self) -> float:
        """Total number of atoms per formula unit."""
        return self._total

    def fraction(self, element: str) -> float:
        """Atomic fraction of ``element`` (0 if absent)."""
        return self[element] / self.num_atoms

    @property
    def fractions(self) -> dict[str, float]:
        """Atomic fractions of every element present; they sum to 1."""
        total = self.num_atoms
        return {el: amount / total for el, amount in self._amounts.items()}

    @property
    def amounts(self) -> Mapping[str, float]:
        """Read-only view of the amounts (faster than iterating the mapping)."""
        return MappingProxyType(self._amounts)

    def fraction_vector(self, elements: tuple[str, ...] | list[str]) -> list[float]:
        """Atomic fractions in the order of ``elements`` (elements absent here give 0)."""
        total = self.num_atoms
        return [self[el] / total for el in elements]

    @property
    def formula(self) -> str:
        """The formula as given (amounts unreduced), most electropositive element first."""
        return _format(self._amounts)

    def reduced(self) -> Composition:
        """The composition divided by its largest common factor (``Li4P2S8`` -> ``Li2PS4``).

        Fractional amounts are first scaled to whole numbers where they are ratios of small
        integers (denominators up to :data:`MAX_REDUCTION_DENOMINATOR`); otherwise the amounts
        are divided by the common factor of the whole ones (``Na0.666Co2O4`` ->
        ``Na0.333CoO2``), or normalised to one atom where none is whole.
        """
        return Composition(_reduce(self._amounts))

    @property
    def reduced_formula(self) -> str:
        """Formula of :meth:`reduced`, e.g. ``"LiCoO2"`` for ``Li2Co2O4``."""
        return _format(_reduce(self._amounts))

    def almost_equal_fractions(self, other: CompositionLike, tol: float = 1e-8) -> bool:
        """Whether both compositions have the same atomic fractions within ``tol``."""
        other_comp = other if isinstance(other, Composition) else Composition(other)
        elements = set(self) | set(other_comp)
        return all(abs(self.fraction(el) - other_comp.fraction(el)) <= tol for el in elements)


def _format(amounts: Mapping[str, float]) -> str:
    parts = []
    for el, amount in amounts.items():
        if abs(amount - 1.0) <= AMOUNT_TOL:
            parts.append(el)
        elif abs(amount - round(amount)) <= AMOUNT_TOL:
            parts.append(f"{el}{round(amount)}")
        else:
            # 6 significant digits, never an exponent ("1e-07" would not parse back)
            parts.append(f"{el}{Decimal(f'{amount:.6g}'):f}")
    return "".join(parts)


def _reduce(amounts: Mapping[str, float]) -> dict[str, float]:
    values = list(amounts.values())
    ratios = []
    for value in values:
        frac = Fraction(value).limit_denominator(MAX_REDUCTION_DENOMINATOR)
        # a present element never reduces to 0 atoms (a dopant of 1e-7 is 1e-7, not 0)
        if frac == 0 or abs(float(frac) - value) > REDUCTION_TOL * max(1.0, abs(value)):
            # not small-integer ratios (Na0.333CoO2): divide by the common factor of the whole
            # amounts (Na0.666Co2O4 is Na0.333CoO2 too), else normalise to one atom
            whole = [round(v) for v in values if round(v) > 0 and abs(v - round(v)) <= AMOUNT_TOL]
            divisor = math.gcd(*whole) if whole else sum(values)
            return {el: amount / divisor for el, amount in amounts.items()}
        ratios.append(frac)
    common = math.lcm(*(f.denominator for f in ratios))
    whole = [int(f * common) for f in ratios]
    divisor = math.gcd(*whole)
    return {el: n // divisor for el, n in zip(amounts, whole, strict=True)}


def _check_mapping(value: Mapping[str, float]) -> dict[str, float]:
    amounts: dict[str, float] = {}
    for element, raw in value.items():
        symbol = str(element).strip()
        if symbol not in _ATOMIC_NUMBER:
            raise FormulaError(
                f"composition {dict(value)!r}: {symbol!r} is not an element symbol; "
                "use symbols such as 'Li', 'Fe', 'O'"
            )
        try:
            if isinstance(raw, bool) or getattr(getattr(raw, "dtype", None), "kind", "") == "b":
                # float(True) is 1.0: a flag, not an amount
                raise TypeError(raw)
            amount = float(raw)
        except (TypeError, ValueError) as err:
            raise FormulaError(
                f"composition {dict(value)!r}: the amount of {symbol} is {raw!r}, not a number"
            ) from err
        if not math.isfinite(amount) or amount < 0:
            raise FormulaError(
                f"composition {dict(value)!r}: the amount of {symbol} is {amount}; amounts "
                "must be finite and non-negative"
            )
        if amount > AMOUNT_TOL:
            amounts[symbol] = amounts.get(symbol, 0.0) + amount
    if not amounts:
        raise FormulaError(f"composition {dict(value)!r} has no atoms; give at least one element")
    return amounts


def _parse_formula(formula: str) -> dict[str, float]:
    text = formula.strip().translate(_SUBSCRIPT_DIGITS)
    if not text:
        raise FormulaError("the formula is an empty string; give one such as 'Li3PS4'")
    dots = _hydrate_dots(text)
    if dots:
        first = dots[0]
        before = re.search(r"\d*$", text[:first])
        after = re.match(r"\.\d*(?:\.\d+)?", text[first:])
        misread = (before.group() if before else "") + (after.group() if after else ".")
        fixed = "".join("·" if i in dots else char for i, char in enumerate(text))
        raise FormulaError(
            f"formula {formula!r}: the '.' at character {first + 1} joins a hydrate or adduct "
            f"part, but a formula reads it as a decimal point ({misread!r}); write the part "
            f"after '·' or '*', e.g. {fixed!r} (or, for a decimal amount followed by water, "
            "write the water as a group: 'Li1.5(H2O)')"
        )
    # Each hydrate part ("CuSO4·5H2O") may start with a multiplier.
    total: dict[str, float] = {}
    for part in re.split(r"\s*[·•*]\s*", text):
        if not part:
            raise FormulaError(f"formula {formula!r}: an empty part around '·' or '*'")
        match = re.match(r"(\d+(?:\.\d*)?|\.\d+)\s*(?=[A-Z(\[])", part)  # "10 H2O" too
        factor = 1.0
        if match:
            factor = float(match.group(1))
            if factor == 0:
                raise FormulaError(f"formula {formula!r}: the part {part!r} is multiplied by zero")
            part = part[match.end() :]
        for el, amount in _parse_group(part, formula).items():
            total[el] = total.get(el, 0.0) + amount * factor
    return _check_mapping(total)


def _hydrate_dots(text: str) -> list[int]:
    """Positions of the points in ``text`` that join a hydrate or adduct part (see
    :data:`_HYDRATE_DOT`). A point after a whole part of zeros (``"Li0.5H2O"``) is a decimal
    point, as no amount is zero, and so is one in a multiplier at the start of a part
    (``"2.5H2O"``) or inside the amount after a hydrate dot (``"CaSO4.0.5H2O"``)."""
    found: list[int] = []
    position = 0
    while (dot := _HYDRATE_DOT.search(text, position)) is not None:
        whole = re.search(r"\d*$", text[: dot.start()])
        digits = whole.group() if whole else ""
        owner = text[dot.start() - len(digits) - 1] if dot.start() > len(digits) else ""
        if digits and (not digits.strip("0") or not (owner.isalpha() or owner in (")", "]"))):
            position = dot.end()  # an amount of 0.x, or a leading multiplier ("2.5H2O")
            continue
        found.append(dot.start())
        amount = re.match(r"\d+(?:\.\d+)?", text[dot.end() :])
        position = dot.end() + (amount.end() if amount else 0)
    return found


def _parse_group(text: str, formula: str) -> dict[str, float]:
    stack: list[dict[str, float]] = [{}]
    last: dict[str, float] | None = None  # the group or element a following number multiplies
    position = 0
    while position < len(text):
        token = _TOKEN.match(text, position)
        if token is None:
            raise FormulaError(
                f"formula {formula!r}: cannot read {text[position:]!r} (character "
                f"{position + 1}); use element symbols, numbers and parentheses, e.g. 'Ca3(PO4)2'"
            )
        position = token.end()
        symbol, opening, closing, number, _ = token.groups()
        if symbol is not None:
            if symbol not in _ATOMIC_NUMBER:
                raise FormulaError(
                    f"formula {formula!r}: {symbol!r} is not an element symbol (symbols are case "
                    "sensitive: 'Co' is cobalt, 'CO' carbon monoxide)"
                )
            last = {symbol: 1.0}
            _add(stack[-1], last)
        elif opening is not None:
            stack.append({})
            last = None
        elif closing is not None:
            if len(stack) == 1:
                raise FormulaError(f"formula {formula!r}: a closing {closing!r} has no opening one")
            group = stack.pop()
            _add(stack[-1], group)
            last = group
        elif number is not None:
            if last is None:
                raise FormulaError(
                    f"formula {formula!r}: the number {number!r} follows no element or group"
                )
            if float(number) == 0:
                raise FormulaError(
                    f"formula {formula!r}: the amount {number!r} after {_written(last)} is "
                    "zero; remove what has no atoms from the formula"
                )
            _add(stack[-1], last, float(number) - 1.0)
            last = None
        else:
            raise FormulaError(f"formula {formula!r}: a hydrate separator inside a group")
    if len(stack) != 1:
        raise FormulaError(f"formula {formula!r}: an opening parenthesis is never closed")
    return stack[0]


def _written(group: Mapping[str, float]) -> str:
    """An element (``"O"``) or a group (``"(PO4)"``) as a formula writes it, for messages."""
    text = "".join(f"{el}{amount:g}" if amount != 1 else el for el, amount in group.items())
    return text if len(group) == 1 and next(iter(group.values())) == 1 else f"({text})"


def _add(target: dict[str, float], group: Mapping[str, float], factor: float = 1.0) -> None:
    for el, amount in list(group.items()):
        target[el] = target.get(el, 0.0) + amount * factor


def flat_amounts(compositions: Sequence[Composition]) -> tuple[list[str], list[float], list[int]]:
    """The amounts of many compositions as flat lists, for vectorized code.

    Parameters
    ----------
    compositions
        :class:`Composition` objects.

    Returns
    -------
    symbols, amounts, counts
        Element symbols and amounts of every composition in turn (each composition's elements in
        their formula order), and how many elements each composition has.
    """
    tables = [comp._amounts for comp in compositions]
    counts = list(map(len, tables))
    symbols = list(chain.from_iterable(tables))
    amounts = list(chain.from_iterable(map(dict.values, tables)))
    return symbols, amounts, counts
