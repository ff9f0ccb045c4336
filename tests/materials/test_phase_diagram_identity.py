"""One entry object given twice is one entry (stable or not, the same answer everywhere), and
hull energies take fractions as any sequence of numbers. Checked against pymatgen."""

from __future__ import annotations

import numpy as np
import pytest

from ai4s_lab.errors import InputError
from ai4s_lab.materials import Entry, PhaseDiagram
from tests.materials._oracle import to_pymatgen

pmg_pd = pytest.importorskip("pymatgen.analysis.phase_diagram", reason="pymatgen is the oracle")
pmg_core = pytest.importorskip("pymatgen.core")


def _entries() -> list[Entry]:
    return [
        Entry("Li", -1.9, "li"),
        Entry("O2", -9.8, "o2"),
        Entry("Li2O", -14.3, "li2o"),
        Entry("Li2O2", -19.5, "li2o2"),
        Entry("LiO2", -11.0, "lio2"),  # above the hull
    ]


@pytest.mark.parametrize("repeated", ["li2o", "lio2"])
def test_an_entry_given_twice_is_one_entry(repeated: str) -> None:
    entries = _entries()
    twice = next(e for e in entries if e.entry_id == repeated)
    given = [*entries, twice]
    diagram = PhaseDiagram(given)
    pmg_entries = to_pymatgen(entries)
    theirs = pmg_pd.PhaseDiagram([*pmg_entries, pmg_entries[entries.index(twice)]])
    their_twice = pmg_entries[entries.index(twice)]
    stable = their_twice in theirs.stable_entries
    assert diagram.entries == tuple(entries)  # the first place, once
    assert diagram.is_stable(twice) is stable is (twice in diagram.stable_entries)
    assert diagram.e_above_hull(twice) == pytest.approx(
        theirs.get_e_above_hull(their_twice), abs=1e-9
    )
    frame = diagram.to_frame()
    assert frame["entry_id"].tolist().count(repeated) == 1
    assert bool(frame.set_index("entry_id").loc[repeated, "is_stable"]) is stable


def test_hull_energy_takes_a_list_a_tuple_or_rows() -> None:
    entries = _entries()
    diagram = PhaseDiagram(entries)
    theirs = pmg_pd.PhaseDiagram(to_pymatgen(entries))
    mu = {el: diagram.references[el].energy_per_atom for el in diagram.elements}

    def expected(x: list[float]) -> float:
        comp = pmg_core.Composition(dict(zip(diagram.elements, x, strict=True)))
        total = theirs.get_hull_energy_per_atom(comp)
        return float(total - sum(xi * mu[el] for el, xi in zip(diagram.elements, x, strict=True)))

    for x in ([0.5, 0.5], (0.4, 0.6), [0.9, 0.1]):
        assert diagram.hull_energy(x) == pytest.approx(expected(list(x)), abs=1e-9)
        assert diagram.hull_energy(x) == diagram.hull_energy(np.array(x))
    rows = [[0.5, 0.5], [0.25, 0.75]]
    np.testing.assert_allclose(diagram.hull_energy(rows), [expected(r) for r in rows], atol=1e-9)
    with pytest.raises(InputError, match=r"hull_energy: the list \['a', 'b'\] is not atomic"):
        diagram.hull_energy(["a", "b"])
    with pytest.raises(InputError, match="do not match the 2 elements"):
        diagram.hull_energy([0.2, 0.3, 0.5])


def test_an_element_no_entry_holds_is_refused_not_invented() -> None:
    entries = [Entry("Li", -1.9), Entry("O2", -9.8), Entry("Li2O", -14.3)]
    for zero in (False, True):  # with zero_references it was given a 0 eV reference
        with pytest.raises(InputError, match=r"no entry contains Na: .* hold Li, O"):
            PhaseDiagram(entries, elements=["Li", "Na", "O"], zero_references=zero)
