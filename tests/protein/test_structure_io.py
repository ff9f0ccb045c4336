"""Reading structures: counts and values against biotite (an independent parser), pLDDT of a
predicted model, mmCIF and gzip, and typed errors for bad files."""

from __future__ import annotations

import gzip
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import DataFileError, InputError
from ai4s_lab.protein import example_file, load_structure

pdb = pytest.importorskip("biotite.structure.io.pdb")
bstruc = pytest.importorskip("biotite.structure")

REAL = ["1l2y.pdb", "5h73.pdb", "pdb1ubi.pdb", "AF-Q5VSL9-F1-model_v4.pdb", "md_1u19.pdb"]


def _biotite(path: Path) -> object:
    return pdb.PDBFile.read(str(path)).get_structure(
        altloc="first", extra_fields=["b_factor", "occupancy"]
    )


@pytest.mark.parametrize("name", REAL)
def test_counts_and_coordinates_match_biotite(shared_data: Path, name: str) -> None:
    path = shared_data / "protein" / name
    ours = load_structure(path)
    theirs = _biotite(path)  # AtomArrayStack: (models, atoms)
    assert ours.n_models == theirs.stack_depth()
    assert ours.n_atoms == theirs.array_length()
    assert ours.n_residues == bstruc.get_residue_count(theirs[0])
    assert ours.chains == list(dict.fromkeys(theirs.chain_id.tolist()))
    np.testing.assert_allclose(ours.coords, theirs.coord, atol=1e-3)
    np.testing.assert_array_equal(ours.atom_name, theirs.atom_name)
    np.testing.assert_array_equal(ours.res_seq, theirs.res_id)
    np.testing.assert_array_equal(ours.hetero, theirs.hetero)
    np.testing.assert_allclose(ours.b_factor, theirs.b_factor, atol=1e-2)
    np.testing.assert_allclose(ours.occupancy, theirs.occupancy, atol=1e-2)
    ca = (theirs.atom_name == "CA") & (theirs.element == "C")
    assert len(ours.polymer_residues) == int(ca.sum())


def test_ligand_and_waters_of_an_xray_structure(shared_data: Path) -> None:
    path = shared_data / "protein" / "5h73.pdb"
    with_water = load_structure(path)
    theirs = _biotite(path)[0]
    assert with_water.water.sum() == (theirs.res_name == "HOH").sum() > 0
    assert len(with_water.polymer_residues) == 363  # MANIFEST: 363 aa residues
    dry = load_structure(path, water=False)
    assert dry.n_atoms == with_water.n_atoms - with_water.water.sum()
    ligands = set(with_water.res_name[with_water.hetero & ~with_water.water].tolist())
    assert ligands  # the inhibitor (and any ions) are kept as hetero groups
    assert not with_water.predicted


def test_plddt_of_an_alphafold_model(shared_data: Path) -> None:
    path = shared_data / "protein" / "AF-Q5VSL9-F1-model_v4.pdb"
    model = load_structure(path)
    assert model.predicted
    theirs = _biotite(path)[0]
    ca = theirs[(theirs.atom_name == "CA")]
    np.testing.assert_allclose(model.plddt, ca.b_factor, atol=1e-3)
    # Values stated in ../shared/data/MANIFEST.md, from the AlphaFold DB file itself.
    assert len(model.plddt) == 837
    assert model.plddt.mean() == pytest.approx(80.82, abs=0.01)
    assert (model.plddt < 50).sum() == 127
    assert load_structure(path, predicted=False).plddt is None


def test_experimental_structures_are_not_predicted(shared_data: Path) -> None:
    for name in ("1l2y.pdb", "pdb1ubi.pdb", "md_1u19.pdb"):
        assert not load_structure(shared_data / "protein" / name).predicted


def test_mmcif_plain_gz_and_text_equal_pdb(shared_data: Path, tmp_path: Path) -> None:
    pdbx = pytest.importorskip("biotite.structure.io.pdbx")
    source = shared_data / "protein" / "pdb1ubi.pdb"
    cif = pdbx.CIFFile()
    pdbx.set_structure(cif, _biotite(source)[0])
    cif_path = tmp_path / "1ubi.cif"
    cif.write(str(cif_path))
    gz_path = tmp_path / "1ubi.cif.gz"
    gz_path.write_bytes(gzip.compress(cif_path.read_bytes()))
    reference = load_structure(source)
    for loaded in (
        load_structure(cif_path),
        load_structure(gz_path),
        load_structure(cif_path.read_text()),
    ):
        assert loaded.format == "mmcif"
        assert loaded.n_atoms == reference.n_atoms
        np.testing.assert_allclose(loaded.coords, reference.coords, atol=1e-3)
        assert loaded.sequence == reference.sequence
    text = load_structure(source.read_text())
    assert text.n_atoms == reference.n_atoms and text.source == "<text>"


