"""Trajectories with the topologies of simulation programs (CHARMM PSF, GROMACS TPR, Amber
prmtop), on the real files of MDAnalysis's test data, against mdtraj (its own PSF, prmtop, DCD,
NetCDF and mdcrd readers) and across programs (the same protein from CHARMM and GROMACS)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import Ai4sWarning, DataFileError, InputError, ParameterError
from ai4s_lab.protein import load_structure, load_trajectory, rmsd_over_time

md = pytest.importorskip("mdtraj")
datafiles = pytest.importorskip("MDAnalysisTests.datafiles")


def _mdtraj(trajectory: str, topology: str):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if trajectory.endswith(".mdcrd"):
            return md.load_mdcrd(trajectory, top=topology)
        if trajectory.endswith(".rst7"):
            return md.load_restrt(trajectory, top=topology)
        return md.load(trajectory, top=topology)


@pytest.mark.parametrize(
    ("topology", "trajectory"),
    [("PSF", "DCD"), ("PRMncdf", "NCDF"), ("PRM", "TRJ"), ("PRM7_ala2", "RST7_ala2")],
    ids=["charmm-psf-dcd", "amber-prmtop-netcdf", "amber-prmtop-mdcrd", "amber-parm7-restart"],
)
def test_topology_and_frames_match_mdtraj(topology: str, trajectory: str) -> None:
    top, traj = getattr(datafiles, topology), getattr(datafiles, trajectory)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Ai4sWarning)  # adk_dims.dcd: header counts 500 frames
        ours = load_trajectory(top, traj)
    oracle = _mdtraj(traj, top)
    assert ours.n_models == oracle.n_frames
    np.testing.assert_allclose(ours.coords, oracle.xyz * 10.0, atol=1e-4)  # nm → Å
    atoms = list(oracle.topology.atoms)
    # mdtraj renames atoms and residues to PDB names (HT1 → H, HSD → HIS, WAT → HOH)
    assert [a.residue.index for a in atoms] == ours.residue_index.tolist()
    if topology == "PSF":  # (mdtraj numbers Amber residues from 0; Amber from 1)
        assert [a.residue.resSeq for a in atoms] == ours.res_seq.tolist()
    polymer = "".join(r.code for r in oracle.topology.residues if r.is_protein)
    assert ours.sequence == polymer and len(polymer) > 0
    # PSF and old prmtop files state no elements: ours come from names and masses
    assert [a.element.symbol.upper() for a in atoms] == ours.element.tolist()
    assert ours.n_residues == oracle.topology.n_residues
    assert ours.format in ("psf", "prmtop") and ours.name == Path(top).name.split(".")[0]


def test_rmsd_over_time_matches_mdtraj() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Ai4sWarning)
        ours = load_trajectory(datafiles.PSF, datafiles.DCD)
    oracle = _mdtraj(datafiles.DCD, datafiles.PSF)
    ca = oracle.topology.select("name CA")
    expected = md.rmsd(oracle, oracle, 0, atom_indices=ca) * 10.0
    np.testing.assert_allclose(rmsd_over_time(ours, 0).cpu(), expected, atol=2e-3)


def test_charmm_and_gromacs_files_of_one_protein_agree() -> None:
    """Adenylate kinase from CHARMM (PSF: elements from names/masses) and from GROMACS/OPLS
    (TPR: elements from atomic numbers; residue names LYSH, CYSH, HISB)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Ai4sWarning)
        charmm = load_trajectory(datafiles.PSF, datafiles.DCD, stop=1)
    gromacs = load_trajectory(datafiles.TPR, datafiles.XTC, unwrap=True)
    assert gromacs.n_models == 10 and gromacs.format == "tpr"
    assert gromacs.sequence == charmm.sequence and len(charmm.sequence) == 214
    protein = ~gromacs.hetero
    assert protein.sum() == charmm.n_atoms == 3341
    for structure in (charmm, gromacs):
        assert structure.polymer_residues.size == 214
    # per residue, the same elements (the force fields name the atoms differently)
    for k in range(214):
        ours = sorted(charmm.element[charmm.residue_index == k])
        theirs = sorted(gromacs.element[protein & (gromacs.residue_index == k)])
        assert ours == theirs, k
    # waters are waters, sodium is sodium, TIP4P's massless sites are X
    assert set(gromacs.element[gromacs.res_name == "NA+"]) == {"NA"}
    water = gromacs.water
    assert water.sum() == 4 * 11084
    assert sorted(set(gromacs.element[water])) == ["H", "O", "X"]


