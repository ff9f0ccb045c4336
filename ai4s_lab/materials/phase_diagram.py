"""Compositional phase diagrams: the lower convex hull of formation energies.

Given computed entries of an N-element system (N >= 2), the stable compounds at 0 K are the
vertices of the lower convex hull of the points (composition, formation energy per atom); an
unstable entry's distance above the hull is its energy above hull, and the hull facet under it
names the phases it decomposes into, with the barycentric coordinates as phase fractions
(Ong et al. 2008). The hull is computed by Qhull (Barber et al. 1996) through
:class:`scipy.spatial.ConvexHull`; everything else is vectorized numpy.

References
----------
.. [1] S. P. Ong, L. Wang, B. Kang, G. Ceder, "Li-Fe-P-O2 phase diagram from first principles
   calculations", Chem. Mater. 20, 1798 (2008). doi:10.1021/cm702327g
.. [2] C. B. Barber, D. P. Dobkin, H. Huhdanpaa, "The Quickhull algorithm for convex hulls",
   ACM Trans. Math. Softw. 22, 469 (1996). doi:10.1145/235815.235821
.. [3] C. J. Bartel et al., "A critical examination of compound stability predictions from
   machine-learned formation energies", npj Comput. Mater. 6, 97 (2020).
   doi:10.1038/s41524-020-00362-y
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import attrgetter
from typing import Any

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from ai4s_lab.errors import Ai4sWarning, InputError
from ai4s_lab.materials._fractions import fraction_rows
from ai4s_lab.materials.composition import (
    ELEMENTS,
    Composition,
    CompositionLike,
    FormulaError,
    flat_amounts,
)
from ai4s_lab.materials.entries import Entry, EntryError

__all__ = [
    "FORMATION_ENERGY_TOL",
    "NUMERICAL_TOL",
    "MissingReferenceError",
    "PhaseDiagram",
]

logger = logging.getLogger(__name__)

#: Entries with a formation energy above ``-FORMATION_ENERGY_TOL`` (eV/atom) cannot be on the hull
#: (other than the elemental references) and are left out of the Qhull input.
FORMATION_ENERGY_TOL = 1e-11
#: Barycentric coordinates (phase fractions) below this are zero; also the slack, in eV/atom,
#: below which a computed energy above hull counts as zero.
NUMERICAL_TOL = 1e-8
#: A facet whose composition simplex has |det| at or below this is degenerate and dropped.
DEGENERATE_FACET_TOL = 1e-14
#: Compositions whose atomic fractions agree to this many decimals are the same composition.
COMPOSITION_DECIMALS = 10
#: From this many elements on, candidates far above the hull are dropped before Qhull.
PREFILTER_MIN_ELEMENTS = 6
#: How many of the lowest candidates span the hull used to drop the others.
PREFILTER_SUBSET = 100
#: A candidate this close (eV/atom) to the subset's hull, or below it, is kept.
PREFILTER_SLACK = 1e-6
#: Elements of the (rows x facets) block evaluated at a time when taking the hull maximum.
MAX_PLANE_BLOCK = 1 << 20


class MissingReferenceError(InputError):
    """An element of the phase diagram has no elemental entry to serve as its reference."""


class PhaseDiagram:
    """The phase diagram of an N-element system (N >= 2) from computed entries.

    Parameters
    ----------
    entries
        :class:`~ai4s_lab.materials.Entry` objects (total energies in eV), or pymatgen
        ``PDEntry``/``ComputedEntry`` objects, which are converted. Polymorphs and duplicates
        are allowed: per composition, the lowest energy per atom is a hull candidate. One
        object given twice is one entry (its first place counts).
    elements
        The elements spanning the diagram, e.g. ``["Li", "Fe", "O"]``. Default: every element
        present in ``entries``. Entries with other elements are left out and listed in
        :attr:`excluded_entries`, so a subsystem can be cut out of a larger set.
    zero_references
        Set when the energies are *formation* energies (elements at 0 eV/atom, as in files that
        list compounds only): an element without an elemental entry at or below 0 eV/atom then
        gets an implicit reference entry at 0 eV/atom (``attributes["implicit_reference"] is
        True``), so an elemental entry above 0 is a metastable form above the hull, not the
        reference.

    Attributes
    ----------
    elements : tuple of str
    entries : tuple of Entry
        The entries in the diagram (implicit references last).
    references : dict of str to Entry
        The lowest-energy elemental entry of each element.
    stable_entries : tuple of Entry
        The hull vertices, one entry per stable composition.
    formation_energies : numpy.ndarray
        Formation energy per atom of every entry of :attr:`entries`, eV/atom.

    Raises
    ------
    InputError
        If ``entries`` is empty, names fewer than two elements, or holds something that is not
        an entry; :class:`~ai4s_lab.materials.EntryError` (an ``InputError``) names an entry
        with a NaN/infinite energy; :class:`MissingReferenceError` names an element with no
        elemental entry; :class:`~ai4s_lab.materials.FormulaError` an unknown element.

    Warns
    -----
    Ai4sWarning
        ``zero_references=True`` adds a 0 eV/atom reference for an element while another
        element's elemental entry lies below -0.5 eV/atom: the energies look like total
        energies, against which a 0 eV/atom reference means nothing.

    References
    ----------
    Ong et al., Chem. Mater. 20, 1798 (2008), doi:10.1021/cm702327g (hull-based stability);
    Barber et al., ACM TOMS 22, 469 (1996), doi:10.1145/235815.235821 (Qhull).

    Examples
    --------
    >>> from ai4s_lab.materials import Entry, PhaseDiagram
    >>> pd = PhaseDiagram([Entry("Li", -1.9), Entry("O2", -9.8), Entry("Li2O", -14.3)])
    >>> [e.name for e in pd.stable_entries]
    ['Li', 'O', 'Li2O']
    """

    def __init__(
        self,
        entries: Iterable[Entry | Any],
        elements: Sequence[str] | None = None,
        *,
        zero_references: bool = False,
    ) -> None:
        given = list(entries)
        unique = list({id(entry): entry for entry in given}.values())  # first places kept
        if len(unique) < len(given):
            # one object is one entry: a second mention would be a second row that the
            # queries by identity (is_stable, e_above_hull) could not tell from the first
            logger.info("%d repeated entry objects were left out", len(given) - len(unique))
            given = unique
        if not all(map(isinstance, given, repeat(Entry))):
            given = [_as_entry(entry, position) for position, entry in enumerate(given)]
        if not given:
            raise InputError(
                "PhaseDiagram got an empty list of entries; give the computed entries of at "
                "least two elements and their compounds"
            )
        energies = np.fromiter(map(attrgetter("energy"), given), np.float64, count=len(given))
        if not np.all(np.isfinite(energies)):  # Entry refuses these; a subclass might not
            entry = given[int(np.flatnonzero(~np.isfinite(energies))[0])]
            raise EntryError(f"entry {entry.label}: energy is {entry.energy}; give a finite one")
        # Every composition is read once, into flat lists; the rest is numpy.
        flat = flat_amounts(list(map(attrgetter("composition"), given)))
        self.elements: tuple[str, ...] = _check_elements(flat[0], elements)
        amounts, outside = _amount_matrix(flat, self.elements)
        self.excluded_entries: tuple[Entry, ...] = tuple(
            given[int(i)] for i in np.flatnonzero(outside)
        )
        if self.excluded_entries:
            inside = np.flatnonzero(~outside)
            kept = [given[int(i)] for i in inside]
            amounts, energies = amounts[inside], energies[inside]
        else:
            kept = given
        if not kept:
            raise InputError(
                f"none of the {len(given)} entries lies in the {'-'.join(self.elements)} system; "
                "check the elements argument"
            )
        if len(self.elements) < 2:
            only = self.elements[0] if self.elements else "(none)"
            raise InputError(
                f"the entries span a one-element system ({only}; first entry "
                f"{kept[0].label}); a phase diagram needs at least two elements. Add the entries "
                "of a second element and its compounds, or pass elements=[...]"
            )
        if self.excluded_entries:
            logger.info(
                "%d entries lie outside %s and were left out",
                len(self.excluded_entries),
                "-".join(self.elements),
            )
        held_by_some = np.asarray((amounts > 0).any(axis=0), dtype=bool)
        absent = [el for el, seen in zip(self.elements, held_by_some.tolist(), strict=True)
                  if not seen]  # fmt: skip
        if absent:
            held = sorted({el for e in kept for el in e.composition.elements})
            raise InputError(
                f"no entry contains {', '.join(absent)}: the {len(kept)} entries of "
                f"{'-'.join(self.elements)} hold {', '.join(held)}; check the elements argument "
                "or add entries of those elements"
            )
        self.zero_references = zero_references
        implicit = self._implicit_references(amounts, energies) if zero_references else []
        if implicit:
            _warn_if_total_energies(amounts, energies, self.elements, implicit)
            extra_amounts, _ = _amount_matrix(
                flat_amounts([e.composition for e in implicit]), self.elements
            )
            amounts = np.vstack([amounts, extra_amounts])
            energies = np.concatenate([energies, [e.energy for e in implicit]])
            kept = [*kept, *implicit]
        self.entries: tuple[Entry, ...] = tuple(kept)
        self._index_cache: dict[int, int] | None = None
        totals = amounts.sum(axis=1)
        self._fractions = amounts / totals[:, None]
        per_atom = energies / totals
        self._reference_rows = self._find_references(per_atom)
        self.references: dict[str, Entry] = {
            el: self.entries[int(row)]
            for el, row in zip(self.elements, self._reference_rows, strict=True)
        }
        self._mu = per_atom[self._reference_rows]
        self.formation_energies: np.ndarray = per_atom - self._fractions @ self._mu
        self._build_hull()

    @property
    def _index(self) -> dict[int, int]:
        """``id(entry)`` -> row, built on first use (most diagrams never need it)."""
        if self._index_cache is None:
            self._index_cache = {id(entry): i for i, entry in enumerate(self.entries)}
        return self._index_cache

    # Construction ---------------------------------------------------------------------------
    def _implicit_references(self, amounts: np.ndarray, energies: np.ndarray) -> list[Entry]:
        # An elemental entry at or below 0 eV/atom is the ground state itself (or a better one
        # than the file's reference); one above 0 is a metastable form, and the element's
        # 0 eV/atom ground state is still needed.
        elemental = (np.count_nonzero(amounts > 0, axis=1) == 1) & (energies <= 0)
        present = np.any(amounts[elemental] > 0, axis=0)
        return [
            Entry(
                {el: 1.0},
                0.0,
                entry_id=f"{el} (implicit reference)",
                attributes={"implicit_reference": True},
            )
            for el, found in zip(self.elements, present, strict=True)
            if not found
        ]

    def _find_references(self, per_atom: np.ndarray) -> np.ndarray:
        rows_of: list[int] = []
        n_elements = np.count_nonzero(self._fractions > 0, axis=1)
        for column, el in enumerate(self.elements):
            rows = np.flatnonzero((n_elements == 1) & (self._fractions[:, column] > 0))
            if rows.size == 0:
                raise MissingReferenceError(
                    f"element {el!r} has no elemental entry among the {len(self.entries)} "
                    f"entries of {'-'.join(self.elements)}, so formation energies cannot be "
                    f"computed; add the entry of {el} in its standard state, or pass "
                    "zero_references=True if the energies are already formation energies"
                )
            rows_of.append(int(rows[np.argmin(per_atom[rows])]))
        return np.array(rows_of, dtype=np.intp)

    def _build_hull(self) -> None:
        x, ef = self._fractions, self.formation_energies
        # One hull candidate per composition: the first entry with the lowest energy per atom.
        group = _composition_groups(np.round(x, COMPOSITION_DECIMALS))
        order = np.lexsort((np.arange(len(ef)), ef, group))
        first = np.ones(len(order), dtype=bool)
        first[1:] = group[order][1:] != group[order][:-1]
        candidates = order[first]
        self._group = group
        self._group_min = candidates  # group id -> index of its lowest entry
        refs = self._reference_rows
        below = candidates[ef[candidates] < -FORMATION_ENERGY_TOL]
        points_idx = np.concatenate([_prefilter(x, ef, below, refs), refs])
        simplices = _lower_hull(x[points_idx], ef[points_idx])
        self._facets = points_idx[simplices]  # (F, d) entry indices
        vertex_x = x[self._facets]  # (F, d, d): rows are the facet's vertices
        self._facet_inv = np.linalg.inv(vertex_x)  # barycentric coordinates: x @ inv
        # The hull energy over facet k is the plane x . w_k; the lower hull is their maximum.
        self._planes = np.linalg.solve(vertex_x, ef[self._facets][..., None])[..., 0]
        stable = np.unique(self._facets)
        self._stable_mask = np.zeros(len(self.entries), dtype=bool)
        self._stable_mask[stable] = True
        self.stable_entries: tuple[Entry, ...] = tuple(self.entries[i] for i in stable)
        # The hull energy depends on the composition only: evaluate it once per composition.
        above = ef - self._hull_from_fractions(x[candidates])[group]
        above = np.where(above < NUMERICAL_TOL, np.maximum(above, 0.0), above)
        above[self._stable_mask] = 0.0
        self._e_above_hull = above

    # Queries --------------------------------------------------------------------------------
    @property
    def lowest_entries(self) -> tuple[Entry, ...]:
        """The lowest-energy entry of every distinct composition (the hull candidates)."""
        return tuple(self.entries[int(i)] for i in self._group_min)

    @property
    def unstable_entries(self) -> tuple[Entry, ...]:
        """Entries that are not hull vertices (polymorphs, duplicates, metastable phases)."""
        return tuple(e for e, s in zip(self.entries, self._stable_mask, strict=True) if not s)

    @property
    def facets(self) -> tuple[tuple[Entry, ...], ...]:
        """The hull facets (simplices of N stable entries)."""
        return tuple(tuple(self.entries[i] for i in facet) for facet in self._facets)

    @property
    def tie_lines(self) -> tuple[tuple[Entry, Entry], ...]:
        """Pairs of stable entries joined by a hull edge (coexisting phases)."""
        pairs: set[tuple[int, int]] = set()
        for facet in self._facets:
            for a in range(len(facet)):
                for b in range(a + 1, len(facet)):
                    i, j = sorted((int(facet[a]), int(facet[b])))
                    pairs.add((i, j))
        return tuple((self.entries[i], self.entries[j]) for i, j in sorted(pairs))

    def is_stable(self, entry: Entry) -> bool:
        """Whether ``entry`` (an entry of this diagram) is a hull vertex."""
        return bool(self._stable_mask[self._position(entry)])

    def fractions(self, entries: Iterable[Entry] | None = None) -> np.ndarray:
        """Atomic fractions, shape (n, N), in the order of :attr:`elements`."""
        if entries is None:
            return self._fractions.copy()
        return _fraction_matrix(list(entries), self.elements, check=True)

    def formation_energy_per_atom(self, entry: Entry) -> float:
        """Formation energy per atom of any entry of this system, eV/atom."""
        if id(entry) in self._index:
            return float(self.formation_energies[self._index[id(entry)]])
        row = _fraction_matrix([entry], self.elements, check=True)[0]
        return float(entry.energy_per_atom - row @ self._mu)

    def e_above_hull(self, entries: Entry | Iterable[Entry] | None = None) -> Any:
        """Energy above the hull, eV/atom.

        Parameters
        ----------
        entries
            ``None`` for every entry of :attr:`entries` (an array in that order), one entry (a
            float), or several (an array). Entries of the diagram get values >= 0, exactly 0 for
            stable ones; a new entry may get a negative value: it lies below the present hull.

        Returns
        -------
        float or numpy.ndarray
        """
        if entries is None:
            return self._e_above_hull.copy()
        if isinstance(entries, Entry):
            return float(self._e_above_hull_of([entries])[0])
        if isinstance(entries, (str, Composition)) or not isinstance(entries, Iterable):
            raise InputError(
                f"e_above_hull({entries!r:.60}): give an Entry (its energy is needed), a list of "
                "entries, or nothing; for the hull energy at a composition use hull_energy"
            )
        chosen = list(entries)
        for position, entry in enumerate(chosen):
            if not isinstance(entry, Entry):
                raise InputError(
                    f"e_above_hull: item {position} is a {type(entry).__name__} "
                    f"({entry!r:.60}), not an Entry; give Entry(composition, energy) objects"
                )
        return self._e_above_hull_of(chosen)

    def _e_above_hull_of(self, entries: list[Entry]) -> np.ndarray:
        out = np.empty(len(entries))
        foreign = []
        for k, entry in enumerate(entries):
            position = self._index.get(id(entry))
            if position is None:
                foreign.append(k)
            else:
                out[k] = self._e_above_hull[position]
        if foreign:
            chosen = [entries[k] for k in foreign]
            x = _fraction_matrix(chosen, self.elements, check=True)
            per_atom = np.array([e.energy_per_atom for e in chosen])
            out[foreign] = per_atom - x @ self._mu - self._hull_from_fractions(x)
        return out

    def hull_energy(self, composition: CompositionLike | Entry | np.ndarray | Sequence[Any]) -> Any:
        """Formation energy per atom of the hull at a composition, eV/atom.

        Parameters
        ----------
        composition
            A composition (formula, mapping, :class:`Composition` or entry), or atomic
            fractions of shape (N,) or (M, N) in the order of :attr:`elements`: an array or
            any sequence of numbers (``[0.5, 0.5]``) or of rows of numbers.

        Returns
        -------
        float or numpy.ndarray
            The lowest formation energy per atom any mixture of the entries reaches there (for
            arrays, one value per row). Add ``fractions @ mu`` to get a total energy.
        """
        if isinstance(composition, np.ndarray) or (
            isinstance(composition, Sequence) and not isinstance(composition, str)
        ):
            try:
                x = np.asarray(composition, dtype=np.float64)
            except (TypeError, ValueError) as err:
                kind = (
                    f"an array of dtype {composition.dtype}"
                    if isinstance(composition, np.ndarray)
                    else f"the {type(composition).__name__} {composition!r:.60}"
                )
                raise InputError(
                    f"hull_energy: {kind} is not atomic fractions ({err}); give numbers in the "
                    f"order of {self.elements}, or one composition as a formula"
                ) from err
            flat = x.ndim == 1
            x2 = np.atleast_2d(x)
            if x2.shape[1] != len(self.elements):
                raise InputError(
                    f"fractions of shape {x.shape} do not match the {len(self.elements)} "
                    f"elements {self.elements}"
                )
            values = self._hull_from_fractions(fraction_rows(x2, "hull_energy", self.elements))
            return float(values[0]) if flat else values
        return float(self._hull_from_fractions(self._vector(composition)[None, :])[0])

    def decomposition(self, composition: CompositionLike | Entry) -> dict[Entry, float]:
        """The stable phases a composition separates into, with their atomic fractions.

        Parameters
        ----------
        composition
            A formula, mapping, :class:`Composition` or entry of this chemical system.

        Returns
        -------
        dict of Entry to float
            Stable entries and the fraction of the atoms each holds (barycentric coordinates on
            the hull facet under the composition); the fractions sum to 1. A stable composition
            decomposes into its own stable entry with fraction 1.
        """
        x = self._vector(composition)
        bary = np.einsum("j,fjk->fk", x, self._facet_inv)
        best = int(np.argmax(bary.min(axis=1)))
        weights = bary[best]
        out = {
            self.entries[int(i)]: float(w)
            for i, w in zip(self._facets[best], weights, strict=True)
            if w > NUMERICAL_TOL
        }
        total = sum(out.values())
        return {entry: w / total for entry, w in out.items()}

    def equilibrium_reaction_energy(self, entry: Entry) -> float:
        """Energy of a stable entry relative to the hull without it, eV/atom (<= 0).

        The hull is rebuilt from the other stable entries of the entry's own chemical subspace
        (leaving out every entry of the same composition); the result is how far the entry lies
        below it, the "inverse distance to the hull" (Bartel et al. 2020,
        doi:10.1038/s41524-020-00362-y). Elemental references give 0 by convention.

        Raises
        ------
        InputError
            If ``entry`` is not a stable entry of this diagram.
        """
        position = self._position(entry)
        if not self._stable_mask[position]:
            raise InputError(
                f"entry {entry.label} is not stable (e_above_hull = "
                f"{self._e_above_hull[position]:.4g} eV/atom); the equilibrium reaction energy "
                "is defined for stable entries only: use e_above_hull for unstable ones"
            )
        if len(entry.composition) == 1:
            return 0.0
        space = set(entry.composition)
        own = self._group[position]
        others = [
            e
            for i, e in enumerate(self.entries)
            if self._stable_mask[i] and self._group[i] != own and set(e.composition) <= space
        ]
        sub = PhaseDiagram(others, elements=[el for el in self.elements if el in space])
        return float(self.formation_energies[position] - sub.hull_energy(entry.composition))

    def reaction(self, composition: CompositionLike | Entry) -> str:
        """The decomposition as a balanced reaction per formula unit, e.g.
        ``"Li5FeO4 -> 2 Li2O + LiFeO2"`` (``"... (stable)"`` for a stable composition or entry,
        and for a new entry below the present hull; an unstable polymorph "decomposes" into its
        ground-state polymorph)."""
        comp = (
            composition.composition if isinstance(composition, Entry) else Composition(composition)
        )
        reduced = comp.reduced()
        if isinstance(composition, Entry) and self._index.get(id(composition)) is None:
            below = -float(self._e_above_hull_of([composition])[0])
            if below > NUMERICAL_TOL:  # a new entry under the present hull decomposes into nothing
                return f"{reduced.formula} (stable: {below:.4g} eV/atom below this diagram's hull)"
        products = self.decomposition(comp)
        if len(products) == 1 and next(iter(products)).composition.almost_equal_fractions(comp):
            ground = next(iter(products))
            if not isinstance(composition, Entry) or composition is ground:
                return f"{reduced.formula} (stable)"
            return f"{reduced.formula} -> {reduced.formula} (ground-state polymorph {ground.label})"
        terms = []
        for product, fraction in sorted(products.items(), key=lambda kv: -kv[1]):
            product_reduced = product.composition.reduced()
            units = fraction * reduced.num_atoms / product_reduced.num_atoms
            coefficient = "" if abs(units - 1.0) < 1e-6 else f"{units:.4g} "
            terms.append(f"{coefficient}{product_reduced.formula}")
        return f"{reduced.formula} -> " + " + ".join(terms)

    def to_frame(self) -> Any:
        """One row per entry: id, formula, energies (eV/atom), stability, decomposition.

        Returns
        -------
        pandas.DataFrame
            Columns ``entry_id, formula, energy_per_atom, formation_energy_per_atom,
            e_above_hull, is_stable`` and one column per element with its atomic fraction.
        """
        import pandas as pd

        frame = pd.DataFrame(
            {
                "entry_id": [e.entry_id for e in self.entries],
                "formula": [e.name for e in self.entries],
                "energy_per_atom": [e.energy_per_atom for e in self.entries],
                "formation_energy_per_atom": self.formation_energies,
                "e_above_hull": self._e_above_hull,
                "is_stable": self._stable_mask,
            }
        )
        for column, el in enumerate(self.elements):
            frame[el] = self._fractions[:, column]
        return frame

    def __repr__(self) -> str:
        return (
            f"PhaseDiagram({'-'.join(self.elements)}: {len(self.entries)} entries, "
            f"{len(self.stable_entries)} stable)"
        )

    # Helpers --------------------------------------------------------------------------------
    def _hull_from_fractions(self, x: np.ndarray) -> np.ndarray:
        return _max_plane(x, self._planes)

    def _position(self, entry: Entry) -> int:
        position = self._index.get(id(entry))
        if position is None:
            label = entry.label if isinstance(entry, Entry) else repr(entry)
            raise InputError(
                f"entry {label} is not one of the {len(self.entries)} entries of this phase "
                "diagram; pass one of pd.entries (entries are compared by identity)"
            )
        return position

    def _vector(self, composition: CompositionLike | Entry) -> np.ndarray:
        comp = (
            composition.composition if isinstance(composition, Entry) else Composition(composition)
        )
        outside = sorted(set(comp) - set(self.elements))
        if outside:
            raise InputError(
                f"composition {comp.formula} contains {outside}, outside this "
                f"{'-'.join(self.elements)} phase diagram"
            )
        return np.array(comp.fraction_vector(self.elements))


def _as_entry(entry: Any, position: int) -> Entry:
    if isinstance(entry, Entry):
        return entry
    from_pymatgen = any((c.__module__ or "").startswith("pymatgen") for c in type(entry).__mro__)
    if from_pymatgen and hasattr(entry, "composition"):
        return Entry.from_pymatgen(entry)
    raise InputError(
        f"item {position} of the entries is a {type(entry).__name__} ({entry!r:.60}), not an "
        "Entry; build entries with Entry(composition, energy) or load_entries(path)"
    )


def _check_elements(symbols: list[str], elements: Sequence[str] | None) -> tuple[str, ...]:
    if elements is None:
        return Composition(dict.fromkeys(set(symbols), 1.0)).elements
    if isinstance(elements, str):
        raise InputError(
            f"elements={elements!r} is one string; give a list of symbols, e.g. "
            f"{elements.replace(',', '-').replace(' ', '-').split('-')!r}"
        )
    if len(elements) == 0:
        raise InputError("elements=[] names no element; give the symbols, e.g. ['Li', 'O']")
    chosen: list[str] = []
    for el in elements:
        symbol = str(el).strip()
        if symbol not in ELEMENTS:
            raise FormulaError(
                f"elements={list(elements)!r}: {symbol!r} is not an element symbol; use symbols "
                "such as 'Li', 'Fe', 'O'"
            )
        if symbol not in chosen:
            chosen.append(symbol)
    return tuple(chosen)


def _amount_matrix(
    flat: tuple[list[str], list[float], list[int]], elements: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Amounts (atoms per formula unit) as an (n, N) matrix, and which rows have other elements."""
    symbols, values, counts = flat
    column = {el: k for k, el in enumerate(elements)}
    n = len(counts)
    cols = np.fromiter(map(column.get, symbols, repeat(-1)), np.intp, count=len(symbols))
    rows = np.repeat(np.arange(n), counts)
    amounts = np.asarray(values, dtype=np.float64)
    known = cols >= 0
    outside = np.zeros(n, dtype=bool)
    outside[rows[~known]] = True
    matrix = np.zeros((n, len(elements)))
    matrix[rows[known], cols[known]] = amounts[known]
    return matrix, outside


