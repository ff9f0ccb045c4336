"""Writes notebooks/protein_explorer.ipynb from the cells below (so the notebook diffs stay readable).

Run: python tools/build_protein_explorer.py
"""

import sys
from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _notebook import write_notebook

cells = [
    new_markdown_cell(
        "# Protein explorer\n\n"
        "Load an experimental structure or a predicted model, see it in 3D coloured by confidence, "
        "read its contact map, compare structures by superposition and follow a trajectory.\n\n"
        "**pLDDT** (0–100) is AlphaFold's per-residue estimate of local accuracy, stored in the "
        "B-factor column; below 50 a region is usually disordered. A **contact** is a pair of "
        "residues whose Cβ atoms lie within 8 Å. After an optimal rigid superposition "
        "(Kabsch 1976, doi:10.1107/S0567739476001873) the **RMSD** measures the average deviation "
        "in Å; the **TM-score** (Zhang & Skolnick 2004, doi:10.1002/prot.20264) weighs each "
        "residue by 1/(1+(d/d0)²) with a scale d0 = 1.24 (L − 15)^(1/3) − 1.8 Å that grows with "
        "the length L of the reference, so that scores of proteins of different sizes compare: "
        "1 is a perfect match, random pairs score about 0.17 and above 0.5 the two usually share "
        "a fold (Xu & Zhang 2010, doi:10.1093/bioinformatics/btq066); "
        "**GDT-TS** (Zemla 2003, doi:10.1093/nar/gkg571) averages the fractions of residues "
        "within 1, 2, 4 and 8 Å.\n\n"
        "Default data (shipped in `ai4s_lab/protein/data/`): the AlphaFold DB model of human "
        "STRIP1 (Q5VSL9; CC-BY-4.0, Jumper 2021, Varadi 2022) and the 38-model NMR ensemble of "
        "the Trp-cage miniprotein 1L2Y (with its models as an XTC trajectory)."
    ),
    new_code_cell(
        "# Parameters (papermill and `ai4s-lab run -p NAME VALUE` override these)\n"
        'structure_path = ""  # PDB/mmCIF(.gz) file; empty: the shipped AlphaFold model of STRIP1\n'
        'reference_path = ""  # optional structure to superpose onto\n'
        'alignment = ""  # how residues pair with the reference: "" by residue number, "sequence" by aligning sequences\n'
        'pae_path = ""  # optional AlphaFold PAE JSON of the structure\n'
        'trajectory_topology = ""  # multi-model PDB or topology; empty: the shipped 1L2Y ensemble\n'
        'trajectory_path = ""  # DCD/XTC file; its topology is trajectory_topology, else structure_path\n'
        'chains = ""  # chains to keep, e.g. "A" or "A,B"; empty: all of them\n'
        "color_by = \"\"  # '' picks pLDDT for a predicted model, else chain or ss; or 'plddt', 'chain', 'ss', 'bfactor'\n"
        "contact_cutoff = 8.0  # Å, Cβ–Cβ\n"
        "device = \"auto\"  # 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'",
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "from pathlib import Path\n\n"
        "import plotly.graph_objects as go\n\n"
        "import ai4s_lab\n"
        "from ai4s_lab import protein\n"
        "from ai4s_lab.widgets import ContactMapView, PAEView, ProteinView\n\n"
        "# check the parameters before any work: one actionable line per mistake\n"
        "if trajectory_path and not trajectory_topology:  # a DCD/XTC file needs its topology\n"
        "    if not structure_path:\n"
        "        raise ValueError(\n"
        '            f"trajectory_path={trajectory_path!r} has no topology: set trajectory_topology "\n'
        '            "(or structure_path) to the PDB/GRO file with the same atoms"\n'
        "        )\n"
        "    trajectory_topology = structure_path\n"
        '    print(f"trajectory topology: structure_path {structure_path}")\n'
        'if alignment not in ("", "sequence"):\n'
        '    raise ValueError(f"alignment={alignment!r}: use \\"\\" (by residue number) or \\"sequence\\"")\n'
        "# Scores computed on the shipped 1L2Y example while you gave your own structure are\n"
        "# recorded with the prefix 'example_', so that they are never mistaken for yours.\n"
        'example_prefix = "example_" if structure_path and not trajectory_topology else ""\n\n'
        "dev = ai4s_lab.resolve_device(device)\n"
        'structure = protein.load_structure(structure_path or protein.example_file("AF-Q5VSL9-F1-model_v4.pdb"))\n'
        "if chains:\n"
        '    structure = structure.select([c.strip() for c in chains.split(",")])\n'
        "table = protein.residue_table(structure)\n"
        "print(structure)\n"
        'ai4s_lab.record("n_residues", len(table))\n'
        "if structure.plddt is not None:\n"
        '    ai4s_lab.record("mean_plddt", float(structure.plddt.mean()))\n'
        "    print(table.confidence.value_counts().to_string())\n"
        "table.head()"
    ),
    new_markdown_cell(
        "## The structure in 3D\n\n"
        "The light py3Dmol view below is what the HTML report shows (3Dmol.js is inlined from the "
        "package, so it works offline). In JupyterLab the interactive nglview view further down "
        "lets you click residues: they arrive in Python as `view.selected`."
    ),
    new_code_cell(
        'colour = (color_by or None) if (color_by != "plddt" or structure.predicted) else "bfactor"\n'
        'ProteinView(structure, color_by=colour, backend="py3dmol")'
    ),
    new_markdown_cell(
        "## Contact map, linked to the 3D view\n\n"
        "Click a cell of the map: both residues are highlighted in the 3D view "
        "(`contacts_view.clicked`, `view.highlighted`). Residues picked in 3D are marked on the map."
    ),
    new_code_cell(
        'contacts = protein.contact_map(structure, cutoff=contact_cutoff, atoms="CB", device=dev)[0].cpu()\n'
        "n_contacts = int((contacts.sum() - contacts.shape[0]) // 2)\n"
        'ai4s_lab.record("n_contacts", n_contacts)\n'
        'print(f"{n_contacts} residue pairs within {contact_cutoff} Å (Cβ)")\n'
        "view = ProteinView(structure, color_by=colour)\n"
        "contacts_view = ContactMapView(contacts, structure, view)\n"
        "import ipywidgets\n"
        "ipywidgets.HBox([view, contacts_view])"
    ),
    new_code_cell(
        "if pae_path:\n"
        "    pae = protein.load_pae(pae_path)\n"
        "    display(PAEView(pae, structure, view))\n"
        "else:\n"
        '    print("no PAE file given (pae_path): skipping the PAE view")'
    ),
    new_markdown_cell(
        "## Superposition and scores\n\n"
        "With `reference_path` the structure is superposed onto the reference, residues paired "
        'by their numbers, or by a global sequence alignment with `alignment="sequence"` (a '
        "model numbered from 1 against a PDB entry, a homologue, an MD topology). Without one, we "
        "compare the frames of your trajectory (`trajectory_topology`), else the models of the "
        "shipped 1L2Y NMR ensemble, with the first one: the spread of an NMR ensemble shows how "
        "well the data define each region. The cell prints which data the scores come from, and "
        "scores of the shipped example next to a structure of your own are recorded as "
        "`example_...`."
    ),
    new_code_cell(
        "import pandas as pd\n\n"
        "if trajectory_topology:  # your ensemble or trajectory\n"
        "    ensemble = protein.load_trajectory(trajectory_topology, trajectory_path or None)\n"
        '    ensemble_source = f"your trajectory {Path(trajectory_path or trajectory_topology).name}"\n'
        "else:\n"
        '    ensemble = protein.load_trajectory(protein.example_file("1l2y.pdb"))\n'
        '    ensemble_source = "the shipped 1L2Y NMR ensemble"\n'
        "    if structure_path:\n"
        '        ensemble_source += " (example data, not your structure)"\n'
        "if reference_path:\n"
        "    mobile, reference = structure, protein.load_structure(reference_path)\n"
        '    source, prefix = f"the structure onto {Path(reference_path).name}", ""\n'
        "else:\n"
        "    mobile, reference = ensemble, ensemble.with_coords(ensemble.coords[:1])\n"
        '    source, prefix = f"{ensemble_source}, each model onto the first", example_prefix\n'
        "pairs = alignment or None\n"
        'fit = protein.superpose(mobile, reference, selection="CA", alignment=pairs, device=dev)\n'
        "scores = pd.DataFrame({\n"
        '    "rmsd_A": fit.rmsd.cpu().numpy(),\n'
        '    "tm_score": protein.tm_score(mobile, reference, alignment=pairs, device=dev).cpu().numpy(),\n'
        '    "gdt_ts": protein.gdt_ts(mobile, reference, alignment=pairs, device=dev).cpu().numpy(),\n'
        "})\n"
        'print(f"scores of {source}")\n'
        'ai4s_lab.record("superposition_source", source)\n'
        'ai4s_lab.record(f"{prefix}superposition_scores", scores)\n'
        'ai4s_lab.record(f"{prefix}median_tm_score", float(scores.tm_score.median()))\n'
        'scores.describe().loc[["mean", "min", "max"]]'
    ),
    new_markdown_cell(
        "## A trajectory over time\n\n"
        "Your trajectory (`trajectory_topology`, with `trajectory_path` if given), else the "
        "shipped 1L2Y models: "
        "Cα RMSD to the first frame (after superposition) and radius of gyration of every frame."
    ),
    new_code_cell(
        "if trajectory_topology:  # the ensemble or trajectory loaded above\n"
        "    trajectory = ensemble\n"
        "else:  # the shipped 1L2Y models, read from their XTC file\n"
        '    trajectory = protein.load_trajectory(protein.example_file("1l2y.pdb"), protein.example_file("1l2y.xtc"))\n'
        "frames = protein.trajectory_table(trajectory, device=dev)\n"
        'print(f"{len(frames)} frames of {ensemble_source}")\n'
        'ai4s_lab.record("trajectory_source", ensemble_source)\n'
        'ai4s_lab.record(f"{example_prefix}max_rmsd_A", float(frames.rmsd.max()))\n'
        "fig = go.Figure()\n"
        'fig.add_trace(go.Scatter(x=frames.frame, y=frames.rmsd, mode="lines+markers", name="Cα RMSD (Å)"))\n'
        'fig.add_trace(go.Scatter(x=frames.frame, y=frames.rg, mode="lines", name="Rg (Å)", yaxis="y2"))\n'
        'fig.update_layout(height=360, width=700, title="RMSD to frame 0 and radius of gyration",\n'
        '                  xaxis_title="frame", yaxis_title="RMSD (Å)",\n'
        '                  yaxis2=dict(title="Rg (Å)", overlaying="y", side="right"))\n'
        "fig.show()"
    ),
]

write_notebook(cells, "protein_explorer.ipynb")
