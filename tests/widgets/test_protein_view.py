"""ProteinView / ContactMapView state without a browser: colours, picking, highlighting, links,
and the offline py3Dmol HTML."""

from __future__ import annotations

import json
import re
import warnings
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ai4s_lab.errors import InputError
from ai4s_lab.protein import contact_map, example_file, load_pae, load_structure
from ai4s_lab.widgets import ContactMapView, PAEView, ProteinView
from ai4s_lab.widgets.protein_view import PLDDT_COLORS
from tests.protein._complexes import af3_full_data, two_chain_ubiquitin

pytest.importorskip("nglview")


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return load_structure(example_file("AF-Q5VSL9-F1-model_v4.pdb"))


def test_plddt_colours_follow_the_bands(model) -> None:  # type: ignore[no-untyped-def]
    view = ProteinView(model, color_by="plddt", backend="py3dmol")
    plddt = model.plddt
    assert view.colors[int(np.argmax(plddt))] == PLDDT_COLORS["very high"]
    assert view.colors[int(np.argmin(plddt))] == PLDDT_COLORS["very low"]
    assert view.colors.count(PLDDT_COLORS["very low"]) == int((plddt < 50).sum())


def test_py3dmol_html_is_offline(model) -> None:  # type: ignore[no-untyped-def]
    html = ProteinView(model, backend="py3dmol").html()
    assert "data:text/javascript;base64," in html
    assert not re.search(r"https?://[^'\"]*3Dmol", html)
    assert "ATOM" in html  # the structure is inside the page


def test_nglview_picking_and_highlight(model) -> None:  # type: ignore[no-untyped-def]
    view = ProteinView(model, color_by="chain")
    events = []
    view.observe(lambda change: events.append(change["new"]), "selected")
    # nglview sets `picked` from the browser; the same message drives the view here.
    view._ngl.picked = {"atom1": {"resno": 42, "chainname": "A", "resname": "LEU"}}
    assert view.selected == [["A", 42, ""]] and events == [[["A", 42, ""]]]
    view.highlight([10, ("A", 20)])
    assert view.highlighted == [["A", 10, ""], ["A", 20, ""]]
    with pytest.raises(InputError, match="no residue numbered 9999"):
        view.highlight([9999])


def _ngl_residues(selection: str) -> list[tuple[str, int, str]]:
    """The residues an NGL selection of ``(a-b:C)``, ``(n:C)`` and ``(n^i:C)`` terms names."""
    out = []
    for term in selection.split(" or "):
        span, chain = term.strip("()").rsplit(":", 1)
        number, _, icode = span.partition("^")
        first, _, last = number[1:].partition("-")
        first_n = int(number[0] + first)
        for num in range(first_n, int(last or first_n) + 1):
            out.append((chain, num, icode))
    return out


def test_nglview_draws_a_value_gradient_in_a_few_representations(  # type: ignore[no-untyped-def]
    model, monkeypatch
) -> None:
    """A value per residue is drawn with one NGL representation per colour step (not one per
    residue), and together the representations' selections name every residue once."""
    import nglview

    from ai4s_lab.widgets.protein_view import GRADIENT_LEVELS

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        nglview.NGLWidget,
        "add_representation",
        lambda self, rep, **kw: calls.append({"rep": rep, **kw}),
    )
    n = len(model.residue_ids)
    view = ProteinView(model, color_by=np.arange(n, dtype=float))
    assert len(set(view.colors)) == GRADIENT_LEVELS <= n
    assert len(calls) == GRADIENT_LEVELS
    named = [key for call in calls for key in _ngl_residues(call["selection"])]
    assert sorted(named) == sorted(tuple(key) for key in model.residue_ids)
    assert len(named) == len(set(named))
    for call in calls:  # each representation has the colour of the residues it names
        residues = _ngl_residues(call["selection"])
        colours = {view.colors[model.residue_ids.index(key)] for key in residues}
        assert colours == {call["color"]}
    # a gradient's ends are pure blue and pure red, its middle white
    assert view.colors[0] == "#0000FF" and view.colors[-1] == "#FF0000"