def test_altloc_all_keeps_alternate_atoms(tmp_path: Path) -> None:
    lines = example_file("pdb1ubi.pdb").read_text().splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("ATOM"))
    a = lines[i][:16] + "A" + lines[i][17:54] + "  0.60" + lines[i][60:]
    b = lines[i][:16] + "B" + lines[i][17:30] + f"{float(lines[i][30:38]) + 1:8.3f}"
    b += lines[i][38:54] + "  0.40" + lines[i][60:]
    path = tmp_path / "alt.pdb"
    path.write_text("\n".join([*lines[:i], a, b, *lines[i + 1 :]]) + "\n")
    first = load_structure(path)
    every = load_structure(path, altloc="all")
    assert every.n_atoms == first.n_atoms + 1
    assert set(every.altloc.tolist()) >= {"A", "B"}


def test_altloc_all_structures_give_one_atom_a_residue_to_every_measure(tmp_path: Path) -> None:
    """Residues 10-12 with A/B conformers, read with ``altloc="all"`` (as load_trajectory reads
    a topology): the atom sets hold the first conformer only, the atoms gemmi's
    remove_alternative_conformations keeps, so a structure scores perfectly against itself."""
    from ai4s_lab.protein import load_trajectory, residue_table, rmsd, rmsd_over_time, tm_score

    out = []
    for line in example_file("pdb1ubi.pdb").read_text().splitlines():
        if line.startswith("ATOM  ") and 10 <= int(line[22:26]) <= 12:
            out.append(line[:16] + "A" + line[17:54] + "  0.60" + line[60:])
            shifted = f"{float(line[30:38]) + 0.8:8.3f}"
            out.append(line[:16] + "B" + line[17:30] + shifted + line[38:54] + "  0.40" + line[60:])
        else:
            out.append(line)
    path = tmp_path / "alt.pdb"
    path.write_text("\n".join(out) + "\n")
    first, every = load_structure(path), load_structure(path, altloc="all")
    assert every.n_atoms > first.n_atoms
    for atoms in ("CA", "CB", "backbone", "heavy", "all"):
        np.testing.assert_array_equal(every.coordinates(atoms), first.coordinates(atoms))
    assert float(rmsd(every, every)) == 0.0 and float(tm_score(every, every)) == 1.0
    trajectory = load_trajectory(path)
    assert len(residue_table(trajectory)) == len(first.residue_ids) == 76
    assert float(rmsd_over_time(trajectory, first)[0]) == pytest.approx(0.0, abs=1e-6)


# -- bad input ---------------------------------------------------------------------------------
def _ubi_lines() -> list[str]:
    return example_file("pdb1ubi.pdb").read_text().splitlines()


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdb"
    path.write_text("")
    with pytest.raises(DataFileError, match=r"empty\.pdb: is empty"):
        load_structure(path)