def _fraction_matrix(
    entries: Sequence[Entry], elements: tuple[str, ...], *, check: bool = False
) -> np.ndarray:
    amounts, outside = _amount_matrix(flat_amounts([e.composition for e in entries]), elements)
    if check and outside.any():
        entry = entries[int(np.flatnonzero(outside)[0])]
        extra = sorted(set(entry.composition) - set(elements))
        raise InputError(
            f"entry {entry.label} contains {extra}, outside the {'-'.join(elements)} phase diagram"
        )
    return amounts / amounts.sum(axis=1, keepdims=True)


def _composition_groups(keys: np.ndarray) -> np.ndarray:
    """Group id of every row of ``keys``; equal rows share an id (ids ordered like the rows)."""
    order = np.lexsort(keys.T[::-1])
    new = np.ones(len(order), dtype=bool)
    new[1:] = np.any(keys[order][1:] != keys[order][:-1], axis=1)
    group = np.empty(len(order), dtype=np.intp)
    group[order] = np.cumsum(new) - 1
    return group


def _max_plane(x: np.ndarray, planes: np.ndarray) -> np.ndarray:
    """``max_k x @ planes[k]`` for every row of ``x``, in blocks that stay in cache.

    The blocks are small matrix products, for which BLAS threads cost more than they give
    (tens of times more on a loaded machine): BLAS runs on one thread here where threadpoolctl
    is installed.
    """
    out = np.empty(len(x))
    block = max(1, MAX_PLANE_BLOCK // max(len(planes), 1))
    if len(x) <= block:
        return np.max(x @ planes.T, axis=1) if len(planes) else np.full(len(x), -np.inf)
    weights = np.ascontiguousarray(planes.T)
    with _one_blas_thread():
        for start in range(0, len(x), block):
            np.max(x[start : start + block] @ weights, axis=1, out=out[start : start + block])
    return out


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it, BLAS keeps its threads
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _lower_hull(x: np.ndarray, ef: np.ndarray) -> np.ndarray:
    """Facets of the lower hull of (fractions, formation energy) as (F, N) rows of ``x``.

    Qhull gets the points with one extra point high above the simplex centre, so that the upper
    hull is a cone; facets through that point and vertical (degenerate) facets are dropped.
    """
    dim = x.shape[1]
    points = np.column_stack([x[:, 1:], ef])
    extra = np.full(dim, 1.0 / dim)
    extra[-1] = max(float(points[:, -1].max()), 0.0) + 1.0
    try:
        hull = ConvexHull(np.vstack([points, extra]), qhull_options="Qt")
    except QhullError:
        hull = ConvexHull(np.vstack([points, extra]), qhull_options="QJ")
    simplices = hull.simplices[(hull.simplices < len(points)).all(axis=1)]
    keep = np.abs(np.linalg.det(x[simplices])) > DEGENERATE_FACET_TOL
    return simplices[keep]


def _prefilter(
    x: np.ndarray, ef: np.ndarray, candidates: np.ndarray, refs: np.ndarray
) -> np.ndarray:
    """Drop candidates that lie strictly above the hull of a small subset (they cannot be hull
    vertices: the full hull lies at or below the subset's hull), so Qhull gets few points.

    In 6 or more dimensions Qhull's time grows fast with the number of points (most of them far
    above the hull); with the lowest :data:`PREFILTER_SUBSET` candidates and the references the
    subset's hull is already close to the full one.
    """
    if x.shape[1] < PREFILTER_MIN_ELEMENTS or len(candidates) <= 4 * PREFILTER_SUBSET:
        return candidates
    order = candidates[np.argsort(ef[candidates], kind="stable")]
    subset, rest = order[:PREFILTER_SUBSET], order[PREFILTER_SUBSET:]
    points = np.concatenate([subset, refs])
    facets = points[_lower_hull(x[points], ef[points])]
    planes = np.linalg.solve(x[facets], ef[facets][..., None])[..., 0]
    near = ef[rest] - _max_plane(x[rest], planes) < PREFILTER_SLACK
    return np.concatenate([subset, rest[near]])


#: An elemental entry this far below 0 eV/atom is a total energy, not a formation energy (an
#: element's polymorphs lie within a few tenths of an eV of its ground state).
TOTAL_ENERGY_HINT = -0.5  # eV/atom


def _warn_if_total_energies(
    amounts: np.ndarray, energies: np.ndarray, elements: Sequence[str], implicit: list[Entry]
) -> None:
    """Warn where ``zero_references`` puts an element at 0 eV/atom beside elemental entries
    whose energies are total energies: the formation energies would mix two zeros."""
    counts = amounts.sum(axis=1)
    elemental = np.count_nonzero(amounts > 0, axis=1) == 1
    per_atom = energies / counts
    low = elemental & (per_atom < TOTAL_ENERGY_HINT)
    if not low.any():
        return
    row = int(np.flatnonzero(low)[np.argmin(per_atom[low])])
    element = elements[int(np.flatnonzero(amounts[row] > 0)[0])]
    missing = ", ".join(next(iter(e.composition.elements)) for e in implicit)
    warnings.warn(
        f"zero_references=True puts {missing} at 0 eV/atom, but the elemental entry of "
        f"{element} lies at {per_atom[row]:.2f} eV/atom: these look like total energies, "
        f"and formation energies against a 0 eV/atom {missing} would be meaningless; add "
        f"the elemental entries of {missing}, or give formation energies",
        Ai4sWarning,
        stacklevel=3,
    )
