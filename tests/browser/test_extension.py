"""The AI4S Lab JupyterLab extension in headless Chromium: structure renderers, the launcher
cards, the Runs panel, and its server endpoints' access rules."""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_notebook
from tests.lab_helpers import LabServer, canvas_colours, goto_lab, lattice_pdb, open_in_lab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWER = ".ai4s-StructureViewer"
READY = f"{VIEWER}[data-atoms], {VIEWER}.ai4s-mod-error"


def _count_atoms(path: Path) -> int:
    import gemmi

    return int(gemmi.read_structure(str(path))[0].count_atom_sites())


def _sdf_and_xyz(folder: Path) -> tuple[Path, Path, int]:
    from rdkit import Chem
    from rdkit.Chem import AllChem

    mol = Chem.AddHs(Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O"))  # aspirin
    AllChem.EmbedMolecule(mol, randomSeed=7)
    sdf = folder / "aspirin.sdf"
    writer = Chem.SDWriter(str(sdf))
    writer.write(mol)
    writer.close()
    xyz = folder / "aspirin.xyz"
    xyz.write_text(Chem.MolToXYZBlock(mol))
    return sdf, xyz, mol.GetNumAtoms()


def _mol2(mol: Any, path: Path) -> Path:
    """A Tripos MOL2 file of an RDKit molecule with a conformer (SYBYL atom types)."""
    from rdkit import Chem

    def sybyl(atom: Any) -> str:
        symbol = atom.GetSymbol()
        if atom.GetIsAromatic():
            return f"{symbol}.ar"
        hybrid = {Chem.HybridizationType.SP: "1", Chem.HybridizationType.SP2: "2",
                  Chem.HybridizationType.SP3: "3"}.get(atom.GetHybridization())  # fmt: skip
        return f"{symbol}.{hybrid}" if hybrid and symbol in "CNOS" else symbol

    xyz = mol.GetConformer().GetPositions()
    lines = ["@<TRIPOS>MOLECULE", "aspirin", f"{mol.GetNumAtoms()} {mol.GetNumBonds()} 0 0 0",
             "SMALL", "NO_CHARGES", "", "@<TRIPOS>ATOM"]  # fmt: skip
    for atom, (x, y, z) in zip(mol.GetAtoms(), xyz, strict=True):
        i = atom.GetIdx() + 1
        lines.append(f"{i:>7d} {atom.GetSymbol()}{i:<4d} {x:10.4f} {y:10.4f} {z:10.4f} "
                     f"{sybyl(atom):<6s} 1 LIG 0.0000")  # fmt: skip
    lines.append("@<TRIPOS>BOND")
    for n, bond in enumerate(mol.GetBonds(), start=1):
        order = "ar" if bond.GetIsAromatic() else str(int(bond.GetBondTypeAsDouble()))
        begin, end = bond.GetBeginAtomIdx() + 1, bond.GetEndAtomIdx() + 1
        lines.append(f"{n:>6d} {begin:>5d} {end:>5d} {order}")
    path.write_text("\n".join(lines) + "\n")
    return path


# One JupyterLab page per test, each file opened in turn (a page load costs ~4 s).
def test_structure_files_open_in_3d(
    jupyter_lab: LabServer, lab_page: Any, shared_data: Path, tmp_path: Path, artifacts_dir: Path
) -> None:
    """Real PDB files (an X-ray entry, a large complex, an AlphaFold model, an NMR ensemble of
    38 models with hydrogens) and mmCIF written by gemmi from two of them (.cif and .mmcif) show
    every atom of their first model, drawn, and say how many models the file holds."""
    import gemmi

    names = ("pdb1ubi.pdb", "5h73.pdb", "AF-Q5VSL9-F1-model_v4.pdb", "1l2y.pdb")
    pdbs = [shared_data / "protein" / name for name in names]
    cases = [(pdb, pdb) for pdb in pdbs]
    for pdb, suffix in ((pdbs[0], ".cif"), (pdbs[0], ".mmcif"), (pdbs[3], ".cif")):
        structure = gemmi.read_structure(str(pdb))
        structure.setup_entities()
        cif = tmp_path / f"{pdb.stem}{suffix}"
        structure.make_mmcif_document().write_file(str(cif))
        cases.append((cif, pdb))
    goto_lab(lab_page, jupyter_lab)
    for path, same_atoms_as in cases:
        open_in_lab(lab_page, jupyter_lab.add(path), READY)
        viewer = lab_page.query_selector(VIEWER)
        assert viewer.get_attribute("data-atoms") == str(_count_atoms(same_atoms_as)), path.name
        models = len(gemmi.read_structure(str(same_atoms_as)))
        assert viewer.get_attribute("data-models") == str(models), path.name
        status = lab_page.inner_text(f"{VIEWER} .ai4s-StructureViewer-status")
        assert (f"model 1 of {models}" in status) == (models > 1), status
        lab_page.wait_for_timeout(500)
        colours = canvas_colours(lab_page, f"{VIEWER} canvas")
        assert colours > 20, f"{path.name}: {colours} colours, a blank box"
        lab_page.screenshot(path=str(artifacts_dir / f"renderer_{path.name.replace('.', '_')}.png"))
    assert lab_page.errors == []


def _without_atom_site_column(source: Path, target: Path, column: str) -> Path:
    """``source`` mmCIF rewritten with its ``_atom_site`` loop lacking ``column``."""
    import gemmi

    table = gemmi.cif.read(str(source)).sole_block().find_mmcif_category("_atom_site.")
    tags = list(table.tags)
    keep = [i for i, tag in enumerate(tags) if tag != column]
    rows = [" ".join(row[i] for i in keep) for row in table]
    header = "".join(f"{tags[i]}\n" for i in keep)
    target.write_text("data_x\n#\nloop_\n" + header + "\n".join(rows) + "\n#\n")
    return target


def test_structures_a_cartoon_cannot_show_are_still_drawn(
    jupyter_lab: LabServer, lab_page: Any, shared_data: Path, tmp_path: Path
) -> None:
    """Three valid files drew an empty panel while saying "683 atoms": a Cα-only trace (no
    backbone for a cartoon), an mmCIF without the optional auth_seq_id (3Dmol.js kept the
    residue numbers as text), and one whose polymer has no label_seq_id either ("."). Atom
    counts come from gemmi."""
    import gemmi

    ubiquitin = gemmi.read_structure(str(shared_data / "protein" / "pdb1ubi.pdb"))
    ubiquitin.remove_ligands_and_waters()
    trace = ubiquitin.clone()
    for residue in trace[0][0]:
        for i in reversed(range(len(residue))):
            if residue[i].name != "CA":
                del residue[i]
    ca_only = tmp_path / "ca_only.pdb"
    trace.write_pdb(str(ca_only))
    numbered = ubiquitin.clone()
    numbered.setup_entities()
    numbered.assign_label_seq_id()
    full = tmp_path / "labelled.cif"
    numbered.make_mmcif_document().write_file(str(full))
    unnumbered = tmp_path / "unnumbered.cif"
    ubiquitin.make_mmcif_document().write_file(str(unnumbered))  # label_seq_id "."
    cases = [
        ca_only,
        _without_atom_site_column(full, tmp_path / "label_seq_only.cif", "_atom_site.auth_seq_id"),
        _without_atom_site_column(unnumbered, tmp_path / "no_seq.cif", "_atom_site.auth_seq_id"),
    ]
    goto_lab(lab_page, jupyter_lab)
    for path in cases:
        open_in_lab(lab_page, jupyter_lab.add(path), READY)
        viewer = lab_page.query_selector(VIEWER)
        assert viewer.get_attribute("data-atoms") == str(_count_atoms(path)), path.name
        lab_page.wait_for_timeout(500)
        colours = canvas_colours(lab_page, f"{VIEWER} canvas")
        assert colours > 20, f"{path.name}: {colours} colours, a blank box"
    assert lab_page.errors == []


def test_small_molecule_formats_open(
    jupyter_lab: LabServer, lab_page: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    from rdkit import Chem
    from rdkit.Chem import AllChem

    sdf, xyz, atoms = _sdf_and_xyz(tmp_path)
    mol2 = _mol2(Chem.MolFromMolFile(str(sdf), removeHs=False), tmp_path / "aspirin.mol2")
    goto_lab(lab_page, jupyter_lab)
    library = tmp_path / "two.sdf"  # aspirin, then caffeine: the first molecule is shown
    caffeine = Chem.AddHs(Chem.MolFromSmiles("Cn1cnc2c1c(=O)n(C)c(=O)n2C"))
    AllChem.EmbedMolecule(caffeine, randomSeed=7)
    library.write_text(sdf.read_text() + Chem.MolToMolBlock(caffeine) + "$$$$\n")
    for path in (sdf, xyz, mol2, library):
        open_in_lab(lab_page, jupyter_lab.add(path), READY)
        assert lab_page.query_selector(VIEWER).get_attribute("data-atoms") == str(atoms), path
        status = lab_page.inner_text(f"{VIEWER} .ai4s-StructureViewer-status")
        assert ("molecule 1 of 2" in status) == (path == library), status
        lab_page.wait_for_timeout(300)
        assert canvas_colours(lab_page, f"{VIEWER} canvas") > 20, path.name
        lab_page.screenshot(path=str(artifacts_dir / f"renderer_{path.suffix[1:]}.png"))
    assert lab_page.errors == []


def _three_model_ensemble(shared_data: Path, folder: Path) -> tuple[list[Path], list[int]]:
    """Models 1-3 of the 1L2Y NMR ensemble, model 2 cut to ten residues (so which model is shown
    can be told from its atom count), as PDB and mmCIF; the atom counts are gemmi's."""
    import gemmi

    structure = gemmi.read_structure(str(shared_data / "protein" / "1l2y.pdb"))
    del structure[3:]
    del structure[1][0][10:]
    structure.setup_entities()
    pdb, cif = folder / "ensemble.pdb", folder / "ensemble.cif"
    structure.write_pdb(str(pdb))
    structure.make_mmcif_document().write_file(str(cif))
    counts = [model.count_atom_sites() for model in gemmi.read_structure(str(pdb))]
    assert counts == [model.count_atom_sites() for model in gemmi.read_structure(str(cif))]
    return [pdb, cif], counts


def _two_molecule_files(folder: Path) -> tuple[list[Path], list[int]]:
    """Aspirin then caffeine (RDKit conformers) as one SDF, one MOL2 and a two-frame XYZ."""
    from rdkit import Chem
    from rdkit.Chem import AllChem

    mols = [Chem.AddHs(Chem.MolFromSmiles(s)) for s in ("CC(=O)Oc1ccccc1C(=O)O",
                                                         "Cn1cnc2c1c(=O)n(C)c(=O)n2C")]  # fmt: skip
    for mol in mols:
        AllChem.EmbedMolecule(mol, randomSeed=7)
    sdf, mol2, xyz = folder / "two.sdf", folder / "two.mol2", folder / "two.xyz"
    sdf.write_text("".join(Chem.MolToMolBlock(mol) + "$$$$\n" for mol in mols))
    mol2.write_text("".join(_mol2(mol, folder / f"m{i}.mol2").read_text()
                            for i, mol in enumerate(mols)))  # fmt: skip
    xyz.write_text("".join(Chem.MolToXYZBlock(mol) for mol in mols))
    return [sdf, mol2, xyz], [mol.GetNumAtoms() for mol in mols]


def test_multi_model_files_step_and_play(
    jupyter_lab: LabServer, lab_page: Any, shared_data: Path, tmp_path: Path, artifacts_dir: Path
) -> None:
    """A file of several models (an NMR ensemble as PDB and mmCIF, two molecules as SDF, MOL2
    and a two-frame XYZ) gets a stepper: next, previous (both wrap around), the slider and play
    show each model in turn, every atom of it (counts from gemmi and RDKit)."""
    ensemble, ensemble_atoms = _three_model_ensemble(shared_data, tmp_path)
    molecules, molecule_atoms = _two_molecule_files(tmp_path)
    cases = [(path, ensemble_atoms) for path in ensemble]
    cases += [(path, molecule_atoms) for path in molecules]
    stepper = f"{VIEWER} .ai4s-StructureViewer-stepper"
    goto_lab(lab_page, jupyter_lab)

    def shown(model: int, atoms: int) -> None:
        lab_page.wait_for_selector(f'{VIEWER}[data-model="{model}"][data-atoms="{atoms}"]',
                                   timeout=10_000)  # fmt: skip

    for path, atoms in cases:
        open_in_lab(lab_page, jupyter_lab.add(path), READY)
        viewer = lab_page.query_selector(VIEWER)
        assert viewer.get_attribute("data-models") == str(len(atoms)), path.name
        shown(1, atoms[0])
        lab_page.click(f"{stepper} .ai4s-StructureViewer-next")
        shown(2, atoms[1])
        unit = {"pdb": "model", "cif": "model", "xyz": "frame"}.get(path.suffix[1:], "molecule")
        status = lab_page.inner_text(f"{VIEWER} .ai4s-StructureViewer-summary")
        assert f"{unit} 2 of {len(atoms)}" in status, status
        assert canvas_colours(lab_page, f"{VIEWER} canvas") > 20, f"{path.name}: blank model 2"
        lab_page.screenshot(path=str(artifacts_dir / f"stepper_{path.name.replace('.', '_')}.png"))
        lab_page.fill(f"{stepper} input[type=range]", str(len(atoms)))
        shown(len(atoms), atoms[-1])
        lab_page.click(f"{stepper} .ai4s-StructureViewer-next")
        shown(1, atoms[0])
        lab_page.click(f"{stepper} .ai4s-StructureViewer-previous")
        shown(len(atoms), atoms[-1])

    # Play steps on by itself; pause stops it where it is.
    open_in_lab(lab_page, jupyter_lab.add(shared_data / "protein" / "1l2y.pdb"), READY)
    lab_page.wait_for_timeout(300)
    first = _canvas_png(lab_page)
    lab_page.click(f"{stepper} .ai4s-StructureViewer-play")
    lab_page.wait_for_function(
        f"() => Number(document.querySelector('{VIEWER}').dataset.model) >= 3", timeout=10_000
    )
    lab_page.click(f"{stepper} .ai4s-StructureViewer-play")
    paused_at = lab_page.query_selector(VIEWER).get_attribute("data-model")
    lab_page.wait_for_timeout(800)
    assert lab_page.query_selector(VIEWER).get_attribute("data-model") == paused_at
    assert _canvas_png(lab_page) != first, "another NMR model drew the same picture"
    assert lab_page.errors == []


def _canvas_png(page: Any) -> bytes:
    return page.query_selector(f"{VIEWER} canvas").screenshot()


def test_viewer_draws_again_on_rotation_resize_and_reload(
    jupyter_lab: LabServer, lab_page: Any, shared_data: Path
) -> None:
    """The viewer draws a file once, when its scene is complete; after that every change is
    drawn: a mouse drag rotates the molecule, a smaller window redraws the canvas at its new
    size, and a file changed on disk and reloaded shows the new structure."""
    relpath = jupyter_lab.add(shared_data / "protein" / "pdb1ubi.pdb", "reloaded.pdb")
    goto_lab(lab_page, jupyter_lab)
    open_in_lab(lab_page, relpath, READY)
    lab_page.wait_for_timeout(300)
    drawn = _canvas_png(lab_page)

    box = lab_page.query_selector(f"{VIEWER} canvas").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    lab_page.mouse.move(x, y)
    lab_page.mouse.down()
    lab_page.mouse.move(x + 120, y + 40, steps=8)
    lab_page.mouse.up()
    lab_page.wait_for_timeout(300)
    rotated = _canvas_png(lab_page)
    assert rotated != drawn, "a drag did not rotate the view"

    lab_page.set_viewport_size({"width": 900, "height": 700})
    lab_page.wait_for_timeout(500)
    smaller = lab_page.query_selector(f"{VIEWER} canvas").bounding_box()
    assert smaller["width"] < box["width"]
    assert canvas_colours(lab_page, f"{VIEWER} canvas") > 20, "blank after a resize"

    served = jupyter_lab.root / relpath
    served.write_text((shared_data / "protein" / "5h73.pdb").read_text())
    lab_page.evaluate("() => window.jupyterapp.commands.execute('docmanager:reload')")
    atoms = str(_count_atoms(shared_data / "protein" / "5h73.pdb"))
    lab_page.wait_for_selector(f'{VIEWER}[data-atoms="{atoms}"]', timeout=30_000)
    lab_page.wait_for_timeout(300)
    assert canvas_colours(lab_page, f"{VIEWER} canvas") > 20, "blank after a reload"
    assert lab_page.errors == []


MALFORMED = [
    ("broken.pdb", "HEADER    NOT REALLY\nREMARK nothing here\n", "no ATOM or HETATM records"),
    ("shifted.pdb", "ATOM      1  N   MET A   1      abc    def    ghi\n", "line 1: no x, y, z"),
    ("garbage.pdb", "\x00\x01\x02\x03binary\x04\x05" * 50, "binary data"),
    ("empty.xyz", "", "the file is empty"),
    ("bad.xyz", "three\ncomment\nC 0 0 0\n", "line 1: the first line must be the number"),
    ("bad.sdf", "not a molecule\n", "no V2000/V3000 counts line"),
    ("bad.cif", "data_x\n_cell.length_a 1\n", "no _atom_site loop"),
]


def test_malformed_files_show_an_error(
    jupyter_lab: LabServer, lab_page: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    """Each malformed file gets the viewer's error, naming what is wrong, and no page error."""
    goto_lab(lab_page, jupyter_lab)
    for name, content, message in MALFORMED:
        path = tmp_path / name
        path.write_text(content, encoding="latin-1")
        open_in_lab(lab_page, jupyter_lab.add(path), READY)
        error = lab_page.inner_text(f"{VIEWER} .ai4s-StructureViewer-error")
        assert message in error and error.startswith("Cannot show this"), (name, error)
        if name == "broken.pdb":
            lab_page.screenshot(path=str(artifacts_dir / "renderer_error.png"))
    assert lab_page.errors == []


def test_fifty_thousand_atoms_open(
    jupyter_lab: LabServer, lab_page: Any, shared_data: Path, tmp_path: Path, artifacts_dir: Path
) -> None:
    """A 50,000-atom file opens, every atom drawn. How fast is measured in
    ``bench/extension_bench.py`` (issue 8's 5 s target), not here: a timed test on a shared
    machine fails on load, not on the code."""
    text, atoms_written = lattice_pdb(shared_data / "protein" / "5h73.pdb", 50_000)
    big = tmp_path / "big.pdb"
    big.write_text(text)
    relpath = jupyter_lab.add(big)
    goto_lab(lab_page, jupyter_lab)
    start = time.perf_counter()
    lab_page.evaluate(
        f"window.jupyterapp.commands.execute('docmanager:open', {{path: '{relpath}'}})"
    )
    lab_page.wait_for_selector(READY, timeout=60_000)
    elapsed = time.perf_counter() - start
    viewer = lab_page.query_selector(VIEWER)
    assert "ai4s-mod-error" not in (viewer.get_attribute("class") or "")
    atoms = int(viewer.get_attribute("data-atoms"))
    assert atoms == atoms_written >= 50_000
    assert canvas_colours(lab_page, f"{VIEWER} canvas") > 20, "the 50k-atom canvas is blank"
    lab_page.screenshot(path=str(artifacts_dir / "renderer_50k_atoms.png"))
    timings = json.loads(viewer.get_attribute("data-timings") or "{}")
    (artifacts_dir / "renderer_50k_atoms.json").write_text(
        json.dumps({"atoms": atoms, "open_seconds": elapsed, "viewer_timings_ms": timings})
    )


def test_launcher_card_copies_and_opens_a_lab_notebook(
    jupyter_lab: LabServer, lab_page: Any, artifacts_dir: Path
) -> None:
    goto_lab(lab_page, jupyter_lab)
    lab_page.evaluate("window.jupyterapp.commands.execute('launcher:create')")
    section = lab_page.locator(".jp-Launcher-section", has_text="AI4S Lab")
    card = section.locator(".jp-LauncherCard", has_text="AI4S Lab tour")
    card.first.wait_for(timeout=30_000)
    lab_page.screenshot(path=str(artifacts_dir / "launcher.png"))
    card.first.click()
    lab_page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget; "
        "return !!w && !!w.context && /^00_tour(-\\d+)?\\.ipynb$/.test(w.context.path); }",
        timeout=60_000,
    )
    path = lab_page.evaluate("window.jupyterapp.shell.currentWidget.context.path")
    assert (jupyter_lab.root / path).is_file()
    copied = json.loads((jupyter_lab.root / path).read_text())
    assert copied["cells"][0]["source"][0].startswith("# AI4S Lab tour")


def test_runs_panel_lists_the_catalog(
    jupyter_lab: LabServer, lab_page: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    from ai4s_lab.pipelines import RunCatalog, Sweep

    notebook = make_notebook(
        jupyter_lab.root / "panel" / "tiny.ipynb",
        ["import ai4s_lab\nai4s_lab.record('double', 2 * x)", "assert x != 3"],
        parameters="x = 1",
    )
    Sweep(notebook, [{"x": 1}, {"x": 2}, {"x": 3}], output_dir=jupyter_lab.root / "panel" /
          "sweep", workers=1, progress=False).run()  # fmt: skip
    rows = RunCatalog(jupyter_lab.root / "panel" / "sweep").runs()
    goto_lab(lab_page, jupyter_lab)
    lab_page.evaluate("window.jupyterapp.commands.execute('filebrowser:go-to-path', "
                      "{path: '/panel'})")  # fmt: skip
    lab_page.evaluate("window.jupyterapp.commands.execute('ai4s-lab:show-runs')")
    table = lab_page.locator("#ai4s-lab-runs table.ai4s-RunsPanel-table")
    table.wait_for(timeout=30_000)
    statuses = lab_page.eval_on_selector_all(
        "#ai4s-lab-runs tbody tr", "rows => rows.map(r => r.dataset.status)"
    )
    assert sorted(statuses) == sorted(r["status"] for r in rows) == [
        "failed", "succeeded", "succeeded"
    ]  # fmt: skip
    links = lab_page.eval_on_selector_all("#ai4s-lab-runs tbody a", "a => a.map(x => x.href)")
    assert len(links) == 3 and all(link.endswith("tiny.html") for link in links)
    lab_page.screenshot(path=str(artifacts_dir / "runs_panel.png"))


def test_endpoints_need_the_token_and_stay_inside_the_root(
    jupyter_lab: LabServer, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    link = jupyter_lab.root / "escape"
    if not link.exists():
        os.symlink(outside, link)

    def runs(path: str, token: bool = True) -> int:
        query = urllib.parse.urlencode({"path": path})
        return jupyter_lab.api(f"ai4s-lab/runs?{query}", token=token)[0]

    assert runs("", token=False) == 403
    assert jupyter_lab.api("ai4s-lab/templates", token=False)[0] == 403
    assert runs("") == 200
    for bad in ("../", "..", "a/../../b", "/etc", str(outside), "escape", "escape/sub"):
        assert runs(bad) == 403, bad
    status, body = jupyter_lab.api("ai4s-lab/templates")
    names = [t["name"] for t in json.loads(body)["templates"]]
    assert status == 200 and "00_tour.ipynb" in names


def test_endpoints_never_read_or_write_through_links_out_of_the_root(
    jupyter_lab: LabServer, tmp_path: Path
) -> None:
    """A run.json that is a symlink to a file outside the root was listed with its contents,
    and a template copied onto a dangling symlink created the file outside the root."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "run.json").write_text('{"parameters": {"SECRET": "hunter2"}}')
    runs = jupyter_lab.root / "links" / "runs"
    (runs / "leak").mkdir(parents=True)
    os.symlink(outside / "run.json", runs / "leak" / "run.json")
    status, body = jupyter_lab.api("ai4s-lab/runs?path=links/runs")
    assert status == 200 and b"hunter2" not in body and json.loads(body)["runs"] == []

    target = jupyter_lab.root / "links" / "templates"
    target.mkdir()
    os.symlink(outside / "planted.ipynb", target / "00_tour.ipynb")
    copy = {"name": "00_tour.ipynb", "dir": "links/templates"}
    status, body = jupyter_lab.api("ai4s-lab/templates", method="POST", body=copy)
    assert status == 201, body
    assert not (outside / "planted.ipynb").exists()
    assert json.loads(body)["path"] == "links/templates/00_tour-1.ipynb"
    assert json.loads((target / "00_tour-1.ipynb").read_text())["cells"]


def test_a_damaged_run_json_is_listed_as_unreadable_and_hides_no_other_run(
    jupyter_lab: LabServer,
) -> None:
    folder = jupyter_lab.root / "damaged"
    for name, text in [("bad", "{not json"), ("list", "[1, 2]"),
                       ("null", '{"status": "failed", "parameters": null, "recorded": null}'),
                       ("ok", '{"status": "succeeded", "parameters": {"n": 1}}')]:  # fmt: skip
        (folder / name).mkdir(parents=True)
        (folder / name / "run.json").write_text(text)
    status, body = jupyter_lab.api("ai4s-lab/runs?path=damaged")
    assert status == 200, body
    runs = {run["run_id"]: run for run in json.loads(body)["runs"]}
    assert runs["ok"]["status"] == "succeeded" and runs["ok"]["parameters"] == {"n": 1}
    assert runs["null"]["parameters"] == {} == runs["null"]["recorded"]  # the panel maps them
    for name in ("bad", "list"):
        assert runs[name]["status"] == "unreadable"
        assert "run.json" in runs[name]["error"]["evalue"]


def test_folder_names_with_a_tilde_or_colon_are_ordinary_names(jupyter_lab: LabServer) -> None:
    for name in ("~backup", "a:b"):
        (jupyter_lab.root / name).mkdir(exist_ok=True)
        query = urllib.parse.urlencode({"path": name})
        assert jupyter_lab.api(f"ai4s-lab/runs?{query}")[0] == 200, name
