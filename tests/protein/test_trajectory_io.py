"""Trajectories against MDAnalysis: frames, RMSD over time, radius of gyration; bad files."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from ai4s_lab.errors import DataFileError
from ai4s_lab.protein import load_trajectory, rmsd_over_time, trajectory_table

mda = pytest.importorskip("MDAnalysis")
from MDAnalysis.analysis import rms  # noqa: E402


def _universe(top: Path, traj: Path):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mda.Universe(str(top), str(traj))


def test_md_trajectory_matches_mdanalysis(shared_data: Path, device: str) -> None:
    top, xtc = shared_data / "protein" / "md_1u19.pdb", shared_data / "protein" / "md_1u19.xtc"
    ours = load_trajectory(top, xtc)
    universe = _universe(top, xtc)
    assert ours.n_models == len(universe.trajectory) == 51
    for k in (0, 25, 50):
        universe.trajectory[k]
        np.testing.assert_allclose(ours.coords[k], universe.atoms.positions, atol=1e-4)
    analysis = rms.RMSD(universe, universe, select="name CA", ref_frame=0).run()
    expected = analysis.results.rmsd[:, 2]
    np.testing.assert_allclose(rmsd_over_time(ours, 0, device=device).cpu(), expected, atol=1e-4)
    table = trajectory_table(ours, device=device)
    assert list(table.columns) == ["frame", "time_ps", "rmsd", "rg"]
    np.testing.assert_allclose(table.time_ps, [ts.time for ts in universe.trajectory])
    rg = [universe.select_atoms("name CA").radius_of_gyration() for _ in universe.trajectory]
    np.testing.assert_allclose(table.rg, rg, atol=1e-4)


def test_multimodel_pdb_equals_xtc_and_dcd(shared_data: Path) -> None:
    top = shared_data / "protein" / "1l2y.pdb"
    models = load_trajectory(top)
    for name in ("1l2y.xtc", "1l2y.dcd"):
        frames = load_trajectory(top, shared_data / "protein" / name)
        assert frames.n_models == models.n_models == 38
        np.testing.assert_allclose(frames.coords, models.coords, atol=2e-3)
    strided = load_trajectory(top, shared_data / "protein" / "1l2y.xtc", step=5)
    assert strided.n_models == 8


# MDAnalysis's readers, opened on a file of another format, fail half-built and print an
# "Exception ignored in __del__" traceback after the error: such files are refused before.
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_bad_trajectories(shared_data: Path, tmp_path: Path) -> None:
    top = shared_data / "protein" / "1l2y.pdb"
    noise = np.random.default_rng(0).integers(0, 256, 5000, np.uint8).tobytes()
    for name, problem in [
        ("noise.xtc", "not a .xtc trajectory: an XTC file starts with the magic number 1995"),
        ("noise.trr", "not a .trr trajectory: a TRR file starts with the magic number 1993"),
        ("noise.dcd", "not a .dcd trajectory: a DCD file has 'CORD' in its first record"),
        ("noise.nc", "not a .nc trajectory: an AMBER NetCDF file starts with 'CDF'"),
    ]:
        garbage = tmp_path / name
        garbage.write_bytes(noise)
        with pytest.raises(DataFileError, match=re.escape(f"{name}: is {problem}")):
            load_trajectory(top, garbage)
    renamed = tmp_path / "frames.xtc"  # a topology given as the trajectory
    renamed.write_bytes(top.read_bytes())
    with pytest.raises(
        DataFileError, match=r"frames\.xtc: is not a \.xtc trajectory.*starts with b'HEADER"
    ):
        load_trajectory(top, renamed)
    damaged = tmp_path / "damaged.xtc"  # the right magic number, garbage after it
    damaged.write_bytes((shared_data / "protein" / "1l2y.xtc").read_bytes()[:4] + noise)
    with pytest.raises(DataFileError, match=r"damaged\.xtc"):
        load_trajectory(top, damaged)
    empty = tmp_path / "empty.dcd"
    empty.write_bytes(b"")
    with pytest.raises(DataFileError, match=r"empty\.dcd: is empty"):
        load_trajectory(top, empty)
    with pytest.raises(DataFileError, match=r"number of atoms|atoms a frame"):
        load_trajectory(
            shared_data / "protein" / "pdb1ubi.pdb", shared_data / "protein" / "1l2y.xtc"
        )
    # a PDB file of another structure as the frames: the counts are named
    with pytest.raises(DataFileError, match=r"5h73\.pdb: holds 3006 atoms a frame but the"):
        load_trajectory(top, shared_data / "protein" / "5h73.pdb")
    text = tmp_path / "frames.txt"
    text.write_text("1 2 3\n")
    with pytest.raises(DataFileError, match=r"unknown trajectory format '\.txt'"):
        load_trajectory(top, text)


def test_truncated_trajectory_is_not_read_silently_short(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("MDAnalysis")
    topology = shared_data / "protein" / "md_1u19.pdb"
    whole = (shared_data / "protein" / "md_1u19.xtc").read_bytes()
    cut = tmp_path / "cut.xtc"
    cut.write_bytes(whole[: len(whole) // 2])  # a copy interrupted half way
    with pytest.raises(DataFileError, match="truncated") as err:
        load_trajectory(topology, cut)
    assert "cut.xtc" in str(err.value)
    # the frames before the damage are still readable on request
    first = load_trajectory(topology, cut, stop=5)
    full = load_trajectory(topology, shared_data / "protein" / "md_1u19.xtc", stop=5)
    np.testing.assert_array_equal(first.coords, full.coords)


def test_truncated_dcd_is_not_read_silently_short(shared_data: Path, tmp_path: Path) -> None:
    """MDAnalysis counts a DCD file's frames from its size: a cut file reads as a shorter
    trajectory. Its header's frame count (NSET, 38 for 1L2Y's 38 NMR models) gives it away."""
    pytest.importorskip("MDAnalysis")
    topology = shared_data / "protein" / "1l2y.pdb"
    whole = (shared_data / "protein" / "1l2y.dcd").read_bytes()
    cut = tmp_path / "cut.dcd"
    cut.write_bytes(whole[: len(whole) // 2 + 17])
    with pytest.raises(DataFileError, match="declares 38 frames but it holds 18 whole ones"):
        load_trajectory(topology, cut)
    first = load_trajectory(topology, cut, stop=18)
    full = load_trajectory(topology, shared_data / "protein" / "1l2y.dcd", stop=18)
    np.testing.assert_array_equal(first.coords, full.coords)
    assert load_trajectory(topology, shared_data / "protein" / "1l2y.dcd").n_models == 38


def test_numpy_integer_reference_frame(shared_data: Path) -> None:
    trajectory = load_trajectory(shared_data / "protein" / "1l2y.pdb")
    by_numpy = rmsd_over_time(trajectory, np.int64(3), device="cpu")
    by_int = rmsd_over_time(trajectory, 3, device="cpu")
    torch.testing.assert_close(by_numpy, by_int, rtol=0, atol=0)
    assert float(by_numpy[3]) == pytest.approx(0.0, abs=1e-9)


def test_progress_bar_of_frames(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    top, xtc = shared_data / "protein" / "md_1u19.pdb", shared_data / "protein" / "md_1u19.xtc"
    load_trajectory(top, xtc, progress=True)
    shown = capsys.readouterr().err
    assert "md_1u19.xtc: 100%" in shown and "51/51" in shown  # 51 frames, counted by MDAnalysis
    load_trajectory(top, xtc, progress=False)
    load_trajectory(top, xtc)  # default: a bar only once reading takes 2 s
    assert capsys.readouterr().err == ""
