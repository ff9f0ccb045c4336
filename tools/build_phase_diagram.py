"""Writes notebooks/phase_diagram.ipynb from the cells below (so the notebook diffs stay readable).

Run: python tools/build_phase_diagram.py
"""

import sys
from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _notebook import write_notebook

cells = [
    new_markdown_cell(
        "# Phase diagrams from computed formation energies\n\n"
        "Which compounds of a chemical system are thermodynamically stable at 0 K? Given computed "
        "energies (the shipped examples are DFT energies from the Alexandria database; the code "
        "cell below prints which file was read), every compound is a point "
        "(composition, formation energy per atom). The stable ones are the vertices of the "
        "**lower convex hull** of these points; any other compound lowers its energy by separating "
        "into the hull phases under it, and its height above the hull, $E_\\mathrm{hull}$, "
        "measures how unstable it is (Ong et al., *Chem. Mater.* 2008, doi:10.1021/cm702327g). "
        "Compounds a few tens of meV/atom above the hull are often still made in the lab "
        "(metastable), so we list those too.\n\n"
        "The default system is **Li–P–S**, where the solid electrolyte Li$_3$PS$_4$ lives. The "
        "hull comes from Qhull (scipy), and every number here is checked against pymatgen in the "
        "test suite."
    ),
    new_code_cell(
        "# Parameters (papermill and `ai4s-lab run -p NAME VALUE` override these)\n"
        "entries_file = \"Li-P-S\"  # a shipped example ('Li-P-S', 'Li-Co-O', 'Li-Fe-O') or a CSV/JSON path\n"
        'elements = ""  # e.g. "Li-P-S"; empty: every element in the file\n'
        "zero_references = True  # energies are formation energies (elements at 0 eV/atom)\n"
        "e_above_hull_threshold = 0.05  # eV/atom: 'metastable' below this\n"
        "map_step = 0.025  # composition step of the ternary maps\n"
        'device = "auto"  # where the surrogate model trains',
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "from pathlib import Path\n\n"
        "import plotly.graph_objects as go\n\n"
        "import ai4s_lab\n"
        "from ai4s_lab.materials import (FormationEnergyGP, PhaseDiagram, composition_map,\n"
        "                                example_entries, load_entries)\n"
        "from ai4s_lab.materials.examples import EXAMPLE_FILES\n"
        "from ai4s_lab.widgets.composition_map_view import composition_map_figure\n"
        "from ai4s_lab.widgets.phase_diagram_view import phase_diagram_figure\n\n"
        "path = example_entries(entries_file) if entries_file in EXAMPLE_FILES else Path(entries_file)\n"
        "loaded = load_entries(path)\n"
        'chosen = [el.strip() for el in elements.split("-")] if elements else None\n'
        "pd = PhaseDiagram(loaded, elements=chosen, zero_references=zero_references)\n"
        'origin = ("shipped example, DFT (PBE) energies from the Alexandria database"\n'
        '          if entries_file in EXAMPLE_FILES else "your file")\n'
        'print(f"{len(loaded)} entries read from {path.name}, {origin} ({len(loaded.rejected)} rejected)")\n'
        "print(pd)\n"
        'ai4s_lab.record("n_entries", len(pd.entries))\n'
        'ai4s_lab.record("n_stable", len(pd.stable_entries))\n'
        'ai4s_lab.record("stable_formulas", sorted(e.name for e in pd.stable_entries))'
    ),
    new_markdown_cell(
        "## The hull\n\n"
        "Black points are stable; coloured points are unstable entries, coloured by their energy "
        "above the hull (shown up to 0.3 eV/atom). Grey lines are tie lines: pairs of phases that "
        "coexist in equilibrium. Each triangle of tie lines is a three-phase region."
    ),
    new_code_cell("fig = phase_diagram_figure(pd, max_e_above_hull=0.3)\nfig.show()"),
    new_markdown_cell(
        "## Stable and nearly stable compounds\n\n"
        "For each stable compound, the *equilibrium reaction energy* says how far below the hull "
        "of its neighbours it sits (more negative: more robustly stable). For unstable ones, the "
        "reaction shows what they decompose into."
    ),
    new_code_cell(
        "table = pd.to_frame()\n"
        "stable = table[table.is_stable].copy()\n"
        "stable['equilibrium_reaction_energy'] = [\n"
        "    pd.equilibrium_reaction_energy(e) for e in pd.entries if pd.is_stable(e)]\n"
        'stable = stable.sort_values("formation_energy_per_atom")\n'
        'ai4s_lab.record("stable_compounds", stable[["formula", "entry_id", "formation_energy_per_atom",\n'
        '                                            "equilibrium_reaction_energy"]])\n'
        'stable[["formula", "entry_id", "formation_energy_per_atom", "equilibrium_reaction_energy"]]'
    ),
    new_code_cell(
        "near = table[~table.is_stable & (table.e_above_hull <= e_above_hull_threshold)].copy()\n"
        'near = near.sort_values("e_above_hull").drop_duplicates("formula")\n'
        'near["decomposes_to"] = [pd.reaction(pd.entries[i]) for i in near.index]\n'
        'ai4s_lab.record("n_metastable", int(len(near)))\n'
        "polymorphs = int(near.formula.isin(stable.formula).sum())\n"
        'print(f"{len(near)} metastable formulas within {e_above_hull_threshold} eV/atom of the hull "\n'
        '      f"({polymorphs} of them higher-energy polymorphs of a stable compound)")\n'
        'near[["formula", "entry_id", "e_above_hull", "decomposes_to"]].head(15)'
    ),
    new_markdown_cell(
        "## Mapping the triangle\n\n"
        "The hull energy is defined at every composition, not just where we have compounds. "
        "Next to it we train a small Gaussian-process surrogate (torch) on the lowest formation "
        "energy of each composition; its standard deviation says where the data are too thin to "
        "trust it. Outlined points are where two criteria both hold: the surrogate is confident "
        "(std < 0.1 eV/atom) *and* it predicts a formation energy within "
        "`e_above_hull_threshold` of the hull: candidate regions for new compounds."
    ),
    new_code_cell(
        "if len(pd.elements) == 3:\n"
        "    gp = FormationEnergyGP(device=device).fit(pd)\n"
        "    hull_map = composition_map(list(pd.elements), pd, map_step)\n"
        '    model_map = composition_map(list(pd.elements), gp, map_step, name="predicted")\n'
        '    maps = hull_map.assign(predicted=model_map["predicted"], predicted_std=model_map["predicted_std"])\n'
        '    maps["gap"] = maps["predicted"] - maps["hull_energy"]\n'
        '    ai4s_lab.record("surrogate", gp.hyperparameters)\n'
        '    composition_map_figure(maps, "hull_energy", title="Hull formation energy (eV/atom)").show()\n'
        "    composition_map_figure(\n"
        '        maps, "predicted_std", colorscale="Magma",\n'
        '        criteria={"confident": "predicted_std < 0.1",\n'
        '                  "near hull": f"gap < {e_above_hull_threshold}"},\n'
        '        title="Surrogate uncertainty (eV/atom); outlined: confident and near the hull",\n'
        "    ).show()\n"
        "else:\n"
        '    print("composition maps are drawn for ternary systems")'
    ),
    new_markdown_cell(
        "## Explore interactively\n\n"
        "In JupyterLab, the view below shows the formula, id and energies on hover; a click on an "
        "entry shows its decomposition reaction in the side panel, and `view.selected` holds it "
        "in Python."
    ),
    new_code_cell(
        "from ai4s_lab.widgets import PhaseDiagramView\n\n"
        "view = PhaseDiagramView(pd, max_e_above_hull=0.3)\n"
        "view.widget"
    ),
]

write_notebook(cells, "phase_diagram.ipynb")