def test_repartitioned_hydrogen_masses_keep_the_elements(tmp_path: Path) -> None:
    """Hydrogen mass repartitioning (H 3.024 u, each bonded heavy atom 2.016 u lighter) gives an
    N-H nitrogen the 11.99 u of carbon: the elements still follow the names."""
    text = Path(datafiles.PSF).read_text()
    head, rest = text.split("!NATOM\n", 1)
    count = int(head.split()[-1])
    lines = rest.split("\n")
    for i in range(count):
        fields = lines[i].split()
        mass = {"H": 3.024, "N": 11.991}.get(fields[4][0])
        if mass is not None:
            lines[i] = lines[i].replace(fields[7], f"{mass:.4f}".ljust(len(fields[7])), 1)
    heavy = tmp_path / "hmr.psf"
    heavy.write_text(head + "!NATOM\n" + "\n".join(lines))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Ai4sWarning)
        ours = load_trajectory(heavy, datafiles.DCD, stop=1)
    oracle = _mdtraj(datafiles.DCD, datafiles.PSF)  # the file as CHARMM wrote it
    assert [a.element.symbol.upper() for a in oracle.topology.atoms] == ours.element.tolist()


def test_one_frame_coordinate_file_as_the_trajectory() -> None:
    """A run's input (.tpr) with its output structure (.gro), against our own .gro reader."""
    with pytest.warns(Ai4sWarning, match="broken across the periodic box"):
        frame = load_trajectory(datafiles.TPR, datafiles.GRO)  # as written: not unwrapped
    gro = load_structure(datafiles.GRO)
    assert frame.n_models == 1 and frame.n_atoms == gro.n_atoms == 47681
    np.testing.assert_allclose(frame.coords, gro.coords, atol=1e-4)
    assert frame.atom_name.tolist() == gro.atom_name.tolist()
    assert frame.res_seq.tolist() == gro.res_seq.tolist()
    assert frame.sequence == gro.sequence  # the .gro says LYS where the .tpr says LYSH


def test_chains_come_from_chain_ids_segments_or_bonds() -> None:
    gromacs = load_trajectory(datafiles.TPR, datafiles.XTC, stop=1, unwrap=True)
    # GROMACS names chains after molecule types: one protein, then the solvent and the ions
    assert list(dict.fromkeys(gromacs.chain_id)) == ["AKeco", "SOL", "NA+"]
    # An Amber file with one SYSTEM: the bonded polymer is chain A, the waters and ion chain B
    amber = load_trajectory(datafiles.PRMncdf, datafiles.NCDF, stop=1)
    assert set(amber.chain_id[~amber.hetero]) == {"A"}
    assert set(amber.chain_id[amber.water]) == {"B"}
    assert amber.sequence == "VEV"
    assert load_trajectory(datafiles.PSF, datafiles.DCD, stop=1).chains == ["4AKE"]


def test_psf_insertion_codes(tmp_path: Path) -> None:
    """CHARMM residue IDs such as ``1A`` keep their insertion codes (MDAnalysis drops them)."""
    mda = pytest.importorskip("MDAnalysis")
    path = Path(datafiles.PSF_inscode)
    text = path.read_text()
    count = int(re.search(r"(\d+)\s+!NATOM", text).group(1))  # type: ignore[union-attr]
    lines = text.split("!NATOM", 1)[1].splitlines()[1 : count + 1]
    resids = [line.split()[2] for line in lines]
    frame = tmp_path / "frame.dcd"
    with warnings.catch_warnings(), mda.Writer(str(frame), count) as writer:
        warnings.simplefilter("ignore")  # no unit cell
        writer.write(mda.Universe.empty(count, trajectory=True).atoms)
    ours = load_trajectory(path, frame)
    expected_codes = [r[-1] if r[-1].isalpha() else "" for r in resids]
    assert ours.ins_code.tolist() == expected_codes
    assert any(expected_codes)
    # one residue per run of equal residue IDs, codes included
    runs = sum(1 for i, r in enumerate(resids) if i == 0 or r != resids[i - 1])
    assert ours.n_residues == runs


def test_topology_alone_or_as_a_structure_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"CHARMM/NAMD PSF topology.*load_trajectory\("):
        load_trajectory(datafiles.PSF)
    with pytest.raises(DataFileError, match=r"holds no coordinates") as info:
        load_structure(datafiles.TPR)
    assert "load_trajectory(" in str(info.value)


