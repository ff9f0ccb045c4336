"""``ConformerView``: a 3D conformer of a molecule (RDKit ETKDGv3 + MMFF94) drawn by py3Dmol.

The view computes nothing itself: the conformer comes from
:func:`ai4s_lab.molecules.conformers.embed_conformer`; 3Dmol.js is inlined from the package (the
same vendored file and data: URL as :class:`~ai4s_lab.widgets.ProteinView`), never loaded from a
CDN, so the view works offline and in exported HTML. ``view.follow(grid)`` shows the conformer of
the molecule last selected in a :class:`~ai4s_lab.widgets.MoleculeGridView` ("a 3D conformer on
click").

References
----------
ETKDG: Riniker & Landrum 2015, doi:10.1021/acs.jcim.5b00654. MMFF94: Halgren 1996,
doi:10.1002/(SICI)1096-987X(199604)17:5/6<490::AID-JCC1>3.0.CO;2-P.
"""

from __future__ import annotations

from typing import Any

import ipywidgets

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import InputError

__all__ = ["ConformerView"]

_STYLES = ("stick", "sphere", "line", "ballstick")


class ConformerView(ipywidgets.Output):
    """A py3Dmol view of one MMFF94-minimised ETKDG conformer; :meth:`show` swaps the molecule.

    Parameters
    ----------
    mol_or_smiles
        An RDKit molecule or a SMILES string (``None``: an empty view, e.g. to :meth:`follow` a
        grid).
    seed
        Random seed of the ETKDG embedding (same seed, same coordinates).
    style
        ``"stick"``, ``"ballstick"``, ``"sphere"`` or ``"line"``.
    hydrogens
        Draw the explicit hydrogens of the conformer.
    width, height
        Size of the view in pixels.

    Attributes
    ----------
    mol
        The molecule shown, with explicit hydrogens and one conformer (Å), or ``None``.
    energy
        Its MMFF94 energy in kcal/mol (``None`` where MMFF lacks parameters).
    """

    def __init__(
        self,
        mol_or_smiles: Any = None,
        *,
        seed: int = 0,
        style: str = "stick",
        hydrogens: bool = True,
        width: int = 420,
        height: int = 320,
        **kwargs: Any,
    ) -> None:
        if style not in _STYLES:
            raise InputError(f"style={style!r} is not a style; use one of {_STYLES}")
        super().__init__(**kwargs)
        self.seed = int(seed)
        self.style = style
        self.hydrogens = bool(hydrogens)
        self._size = (int(width), int(height))
        self.mol: Any = None
        self.energy: float | None = None
        self._followed: list[tuple[Any, Any]] = []
        if mol_or_smiles is not None:
            self.show(mol_or_smiles)

    # -- content -----------------------------------------------------------------------------
    def show(self, mol_or_smiles: Any) -> ConformerView:
        """Embed and minimise a molecule and show it (replacing what was shown).

        Raises
        ------
        InputError
            If the SMILES is invalid or RDKit cannot embed the molecule.
        """
        from ai4s_lab.molecules.conformers import embed_conformer

        mol, energy = embed_conformer(mol_or_smiles, seed=self.seed)
        self.mol, self.energy = mol, energy
        self._render()
        return self

    @property
    def molblock(self) -> str:
        """The conformer as an MDL molfile (what the browser draws)."""
        if self.mol is None:
            raise InputError("the view shows no molecule yet; call show(mol) first")
        from ai4s_lab.molecules._rdkit import chem

        mol = self.mol if self.hydrogens else chem().RemoveHs(self.mol)
        return str(chem().MolToMolBlock(mol))

    def py3dmol_view(self) -> Any:
        """The py3Dmol view (3Dmol.js inlined from the package, not from a CDN)."""
        # the protein view owns the vendored 3Dmol.js and its data: URL; reuse it, don't copy it
        from ai4s_lab.widgets.protein_view import _three_dmol_url

        py3dmol = import_optional("py3Dmol")
        view = py3dmol.view(width=self._size[0], height=self._size[1], js=_three_dmol_url())
        view.addModel(self.molblock, "mol")
        styles: dict[str, dict[str, Any]] = {
            "stick": {"stick": {"radius": 0.15}},
            "ballstick": {"stick": {"radius": 0.12}, "sphere": {"scale": 0.25}},
            "sphere": {"sphere": {}},
            "line": {"line": {}},
        }
        view.setStyle({}, styles[self.style])
        view.zoomTo()
        return view

    def html(self) -> str:
        """Self-contained HTML of the view (3Dmol.js inlined: works offline)."""
        return str(self.py3dmol_view()._make_html())

    def _caption(self) -> str:
        from ai4s_lab.molecules._rdkit import chem

        smiles = chem().MolToSmiles(chem().RemoveHs(self.mol))
        energy = "n/a (no MMFF94 parameters)" if self.energy is None else f"{self.energy:.2f}"
        return f"{smiles} — ETKDGv3 + MMFF94, E = {energy} kcal/mol, seed {self.seed}"

    def _render(self) -> None:
        from IPython.display import HTML

        self.outputs = ()
        self.append_display_data(HTML(f"<div>{self._caption()}</div>{self.html()}"))

    # -- links -------------------------------------------------------------------------------
    def follow(self, grid: Any) -> ConformerView:
        """Show the conformer of the molecule last selected in a ``MoleculeGridView``.

        Clicking a card in the grid selects it; the view then embeds that molecule (a fraction of
        a second for drug-sized molecules). Returns the view, so ``ConformerView().follow(grid)``
        can end a cell.
        """
        if not hasattr(grid, "mols") or not hasattr(grid, "selected_rows"):
            raise InputError(f"follow() needs a MoleculeGridView, got {type(grid).__name__}")

        def on_select(change: dict[str, Any]) -> None:
            added = [r for r in change["new"] if r not in (change.get("old") or [])]
            rows = added or list(change["new"])
            if rows:
                self.show(grid.mols[rows[-1]])

        grid.observe(on_select, "selected_rows")
        self._followed.append((grid, on_select))
        if grid.selected_rows:
            self.show(grid.mols[grid.selected_rows[-1]])
        return self

    def unfollow(self) -> None:
        """Stop following every grid."""
        for grid, handler in self._followed:
            grid.unobserve(handler, "selected_rows")
        self._followed.clear()

    def state(self) -> dict[str, Any]:
        """A JSON-ready summary (for tests and manifests)."""
        if self.mol is None:
            return {"molecule": None}
        heavy = sum(1 for atom in self.mol.GetAtoms() if atom.GetAtomicNum() > 1)
        return {
            "molecule": self._caption().split(" — ")[0],
            "atoms": self.mol.GetNumAtoms(),
            "heavy_atoms": heavy,
            "energy_kcal_mol": self.energy,
            "seed": self.seed,
            "style": self.style,
        }