def test_binary_garbage(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for name in ("garbage.pdb", "garbage.cif"):
        path = tmp_path / name
        path.write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
        with pytest.raises(DataFileError, match=name):
            load_structure(path)


def test_truncated_pdb_names_the_line(tmp_path: Path) -> None:
    lines = _ubi_lines()
    last = next(k for k, line in enumerate(lines) if line.startswith("ATOM")) + 40
    path = tmp_path / "cut.pdb"
    path.write_text("\n".join([*lines[:last], lines[last][:35]]))
    with pytest.raises(DataFileError, match=r"cut\.pdb, line \d+: ATOM record is cut short") as err:
        load_structure(path)
    assert err.value.line == last + 1


def test_bad_number_names_the_line(tmp_path: Path) -> None:
    lines = _ubi_lines()
    k = next(k for k, line in enumerate(lines) if line.startswith("ATOM")) + 5
    lines[k] = lines[k][:30] + "  abc.de" + lines[k][38:]
    path = tmp_path / "bad.pdb"
    path.write_text("\n".join(lines))
    with pytest.raises(DataFileError, match=r"x coordinate 'abc\.de'") as err:
        load_structure(path)
    assert err.value.line == k + 1 and err.value.path == str(path)


def test_wrong_format(tmp_path: Path) -> None:
    json_file = tmp_path / "model.pdb"
    json_file.write_text('{"predicted_aligned_error": [[0.0]]}\n')
    with pytest.raises(DataFileError, match="no ATOM or HETATM records"):
        load_structure(json_file)
    pdb_as_cif = tmp_path / "model.cif"
    shutil.copy(example_file("pdb1ubi.pdb"), pdb_as_cif)
    with pytest.raises(DataFileError, match=r"model\.cif, line 1: malformed mmCIF"):
        load_structure(pdb_as_cif)
    with pytest.raises(InputError, match="format='xyz'"):
        load_structure(example_file("pdb1ubi.pdb"), format="xyz")


def test_files_gemmi_reads_are_read_whatever_their_encoding_or_name(tmp_path: Path) -> None:
    """A Latin-1 byte in a REMARK, a UTF-8 byte-order mark, old Mac CR line ends and an mmCIF
    file named .pdb: each gives the atoms gemmi reads from the same content."""
    import gemmi

    source = example_file("pdb1ubi.pdb")
    text = source.read_text()
    expected = gemmi.read_structure(str(source))[0].count_atom_sites()
    latin1 = tmp_path / "latin1.pdb"
    latin1.write_bytes(text.replace("REMARK   1", "REMARK   1 M\xfcller,", 1).encode("latin-1"))
    bom = tmp_path / "bom.pdb"
    bom.write_text(text, encoding="utf-8-sig")
    mac = tmp_path / "mac.pdb"
    mac.write_bytes(text.replace("\n", "\r").encode())
    cif_named_pdb = tmp_path / "renamed.pdb"
    gemmi.read_structure(str(source)).make_mmcif_document().write_file(str(cif_named_pdb))
    for path in (latin1, bom, mac, cif_named_pdb):
        assert load_structure(path).n_atoms == expected, path.name
    assert load_structure(text.replace("\n", "\r")).n_atoms == expected  # text, CR only
    with pytest.raises(InputError, match="got bytes"):
        load_structure(text.encode())  # type: ignore[arg-type]


def test_malformed_mmcif_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.cif"
    path.write_text(
        "data_x\nloop_\n_atom_site.id\n_atom_site.Cartn_x\n1 2.0\n3\n", encoding="utf-8"
    )
    with pytest.raises(DataFileError, match=r"broken\.cif, line \d+: malformed mmCIF") as err:
        load_structure(path)
    assert err.value.line is not None


def test_truncated_gzip(tmp_path: Path) -> None:
    blob = gzip.compress(example_file("pdb1ubi.pdb").read_bytes())
    path = tmp_path / "cut.pdb.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataFileError, match="not a valid gzip file"):
        load_structure(path)


def test_models_with_different_atoms(tmp_path: Path) -> None:
    lines = example_file("1l2y.pdb").read_text().splitlines()
    second = [k for k, line in enumerate(lines) if line.startswith("MODEL")][1]
    k = next(k for k in range(second, len(lines)) if lines[k].startswith("ATOM"))
    del lines[k]
    path = tmp_path / "ragged.pdb"
    path.write_text("\n".join(lines))
    with pytest.raises(DataFileError, match="model 2 lacks atoms of model 1"):
        load_structure(path)
    # the other way round: model 2 with an atom more (a copy of one under another name)
    lines = example_file("1l2y.pdb").read_text().splitlines()
    k = next(k for k in range(second, len(lines)) if lines[k].startswith("ATOM"))
    lines.insert(k + 1, lines[k][:12] + " XX " + lines[k][16:])
    path.write_text("\n".join(lines))
    with pytest.raises(DataFileError, match=r"model 2 has atoms model 1 lacks \(1 more, e.g. XX"):
        load_structure(path)


def test_missing_file() -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.pdb"):
        load_structure("nowhere.pdb")


def test_xray_structure_phased_with_alphafold_is_not_predicted(shared_data: Path) -> None:
    # Recent X-ray entries name AlphaFold as the molecular-replacement search model; their
    # B-factor column still holds B-factors (the file says EXPDTA X-RAY DIFFRACTION).
    gemmi = pytest.importorskip("gemmi")
    text = (shared_data / "protein" / "pdb1ubi.pdb").read_text()
    remark = "REMARK 200 STARTING MODEL: ALPHAFOLD".ljust(80) + "\n"
    with_remark = text.replace("REMARK 200", remark + "REMARK 200", 1)
    assert "ALPHAFOLD" in with_remark
    structure = load_structure(with_remark)
    assert not structure.predicted and structure.plddt is None
    doc = gemmi.read_structure(str(shared_data / "protein" / "pdb1ubi.pdb")).make_mmcif_document()
    doc.sole_block().set_pair("_refine.pdbx_starting_model", "AlphaFold")
    cif = load_structure(doc.as_string())
    assert cif.format == "mmcif" and not cif.predicted
    assert load_structure(with_remark, predicted=True).plddt is not None  # explicit wins


def test_expdta_method_is_read_and_an_em_model_from_alphafold_is_not_predicted(
    shared_data: Path,
) -> None:
    """NMR and cryo-EM PDB files state their method in EXPDTA only (no REMARK 200); an EM model
    built from an AlphaFold starting model keeps its B-factors, with per-residue-equal
    B-factors (from a pLDDT-bearing start) that would otherwise look predicted."""
    nmr = load_structure(shared_data / "protein" / "1l2y.pdb")
    assert nmr.metadata["methods"] == ["SOLUTION NMR"]  # 1L2Y's EXPDTA line
    af = (shared_data / "protein" / "AF-Q5VSL9-F1-model_v4.pdb").read_text().splitlines()
    atoms = [line for line in af if line.startswith(("ATOM", "TER", "END"))]
    em = "\n".join(["HEADER    SIGNALING PROTEIN", "EXPDTA    ELECTRON MICROSCOPY",
                     "REMARK 245 STARTING MODEL                 : ALPHAFOLD", *atoms])  # fmt: skip
    assert load_structure("\n".join(atoms)).predicted  # the B-factors alone look like pLDDT
    structure = load_structure(em)
    assert structure.metadata["methods"] == ["ELECTRON MICROSCOPY"]
    assert not structure.predicted and structure.plddt is None


def test_ca_only_model_is_not_taken_for_a_prediction(shared_data: Path) -> None:
    # One atom a residue makes "equal B-factors within each residue" hold trivially.
    lines = (shared_data / "protein" / "pdb1ubi.pdb").read_text().splitlines()
    ca_only = [ln for ln in lines if ln.startswith("ATOM") and ln[12:16] == " CA "]
    structure = load_structure("\n".join(ca_only) + "\nEND\n")
    assert len(structure.polymer_residues) == 76 == structure.n_atoms
    assert not structure.predicted and structure.plddt is None


def test_sequence_of_md_protonation_states(shared_data: Path) -> None:
    # Amber/CHARMM names of protonation states are the same amino acids (HID/HIE/HIP = His ...).
    lines = (shared_data / "protein" / "pdb1ubi.pdb").read_text().splitlines()
    plain = load_structure(shared_data / "protein" / "pdb1ubi.pdb").sequence
    renamed = {"HIS": "HIE", "CYS": "CYX", "ASP": "ASH", "GLU": "GLH", "LYS": "LYN"}
    edited = [
        ln[:17] + renamed.get(ln[17:20], ln[17:20]) + ln[20:] if ln.startswith("ATOM") else ln
        for ln in lines
    ]
    assert load_structure("\n".join(edited)).sequence == plain
    assert "X" not in plain and plain.startswith("MQIFVKTLTGK")  # UniProt P0CG48 (ubiquitin)


def test_text_of_a_model_that_does_not_exist_is_refused(shared_data: Path) -> None:
    ensemble = load_structure(shared_data / "protein" / "1l2y.pdb")
    for write in (ensemble.to_pdb_string, ensemble.to_mmcif_string):
        with pytest.raises(InputError, match=r"model=38 is out of range.*38 model"):
            write(38)


def test_mmcif_text_holds_what_pdb_text_cannot(shared_data: Path) -> None:
    """Residue numbers beyond 9999 and more than 62 chains: mmCIF text, read back by biotite,
    holds every atom with its chain name, number and coordinates."""
    from io import StringIO

    pdbx = pytest.importorskip("biotite.structure.io.pdbx")
    gemmi = pytest.importorskip("gemmi")
    st = gemmi.read_structure(str(shared_data / "protein" / "pdb1ubi.pdb"))
    st.remove_ligands_and_waters()
    for k in range(1, 70):  # 70 chains of ubiquitin, named "A1" ... , numbered on
        copy = st[0][0].clone()
        copy.name = f"C{k}"
        for residue in copy:
            residue.seqid = gemmi.SeqId(residue.seqid.num + 76 * k + 5000, " ")
        st[0].add_chain(copy)
    st.setup_entities()
    big = load_structure(st.make_mmcif_document().as_string())
    assert len(big.chains) == 70 and big.res_seq.max() > 9999
    assert not big.fits_pdb_format()
    assert load_structure(shared_data / "protein" / "pdb1ubi.pdb").fits_pdb_format()
    with pytest.raises(InputError, match="70 chains"):
        big.to_pdb_string()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        atoms = pdbx.get_structure(pdbx.CIFFile.read(StringIO(big.to_mmcif_string())), model=1)
    np.testing.assert_array_equal(atoms.chain_id, big.chain_id)
    np.testing.assert_array_equal(atoms.res_id, big.res_seq)
    np.testing.assert_array_equal(atoms.atom_name, big.atom_name)
    np.testing.assert_allclose(atoms.coord, big.coords[0], atol=1e-3)