def test_bad_topologies_and_mismatched_trajectories(shared_data: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.psf"
    broken.write_text("PSF\n\n       1 !NTITLE\n REMARKS nothing else\n")
    with pytest.raises(DataFileError, match=r"broken\.psf.*MDAnalysis cannot read it as"):
        load_trajectory(broken, shared_data / "protein" / "1l2y.dcd")
    # a GROMACS .top whose force-field includes are not at hand
    with pytest.raises(DataFileError, match=r"gromacs_ala10\.top") as info:
        load_trajectory(Path(datafiles.PSF).parent / "gromacs_ala10.top", datafiles.XTC)
    assert ".tpr" in str(info.value)
    # the trajectory of another system: the message names the trajectory and both counts
    mismatch = r"1l2y\.dcd: holds 304 atoms a frame but the topology has 3341"
    with pytest.raises(DataFileError, match=mismatch):
        load_trajectory(datafiles.PSF, shared_data / "protein" / "1l2y.dcd")
    with pytest.raises(FileNotFoundError, match=r"missing\.prmtop"):
        load_trajectory(tmp_path / "missing.prmtop", datafiles.NCDF)


def test_copies_of_one_gromacs_molecule_type_are_chains() -> None:
    """GROMACS labels every copy of a molecule type alike (a homodimer: chain ID "A" twice);
    the molecule numbers tell the copies apart, as two chains."""
    mda = pytest.importorskip("MDAnalysis")
    from ai4s_lab.protein._md_topology import structure_columns

    names = ["N", "CA", "C", "O"]  # two alanines, then a TIP4P water
    universe = mda.Universe.empty(
        12, n_residues=3, atom_resindex=np.repeat([0, 1, 2], 4), trajectory=True
    )
    universe.add_TopologyAttr("names", names * 2 + ["OW", "HW1", "HW2", "MW"])
    universe.add_TopologyAttr("resnames", ["ALA", "ALA", "SOL"])
    universe.add_TopologyAttr("resids", [1, 1, 1])
    universe.add_TopologyAttr("chainIDs", ["A"] * 8 + ["SOL"] * 4)
    universe.add_TopologyAttr("molnums", [0, 1, 2])
    columns = structure_columns(universe, Path("dimer.tpr"))
    assert columns["chain_id"].tolist() == ["A"] * 4 + ["A2"] * 4 + ["SOL"] * 4
    assert columns["element"].tolist() == ["N", "C", "C", "O"] * 2 + ["O", "H", "H", "X"]
    assert columns["water"].tolist() == [False] * 8 + [True] * 4


def test_waters_and_hydrogens_can_be_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from ai4s_lab import _memory

    with pytest.warns(Ai4sWarning, match="broken across the periodic box"):
        dry = load_trajectory(datafiles.TPR, datafiles.XTC, stop=2, water=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mda = pytest.importorskip("MDAnalysis")  # the same system's .gro with the frames
        universe = mda.Universe(datafiles.GRO, datafiles.XTC)
    kept = universe.select_atoms("not resname SOL")
    assert dry.n_atoms == kept.n_atoms == 3341 + 4  # the protein and four sodium ions
    for k, ts in enumerate(universe.trajectory[:2]):
        np.testing.assert_allclose(dry.coords[k], kept.positions, atol=1e-4)
        np.testing.assert_allclose(dry.metadata["box"][k], ts.dimensions, rtol=1e-6)
    assert dry.select(models=[1]).metadata["box"].tolist() == [dry.metadata["box"][1].tolist()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Ai4sWarning)
        heavy = load_trajectory(datafiles.PSF, datafiles.DCD, stop=3, hydrogens=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = md.load(datafiles.DCD, top=datafiles.PSF)[:3]
    heavy_atoms = oracle.topology.select("not element H")
    assert heavy.n_atoms == len(heavy_atoms)
    np.testing.assert_allclose(heavy.coords, oracle.xyz[:3, heavy_atoms] * 10.0, atol=1e-4)
    # frames that cannot fit are refused before they are read, with what to change
    monkeypatch.setattr(_memory, "available_memory", lambda device: 1_000_000)
    with pytest.raises(ParameterError, match=r"98 frames of 3341 atoms.*water=False"):
        load_trajectory(datafiles.PSF, datafiles.DCD)


def test_leaving_out_every_atom_is_refused() -> None:
    """A box of 125 TIP3P waters (CHARMM) read without waters holds nothing: said before any
    frame is read."""
    with pytest.raises(InputError, match=r"water=False, hydrogens=True leave no atom"):
        load_trajectory(datafiles.PSF_TRICLINIC, datafiles.DCD_TRICLINIC, water=False)
    waters = load_trajectory(datafiles.PSF_TRICLINIC, datafiles.DCD_TRICLINIC, hydrogens=False)
    assert waters.n_atoms == 125 and set(waters.element) == {"O"}
