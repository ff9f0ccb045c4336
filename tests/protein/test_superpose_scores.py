"""superpose / rmsd against biotite, tm_score against tmtools (TM-align's code), GDT-TS by its
definition; batched results equal one-by-one results."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import Ai4sWarning, InputError
from ai4s_lab.protein import (
    example_file,
    gdt_ts,
    kabsch,
    load_structure,
    rmsd,
    sequence_alignment,
    superpose,
    tm_d0,
    tm_score,
)

bstruc = pytest.importorskip("biotite.structure")
tmtools = pytest.importorskip("tmtools")


@pytest.fixture(scope="module")
def ensemble():  # type: ignore[no-untyped-def]
    return load_structure(example_file("1l2y.pdb"))


@pytest.fixture(scope="module")
def md_frames(shared_data: Path) -> tuple[np.ndarray, str]:
    mda = pytest.importorskip("MDAnalysis")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        universe = mda.Universe(
            str(shared_data / "protein" / "md_1u19.pdb"),
            str(shared_data / "protein" / "md_1u19.xtc"),
        )
    ca = universe.select_atoms("name CA")
    frames = np.array([ca.positions.astype(np.float64) for _ in universe.trajectory[::25]])
    sequence = load_structure(shared_data / "protein" / "md_1u19.pdb").sequence
    return frames, sequence


def test_superpose_matches_biotite(ensemble, device: str) -> None:  # type: ignore[no-untyped-def]
    result = superpose(ensemble, ensemble.with_coords(ensemble.coords[:1]), "CA", device=device)
    ca = ensemble.atom_indices("CA")
    fixed = _template(len(ca))
    fixed.coord = ensemble.coords[0, ca]
    for k in range(ensemble.n_models):
        mobile = _template(len(ca))
        mobile.coord = ensemble.coords[k, ca]
        fitted, _ = bstruc.superimpose(fixed, mobile)
        np.testing.assert_allclose(result.coords[k, ca].cpu().numpy(), fitted.coord, atol=1e-4)
        assert float(result.rmsd[k]) == pytest.approx(float(bstruc.rmsd(fixed, fitted)), abs=1e-4)
    # every atom moved with the fitted transform
    assert result.structure is not None
    assert result.structure.coords.shape == ensemble.coords.shape


def _template(n: int):  # type: ignore[no-untyped-def]
    atoms = bstruc.AtomArray(n)
    atoms.atom_name[:] = "CA"
    atoms.element[:] = "C"
    return atoms


def test_rmsd_matches_biotite_and_is_batched(ensemble, device: str) -> None:  # type: ignore[no-untyped-def]
    x = ensemble.coordinates("backbone")
    batched = rmsd(x, x[3], device=device).cpu().numpy()
    for k in range(len(x)):
        fixed = _template(x.shape[1])
        fixed.coord = x[3]
        mobile = _template(x.shape[1])
        mobile.coord = x[k]
        fitted, _ = bstruc.superimpose(fixed, mobile)
        expected = float(bstruc.rmsd(fixed, fitted))
        assert batched[k] == pytest.approx(expected, abs=1e-4)
        one = float(rmsd(x[k], x[3], device=device))
        assert one == pytest.approx(batched[k], abs=1e-10)
    no_fit = rmsd(x[5], x[3], superpose=False, device=device)
    assert float(no_fit) == pytest.approx(np.sqrt(((x[5] - x[3]) ** 2).sum(-1).mean()), abs=1e-10)


def test_kabsch_recovers_a_known_rotation(device: str) -> None:
    import torch

    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.linalg.det(q))
    points = rng.normal(size=(50, 3)) * 10
    moved = points @ q.T + np.array([1.0, -2.0, 3.0])
    rotation, translation = kabsch(
        torch.as_tensor(points, device=device), torch.as_tensor(moved, device=device)
    )
    np.testing.assert_allclose(rotation.cpu().numpy(), q, atol=1e-6)
    np.testing.assert_allclose(translation.cpu().numpy(), [1.0, -2.0, 3.0], atol=1e-6)


def test_tm_score_matches_tmtools_on_nmr_models(ensemble, device: str) -> None:  # type: ignore[no-untyped-def]
    ca = ensemble.coordinates("CA")
    seq = ensemble.sequence
    ours = tm_score(ca, ca[0], device=device).cpu().numpy()
    assert ours[0] == pytest.approx(1.0, abs=1e-9)
    for k in range(1, ensemble.n_models, 3):
        expected = tmtools.tm_align(ca[k], ca[0], seq, seq).tm_norm_chain2
        assert ours[k] == pytest.approx(expected, abs=0.01)
    # the Structure path (residues matched by numbering) gives the same numbers
    reference = ensemble.with_coords(ensemble.coords[:1])
    via_structure = tm_score(ensemble, reference, device=device).cpu().numpy()
    np.testing.assert_allclose(via_structure, ours, atol=1e-9)


def test_tm_score_matches_tmtools_on_md_frames(md_frames, device: str) -> None:  # type: ignore[no-untyped-def]
    frames, seq = md_frames
    ours = tm_score(frames, frames[0], device=device).cpu().numpy()
    for k in range(1, len(frames)):
        expected = tmtools.tm_align(frames[k], frames[0], seq, seq).tm_norm_chain2
        assert ours[k] == pytest.approx(expected, abs=0.01)
        one = tm_score(frames[k], frames[0], device=device).cpu().numpy()[0]
        assert one == pytest.approx(ours[k], abs=1e-9)


def test_tm_d0() -> None:
    # d0 = 1.24 (L - 15)^(1/3) - 1.8 (Zhang & Skolnick 2004); 0.5 for L <= 21.
    assert tm_d0(100) == pytest.approx(1.24 * 85 ** (1 / 3) - 1.8)
    assert tm_d0(20) == 0.5


def test_gdt_ts_by_definition(ensemble, device: str) -> None:  # type: ignore[no-untyped-def]
    ca = ensemble.coordinates("CA")[0]
    assert float(gdt_ts(ca, ca, device=device)) == pytest.approx(1.0)
    rng = np.random.default_rng(7)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.linalg.det(q))
    assert float(gdt_ts(ca @ q.T + 5.0, ca, device=device)) == pytest.approx(1.0)
    # Move the last 5 of 20 residues 60 Å away: one fit can hold at most the 15 unmoved
    # residues (the molecule is ~20 Å across, so no fit brings both groups within 8 Å).
    shifted = ca.copy()
    shifted[15:] += np.array([60.0, 0.0, 0.0])
    assert float(gdt_ts(shifted, ca, device=device)) == pytest.approx(15 / 20, abs=1e-9)
    # GDT-TS is never below the fraction within each cutoff after the RMSD fit.
    for k in (5, 20, 30):
        model = ensemble.coordinates("CA")[k]
        fitted = superpose(model, ca, None, device="cpu").coords.numpy()
        d = np.linalg.norm(fitted - ca, axis=-1)
        lower = np.mean([(d < c).mean() for c in (1, 2, 4, 8)])
        assert float(gdt_ts(model, ca, device=device)) >= lower - 1e-12


def test_sequence_alignment_matches_numbering(shared_data: Path) -> None:
    ubi = load_structure(shared_data / "protein" / "pdb1ubi.pdb")
    renumbered = ubi.with_coords(ubi.coords)
    renumbered.res_seq = ubi.res_seq + 100
    with pytest.raises(InputError, match="no residues"):
        superpose(renumbered, ubi)
    by_sequence = superpose(renumbered, ubi, alignment="sequence")
    assert by_sequence.n_matched == 76
    assert float(by_sequence.rmsd[0]) == pytest.approx(0.0, abs=1e-6)


def test_mismatched_inputs() -> None:
    with pytest.raises(InputError, match="correspond"):
        tm_score(np.zeros((5, 3)), np.zeros((6, 3)))
    points = np.random.default_rng(0).normal(size=(50, 3))
    with pytest.raises(InputError, match=r"do not pair up"):
        rmsd(np.stack([points] * 3), np.stack([points] * 2))
    for selection, message in (
        (np.arange(60), r"indices \[50, 51, 52, 53, 54\] are out of range for 50 points"),
        (np.array([], dtype=int), "chooses no points"),
        ("heavy", "names an atom set, which needs two Structures"),
        (np.ones(10, dtype=bool), r"boolean selection of shape \(10,\) does not fit 50"),
    ):
        with pytest.raises(InputError, match=message):
            superpose(points, points, selection=selection)
    with pytest.raises(InputError, match="cutoffs"):
        gdt_ts(np.zeros((5, 3)), np.zeros((5, 3)), cutoffs=(0.0,))


def test_kabsch_shared_target_path_equals_general_path(device: str) -> None:
    """One target for all frames (one matrix product) equals the per-frame product, with and
    without weights, and float32 stays within 1e-4 Å of float64."""
    import torch

    rng = np.random.default_rng(5)
    target = rng.normal(size=(40, 3)) * 8
    frames = target + rng.normal(scale=1.5, size=(6, 40, 3))
    x = torch.as_tensor(frames, device=device)
    t = torch.as_tensor(target, device=device)
    w = torch.as_tensor(rng.uniform(0.1, 2.0, size=40), device=device)
    for weights in (None, w):
        shared = kabsch(x, t, weights)
        per_frame = kabsch(
            x, t.expand(6, 40, 3), None if weights is None else weights.expand(6, 40)
        )
        for a, b in zip(shared, per_frame, strict=True):
            np.testing.assert_allclose(a.cpu().numpy(), b.cpu().numpy(), atol=1e-10)
    r64 = superpose(frames, target, None, device=device, dtype="float64")
    r32 = superpose(frames, target, None, device=device, dtype="float32")
    np.testing.assert_allclose(r32.coords.cpu().numpy(), r64.coords.cpu().numpy(), atol=1e-4)
    np.testing.assert_allclose(r32.rmsd.cpu().numpy(), r64.rmsd.cpu().numpy(), atol=1e-4)


def test_compiled_cpu_kabsch_equals_the_batched_torch_one() -> None:
    """The per-frame QCP kernel (numba, CPU) and the batched Horn eigensolver agree, weighted or
    not, for one structure and for frames; collinear points (the largest eigenvalue repeated)
    fall back to the eigensolver and still superpose exactly."""
    import importlib

    import torch

    sp = importlib.import_module("ai4s_lab.protein.superpose")
    if not sp.HAVE_NUMBA:
        pytest.importorskip("numba")
    gen = torch.Generator().manual_seed(3)
    target = torch.randn(120, 3, generator=gen, dtype=torch.float64) * 8
    q, _ = torch.linalg.qr(torch.randn(40, 3, 3, generator=gen, dtype=torch.float64))
    q = q * torch.linalg.det(q)[:, None, None]
    frames = target @ q.mT + torch.randn(40, 1, 3, generator=gen, dtype=torch.float64) * 4
    frames = frames + 0.3 * torch.randn(40, 120, 3, generator=gen, dtype=torch.float64)
    for weights in (None, torch.rand(120, generator=gen, dtype=torch.float64)):
        for mobile in (frames, frames[0]):
            assert sp._numba_applies(mobile, target, weights)
            r1, t1 = sp._kabsch_numba(mobile, target, weights)
            r2, t2 = sp._kabsch_torch(mobile, target, weights)
            torch.testing.assert_close(r1, r2, rtol=0, atol=1e-12)
            torch.testing.assert_close(t1, t2, rtol=0, atol=1e-10)
    line = torch.tensor([[0.0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0]], dtype=torch.float64)
    quarter_turn = torch.tensor([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]], dtype=torch.float64)
    moved = line @ quarter_turn.T + 2.0
    r, t = sp._kabsch_numba(moved[None], line, None)
    torch.testing.assert_close(moved @ r[0].mT + t[0], line, rtol=0, atol=1e-12)


def test_tm_score_equals_tmalign_on_every_nmr_model(ensemble) -> None:  # type: ignore[no-untyped-def]
    # Where TM-align's own alignment is the identity, its final TM-score is the fixed-alignment
    # search of the TM-score program (seed fit, select within d0_search - 1, refine within
    # d0_search + 1): same numbers, not just close ones. Models 32 and 36 were 0.03 low.
    ca = ensemble.coordinates("CA")
    seq = ensemble.sequence
    ours = tm_score(ca, ca[0], device="cpu").numpy()
    compared = 0
    for k in range(1, ensemble.n_models):
        result = tmtools.tm_align(ca[k], ca[0], seq, seq)
        if result.seqxA == seq and result.seqyA == seq:
            assert ours[k] == pytest.approx(result.tm_norm_chain2, abs=1e-6), k
            compared += 1
    assert compared >= 30


def test_sequence_alignment_with_selenocysteine(shared_data: Path) -> None:
    # Selenoproteins (glutathione peroxidase, thioredoxin reductase) have SEC, one letter U,
    # which BLOSUM62 lacks: it aligns as X instead of stopping the superposition.
    path = shared_data / "protein" / "pdb1ubi.pdb"
    lines = path.read_text().splitlines()
    edited = [ln[:17] + "SEC" + ln[20:] if ln[22:26] == "  48" else ln for ln in lines]
    mutant = load_structure("\n".join(edited))
    assert mutant.sequence[47] == "U"
    result = superpose(mutant, load_structure(path), alignment="sequence", device="cpu")
    assert result.n_matched == 76
    assert float(result.rmsd[0]) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(InputError, match="empty sequence"):
        sequence_alignment("", "ACD")
    with pytest.raises(InputError, match=r"seq_a is a Structure.*structure\.sequence"):
        sequence_alignment(mutant, "ACD")  # type: ignore[arg-type]


def test_superpose_weights_of_the_wrong_length(ensemble) -> None:  # type: ignore[no-untyped-def]
    reference = ensemble.with_coords(ensemble.coords[:1])
    with pytest.raises(InputError, match="weights must be 20"):
        superpose(ensemble, reference, weights=[1.0, 2.0, 3.0], device="cpu")
    even = superpose(ensemble, reference, weights=np.ones(20), device="cpu")
    plain = superpose(ensemble, reference, device="cpu")
    np.testing.assert_allclose(even.rmsd.numpy(), plain.rmsd.numpy(), atol=1e-9)


_THREE_LETTER = {
    "A": "ALA", "C": "CYS", "D": "ASP", "E": "GLU", "F": "PHE", "G": "GLY", "H": "HIS",
    "I": "ILE", "K": "LYS", "L": "LEU", "M": "MET", "N": "ASN", "P": "PRO", "Q": "GLN",
    "R": "ARG", "S": "SER", "T": "THR", "V": "VAL", "W": "TRP", "Y": "TYR",
}  # fmt: skip


def test_sequence_alignment_of_unrelated_proteins_warns(shared_data: Path) -> None:
    """Ubiquitin on a dehydrogenase by sequence: 21 % identity that shuffled sequences reach
    too (RMSD 18 Å over residues that do not correspond); a ubiquitin with 75 % of its
    residues mutated (28 % identity, below the 30 % of the shuffle test) is still recognised
    as related: its alignment scores far above shuffles."""
    ubi = load_structure(shared_data / "protein" / "pdb1ubi.pdb")
    other = load_structure(shared_data / "protein" / "5h73.pdb")
    with pytest.warns(Ai4sWarning, match=r"'pdb1ubi' and '5h73' align with \d+ % identical"):
        superpose(ubi, other, alignment="sequence", device="cpu")
    rng = np.random.default_rng(1)
    letters = list(ubi.sequence)
    for i in rng.choice(len(letters), int(0.75 * len(letters)), replace=False):
        letters[i] = str(rng.choice(list(_THREE_LETTER)))
    identity = np.mean(np.array(letters) == np.array(list(ubi.sequence)))
    assert 0.2 < identity < 0.3
    mutant = ubi.with_coords(ubi.coords)
    first = np.unique(mutant.residue_index, return_index=True)[1]
    names = mutant.res_name.astype(object)
    for k, residue in enumerate(ubi.polymer_residues):
        names[mutant.residue_index == residue] = _THREE_LETTER[letters[k]]
    mutant.res_name = names.astype(str)
    assert mutant.sequence == "".join(letters) and len(first) >= len(letters)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Ai4sWarning)
        superpose(mutant, ubi, alignment="sequence", device="cpu")  # related: no warning
