"""Predicted models without a header: pLDDT rises with packing, B-factors fall with it, so
B-factors grouped one a residue by refinement are not taken for pLDDT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.protein import load_structure

bpdb = pytest.importorskip("biotite.structure.io.pdb")
bstruc = pytest.importorskip("biotite.structure")


def _atoms(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.startswith("ATOM")]


def _with_b(lines: list[str], values: list[float]) -> str:
    return "\n".join(ln[:60] + f"{v:6.2f}" + ln[66:] for ln, v in zip(lines, values, strict=True))


@pytest.mark.parametrize("name", ["pdb1ubi.pdb", "5h73.pdb"])
def test_grouped_b_factors_of_an_xray_structure_are_not_plddt(
    shared_data: Path, name: str, tmp_path: Path
) -> None:
    """The atoms of an X-ray entry without header or waters, with each residue's B-factors
    replaced by their mean (grouped B refinement): one value a residue, all within 0-100."""
    lines = _atoms(shared_data / "protein" / name)
    keys = [ln[17:27] for ln in lines]  # residue name, chain, number, insertion code
    b = np.array([float(ln[60:66]) for ln in lines])
    groups = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    index = np.array([groups[key] for key in keys])
    means = np.bincount(index, b) / np.bincount(index)
    path = tmp_path / "grouped.pdb"
    path.write_text(_with_b(lines, means[index].tolist()) + "\nEND\n")
    theirs = bpdb.PDBFile.read(str(path)).get_structure(model=1, extra_fields=["b_factor"])
    starts = bstruc.get_residue_starts(theirs)
    per_residue = np.split(theirs.b_factor, starts[1:])
    assert all(np.ptp(values) == 0 for values in per_residue)  # what the old rule looked for
    assert theirs.b_factor.min() >= 0 and theirs.b_factor.max() <= 100
    structure = load_structure(path)
    assert not structure.predicted and structure.plddt is None
    assert load_structure(path, predicted=True).plddt is not None  # explicit still wins


def test_headerless_predicted_models_are_recognised_on_either_scale(shared_data: Path) -> None:
    """AlphaFold's atoms without its header; and the same pLDDT on a 0-1 scale (ESMFold)."""
    path = shared_data / "protein" / "AF-Q5VSL9-F1-model_v4.pdb"
    lines = _atoms(path)
    theirs = bpdb.PDBFile.read(str(path)).get_structure(model=1, extra_fields=["b_factor"])
    plddt = theirs.b_factor[theirs.atom_name == "CA"]
    fraction = _with_b(lines, [float(ln[60:66]) / 100 for ln in lines])
    for text in ("\n".join(lines), fraction):
        structure = load_structure(text + "\nEND\n")
        assert structure.predicted
        np.testing.assert_allclose(structure.plddt, plddt, atol=0.5)


def test_packing_correlation_is_spearman_of_b_and_weighted_contact_number(
    shared_data: Path,
) -> None:
    """Against scipy: Spearman's rho of the Cα B-factors and sum_j 1/r_ij² over the other Cα;
    negative for the B-factors of an X-ray structure (Halle 2002), positive for pLDDT."""
    from scipy.spatial.distance import cdist
    from scipy.stats import spearmanr

    from ai4s_lab.protein._predicted import packing_correlation

    for name, sign in (("pdb1ubi.pdb", -1), ("AF-Q5VSL9-F1-model_v4.pdb", 1)):
        structure = load_structure(shared_data / "protein" / name)
        ca = structure.atom_indices("CA")
        d2 = cdist(structure.coords[0, ca], structure.coords[0, ca], "sqeuclidean")
        np.fill_diagonal(d2, np.inf)
        expected = spearmanr(structure.b_factor[ca], (1.0 / d2).sum(axis=1)).statistic
        assert packing_correlation(structure) == pytest.approx(expected, abs=1e-12)
        assert np.sign(expected) == sign