def test_contact_map_click_highlights_both_residues(model) -> None:  # type: ignore[no-untyped-def]
    view = ProteinView(model, backend="py3dmol")
    cmap = ContactMapView(contact_map(model, device="cpu")[0], model, view)
    cmap.click(4, 99)
    assert cmap.clicked == [["A", 5, ""], ["A", 100, ""]]
    assert view.highlighted == cmap.clicked
    view.selected = [["A", 7, ""]]
    assert len(cmap.figure.layout.shapes) == 2  # crosshair on the map


def test_a_map_larger_than_the_cell_limit_shows_block_means(model, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Above MAX_CELLS_A_SIDE residues a cell is a block of residues holding the block's mean
    (here: the fraction of contacts); a click picks the middle residue of each block, and a
    residue picked in 3D marks its block."""
    from ai4s_lab.widgets import contact_map_view

    monkeypatch.setattr(contact_map_view, "MAX_CELLS_A_SIDE", 40)
    contacts = contact_map(model, device="cpu")[0].numpy().astype(float)
    n = len(contacts)
    view = ProteinView(model, backend="py3dmol")
    cmap = ContactMapView(contacts, model, view)
    block = cmap.block
    assert block == -(-n // 40) > 1
    shown = np.asarray(cmap.figure.data[0].z, dtype=float)
    assert shown.shape == (-(-n // block),) * 2
    for i, j in ((0, 0), (1, 2), (len(shown) - 1, 0), (len(shown) - 1, len(shown) - 1)):
        cell = contacts[i * block : (i + 1) * block, j * block : (j + 1) * block]
        assert shown[i, j] == pytest.approx(cell.mean(), rel=1e-6)
    assert "residue blocks" in cmap.figure.layout.title.text

    from types import SimpleNamespace

    cmap._on_click(None, SimpleNamespace(point_inds=[(1, 2)]), None)
    middle = block // 2
    assert cmap.clicked == [list(model.residue_ids[block + middle]),
                            list(model.residue_ids[2 * block + middle])]  # fmt: skip
    # plotly centres a cell on its x: each block's cell at the middle of its residue numbers
    numbers = [num for _, num, _ in model.residue_ids]
    middles = [(numbers[i] + numbers[min(i + block, n) - 1]) / 2 for i in range(0, n, block)]
    assert list(cmap.figure.data[0].x) == pytest.approx(middles)
    view.selected = [list(model.residue_ids[block + 1])]
    (x_line, _) = cmap.figure.layout.shapes
    assert x_line.x0 == numbers[block + 1]  # the residue picked, inside its block's cell


def test_pae_view_and_bad_arguments(model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    n = len(model.residue_ids)
    path = tmp_path / "pae.json"
    path.write_text('{"pae": ' + str(np.zeros((n, n)).tolist()) + ', "max_pae": 31.75}')
    pae_view = PAEView(load_pae(path), model)
    assert pae_view.figure.data[0].zmax == 31.75
    experimental = load_structure(example_file("pdb1ubi.pdb"))
    with pytest.raises(InputError, match="needs a predicted model"):
        ProteinView(experimental, color_by="plddt")
    with pytest.raises(InputError, match="style='ribbon'"):
        ProteinView(experimental, color_by="chain", style="ribbon")
    with pytest.raises(InputError, match="does not fit"):
        ContactMapView(np.zeros((3, 3)), experimental)


def test_default_colours_fit_the_structure(model) -> None:  # type: ignore[no-untyped-def]
    # confidence where a model has it; an experimental structure is no error by default
    assert ProteinView(model, backend="py3dmol").color_by == "plddt"
    monomer = load_structure(example_file("pdb1ubi.pdb"))
    single = ProteinView(monomer, backend="py3dmol")
    assert single.color_by == "ss"
    assert single.colors == ProteinView(monomer, color_by="ss", backend="py3dmol").colors
    dimer = ProteinView(two_chain_ubiquitin(), backend="py3dmol")
    assert dimer.color_by == "chain" and len(set(dimer.colors)) == 2


def test_contact_map_view_takes_a_one_model_batch() -> None:
    monomer = load_structure(example_file("pdb1ubi.pdb"))
    batch = contact_map(monomer, device="cpu")  # (1, 76, 76)
    view = ContactMapView(batch, monomer)
    assert np.array_equal(view.figure.data[0].z, ContactMapView(batch[0], monomer).figure.data[0].z)
    with pytest.raises(InputError, match=r"2 models.*contact_map\(structure\)\[0\]"):
        ContactMapView(np.zeros((2, 76, 76)), monomer)


def test_contact_map_of_a_complex_keeps_the_chains_apart() -> None:
    dimer = two_chain_ubiquitin()
    view = ProteinView(dimer, color_by="chain", backend="py3dmol")
    cmap = ContactMapView(contact_map(dimer, device="cpu")[0], dimer, view)
    heatmap = cmap.figure.data[0]
    # one axis value a residue: residue 5 of chain A and of chain B are two rows, not one
    assert len(set(heatmap.x)) == len(dimer.residue_ids) == 152
    assert heatmap.x[4] != heatmap.x[76]
    view.selected = [["B", 7, ""]]
    x_lines = [shape.x0 for shape in cmap.figure.layout.shapes if shape.yref == "paper"]
    assert x_lines == [heatmap.x[76 + 6]]  # residue 7 of chain B, not of chain A
    # one chain numbered upwards keeps its residue numbers on the axis
    monomer = load_structure(example_file("pdb1ubi.pdb"))
    single = ContactMapView(contact_map(monomer, device="cpu")[0], monomer)
    assert list(single.figure.data[0].x) == list(range(1, 77))


def test_highlight_by_a_number_shared_by_chains_is_refused() -> None:
    dimer = two_chain_ubiquitin()
    view = ProteinView(dimer, color_by="chain", backend="py3dmol")
    with pytest.raises(InputError, match=r"ambiguous.*chain"):
        view.highlight([10])
    view.highlight([("B", 10)])
    assert view.highlighted == [["B", 10, ""]]


def test_py3dmol_selects_residues_with_insertion_codes(model) -> None:  # type: ignore[no-untyped-def]
    lines = example_file("pdb1ubi.pdb").read_text().splitlines()
    edited = []
    for line in lines:  # residues 20 and 21 become 19A and 19B
        if line.startswith("ATOM") and line[22:26].strip() in ("20", "21"):
            icode = "A" if line[22:26].strip() == "20" else "B"
            line = line[:22] + "  19" + icode + line[27:]
        edited.append(line)
    structure = load_structure("\n".join(edited))
    view = ProteinView(structure, color_by="ss", backend="py3dmol")
    view.highlight([("A", 19, "A")])
    html = view.html()
    # 3Dmol.js compares `resi` with the residue number: "19A" would select no atom
    assert not re.search(r'"resi": "\d+[A-Za-z]"', html)
    assert '"resi": 19, "icode": "A"' in html  # the highlight
    # 19, 19A and 19B each get their own colour in 3Dmol.js
    _assert_py3dmol_colours(view, html)


def test_long_mmcif_chain_names_in_views() -> None:
    dimer = two_chain_ubiquitin(("AAA", "B-2"))
    assert dimer.chains == ["AAA", "B-2"]
    html = ProteinView(dimer, color_by="chain", backend="py3dmol").html()
    assert "ATOM" in html
    view = ProteinView(dimer, color_by="chain")
    view._ngl.picked = {"atom1": {"resno": 3, "chainname": "B", "resname": "ILE"}}
    assert view.selected == [["B-2", 3, ""]]  # the short PDB name maps back to the mmCIF one


# -- what 3Dmol.js and NGL are sent ---------------------------------------------------------------
def _js_calls(html: str, method: str) -> list[list[Any]]:
    """The JSON arguments of every ``viewer.<method>(...)`` call in py3Dmol's HTML."""
    decoder = json.JSONDecoder()
    calls = []
    for line in html.splitlines():
        found = re.search(rf"\.{method}\(", line)
        if not found:
            continue
        rest, args = line[found.end() :], []
        while True:
            value, end = decoder.raw_decode(rest)
            args.append(value)
            rest = rest[end:]
            if not rest.startswith(","):
                break
            rest = rest[1:]
        calls.append(args)
    return calls


def _sent_atoms(text: str, fmt: str) -> dict[str, np.ndarray]:
    """Chain, residue number, insertion code and 3Dmol.js serial of each atom of the text sent
    to a viewer, read by biotite (not by gemmi, which wrote it)."""
    if fmt == "pdb":
        from biotite.structure.io.pdb import PDBFile

        atoms = PDBFile.read(StringIO(text)).get_structure(model=1)
    else:
        from biotite.structure.io import pdbx

        with warnings.catch_warnings():  # no auth_atom_id: the label names are the same
            warnings.simplefilter("ignore", UserWarning)
            atoms = pdbx.get_structure(pdbx.CIFFile.read(StringIO(text)), model=1)
    return {
        "chain": atoms.chain_id,
        "resi": atoms.res_id,
        "icode": atoms.ins_code,
        # 3Dmol.js's mmCIF reader numbers atoms by their row of _atom_site
        "serial": np.arange(atoms.array_length()),
    }


def _selected(sent: dict[str, np.ndarray], selection: dict[str, Any], fmt: str) -> np.ndarray:
    """3Dmol.js's atom selection, as a mask over the sent atoms: every key must match; a list
    matches when any entry does; an ``"a-b"`` string matches the numbers a … b; its mmCIF
    reader keeps no insertion code."""
    mask = np.ones(len(sent["chain"]), dtype=bool)
    for key, wanted in selection.items():
        if key == "icode" and fmt != "pdb":
            return np.zeros_like(mask)
        # 3Dmol.js's PDB reader keeps a blank column as it is: " " (biotite reads "")
        blank = key == "icode" or (key == "chain" and fmt == "pdb")
        values = np.where(sent[key] == "", " ", sent[key]) if blank else sent[key]
        hit = np.zeros_like(mask)
        for option in wanted if isinstance(wanted, list) else [wanted]:
            bounds = re.match(r"(-?\d+)\s*-\s*(-?\d+)", option) if isinstance(option, str) else None
            if bounds and values.dtype.kind in "iu":
                hit |= (values >= int(bounds[1])) & (values <= int(bounds[2]))
            else:
                hit |= values == option
        mask &= hit
    return mask


def _assert_py3dmol_colours(view: ProteinView, html: str) -> None:
    """Every atom of every polymer residue of the sent text gets its residue's colour."""
    (text, fmt), *_ = _js_calls(html, "addModel")
    sent = _sent_atoms(text, fmt)
    colour: dict[int, str] = {}
    for selection, style in _js_calls(html, "setStyle"):
        (spec,) = style.values()
        scheme = spec["colorscheme"]
        for i in np.flatnonzero(_selected(sent, selection, fmt)).tolist():
            colour[i] = scheme["map"].get(str(sent[scheme["prop"]][i]), "default")
    expected = dict(zip(view.residue_ids, view.colors, strict=True))
    to_short = view._pdb_chain
    short_expected = {(to_short[c], n, i): col for (c, n, i), col in expected.items()}
    keys = zip(sent["chain"].tolist(), sent["resi"].tolist(), sent["icode"].tolist(), strict=True)
    seen = set()
    for i, key in enumerate(keys):
        if key in short_expected:
            seen.add(key)
            assert colour.get(i) == short_expected[key], key
    assert seen == set(short_expected)  # every residue is in the text


def _large_complex(n_chains: int = 140) -> object:
    """Copies of ubiquitin's backbone (1UBI) in ``n_chains`` chains named ``A0``, ``A1`` ...,
    numbered on from chain to chain (residue numbers beyond 9999)."""
    gemmi = pytest.importorskip("gemmi")
    source = gemmi.read_structure(str(example_file("pdb1ubi.pdb")))
    source.remove_ligands_and_waters()
    model = gemmi.Model(1)
    number = 0
    for k in range(n_chains):
        chain = gemmi.Chain(f"{chr(ord('A') + k // 10)}{k % 10}")
        for res in source[0][0]:
            number += 1
            residue = gemmi.Residue()
            residue.name, residue.seqid, residue.het_flag = res.name, gemmi.SeqId(number, " "), "A"
            for atom in res:
                if atom.name in ("N", "CA", "C", "O"):
                    copy = atom.clone()
                    copy.pos = gemmi.Position(
                        atom.pos.x + 50.0 * (k % 12), atom.pos.y + 50.0 * (k // 12), atom.pos.z
                    )
                    residue.add_atom(copy)
            chain.add_residue(residue)
        model.add_chain(chain)
    st = gemmi.Structure()
    st.add_model(model)
    st.setup_entities()
    return load_structure(st.make_mmcif_document().as_string())


def test_views_of_a_structure_beyond_the_pdb_format_get_every_residue() -> None:
    pytest.importorskip("biotite")
    big = _large_complex()
    assert len(big.chains) == 140 and len(big.residue_ids) == 10_640
    assert max(num for _, num, _ in big.residue_ids) > 9999  # hybrid-36 in PDB text
    view = ProteinView(big, color_by="chain", backend="py3dmol")
    assert view.text_format == "cif"
    html = view.html()
    _assert_py3dmol_colours(view, html)  # 140 chains, 10,640 residues, each its colour
    ngl = ProteinView(big, color_by="ss")
    (load,) = [m for m in ngl._ngl._ngl_msg_archive if m.get("methodName") == "loadFile"]
    assert load["kwargs"]["ext"] == "cif"
    sent = _sent_atoms(load["args"][0]["data"], "cif")
    columns = (sent["chain"].tolist(), sent["resi"].tolist(), sent["icode"].tolist())
    assert set(zip(*columns, strict=True)) == set(big.residue_ids)
    assert len(sent["chain"]) == big.n_atoms
    ngl._ngl.picked = {"atom1": {"resno": 10_640, "chainname": "N9", "resname": "GLY"}}
    assert ngl.selected == [["N9", 10_640, ""]]


def test_insertion_codes_beyond_the_pdb_format_keep_their_colours() -> None:
    pytest.importorskip("biotite")
    gemmi = pytest.importorskip("gemmi")
    st = gemmi.read_structure(str(example_file("pdb1ubi.pdb")))
    st.remove_ligands_and_waters()
    for residue in st[0][0]:  # numbers beyond 9999; residues 20 and 21 become 10019A, 10019B
        num = residue.seqid.num
        icode = {20: "A", 21: "B"}.get(num, " ")
        residue.seqid = gemmi.SeqId(10_019 if icode != " " else 10_000 + num, icode)
    st.setup_entities()
    structure = load_structure(st.make_mmcif_document().as_string())
    assert ("A", 10_019, "A") in structure.residue_ids
    view = ProteinView(structure, color_by=np.arange(76.0), backend="py3dmol")
    assert view.text_format == "cif"
    _assert_py3dmol_colours(view, view.html())


def test_a_view_of_a_model_that_does_not_exist_is_refused() -> None:
    ensemble = load_structure(example_file("1l2y.pdb"))
    for backend in ("py3dmol", "nglview"):
        with pytest.raises(InputError, match=r"model=38 is out of range.*38 model"):
            ProteinView(ensemble, color_by="chain", backend=backend, model=38)
    last = ProteinView(ensemble, color_by="chain", backend="py3dmol", model=-1)
    assert last.model == 37


def test_the_first_nglview_view_prints_no_third_party_warning() -> None:
    """nglview's pkg_resources deprecation warning was printed under the first view of every
    notebook and report (a fresh process: nglview is imported once)."""
    import subprocess
    import sys

    code = (
        "import warnings; warnings.simplefilter('error', UserWarning)\n"
        "from ai4s_lab.protein import example_file, load_structure\n"
        "from ai4s_lab.widgets import ProteinView\n"
        "ProteinView(load_structure(example_file('AF-Q5VSL9-F1-model_v4.pdb')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "pkg_resources" not in done.stderr


def test_pae_view_of_an_alphafold3_prediction_with_a_ligand(tmp_path) -> None:  # type: ignore[no-untyped-def]
    structure = load_structure(example_file("pdb1ubi.pdb"))
    path = tmp_path / "fold_full_data_0.json"
    rows = af3_full_data(path, structure.residue_ids)
    pae = load_pae(path)
    view = PAEView(pae, structure)
    np.testing.assert_allclose(view.figure.data[0].z, pae.matrix[np.ix_(rows, rows)], rtol=1e-6)


# -- blank chain IDs, nucleic acids, a part of a predicted model -----------------------------------
def test_py3dmol_colours_a_structure_with_a_blank_chain_id(shared_data: Path) -> None:
    """md_1u19 (an MD topology) has no chain IDs: 3Dmol.js reads its chain as " ", which a
    selection of chain "" would not match (a blank view)."""
    structure = load_structure(shared_data / "protein" / "md_1u19.pdb")
    assert structure.chains == [""]
    view = ProteinView(structure, color_by="chain", backend="py3dmol")
    view.highlight([10])
    html = view.html()
    selections = [selection for selection, _ in _js_calls(html, "setStyle")]
    assert selections and all(selection["chain"] == " " for selection in selections)
    assert [args[0] for args in _js_calls(html, "addStyle")] == [{"chain": " ", "resi": 10}]
    _assert_py3dmol_colours(view, html)  # every residue, read back by biotite, is coloured


def test_a_nucleic_acid_alone_is_refused_not_drawn_blank() -> None:
    atoms = ["P", "OP1", "OP2", "O5'", "C5'", "C4'", "O4'", "C3'", "O3'", "C2'", "C1'"]
    lines = [
        f"ATOM  {k * 11 + i + 1:5d}  {name:<3s} {res:>3s} A{k + 1:4d}    "
        f"{i * 1.5:8.3f}{k * 6.0:8.3f}{0.0:8.3f}  1.00 20.00           {name[0]}"
        for k, res in enumerate(["DA", "DC", "DG"])
        for i, name in enumerate(atoms)
    ]
    dna = load_structure("\n".join(lines) + "\nEND\n")
    assert dna.n_atoms == 33 and dna.residue_ids == []
    with pytest.raises(InputError, match=r"no amino-acid residues.*DA, DC, DG.*nucleic acid"):
        ProteinView(dna, backend="py3dmol")


def test_pae_view_of_a_part_of_a_predicted_model(model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    n = len(model.residue_ids)
    matrix = np.add.outer(np.arange(n) * 1000.0, np.arange(n)) / 100.0
    np.save(tmp_path / "pae.npy", matrix)
    pae = load_pae(tmp_path / "pae.npy")
    part = model.select(residues=range(1, 101))
    with pytest.raises(InputError, match=r"pae\.match\(model\)"):
        PAEView(pae, part)
    view = PAEView(pae.match(model), part)
    np.testing.assert_allclose(view.figure.data[0].z, matrix[:100, :100], rtol=1e-6)
