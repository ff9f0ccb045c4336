// The structure viewer: 3Dmol.js (bundled, never from a CDN) in a Lumino widget. Files are
// checked before they reach 3Dmol, which accepts almost anything silently: a malformed file gets
// an error message naming the problem instead of a blank panel.
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import * as $3Dmol from '3dmol';

export type StructureFormat = 'pdb' | 'cif' | 'xyz' | 'sdf' | 'mol2';

export const MIME_TYPES: Record<StructureFormat, string> = {
  pdb: 'chemical/x-pdb',
  cif: 'chemical/x-mmcif',
  xyz: 'chemical/x-xyz',
  sdf: 'chemical/x-mdl-sdfile',
  mol2: 'chemical/x-mol2'
};

export class StructureError extends Error {}

/** Above this many atoms a protein is drawn as a trace instead of a cartoon. */
const LARGE = 20000;

/** Check a file's text for its format; returns the number of atom records it declares. */
export function checkStructure(text: string, format: StructureFormat): number {
  if (text.trim().length === 0) {
    throw new StructureError('the file is empty');
  }
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text.slice(0, 4096))) {
    throw new StructureError('the file holds binary data, not text');
  }
  const lines = text.split(/\r?\n/);
  switch (format) {
    case 'pdb': {
      let atoms = 0;
      lines.forEach((line, i) => {
        if (line.startsWith('ATOM  ') || line.startsWith('HETATM')) {
          const x = parseFloat(line.slice(30, 38));
          const y = parseFloat(line.slice(38, 46));
          const z = parseFloat(line.slice(46, 54));
          if ([x, y, z].some(v => Number.isNaN(v))) {
            throw new StructureError(
              `line ${i + 1}: no x, y, z coordinates in columns 31-54 of this atom record`
            );
          }
          atoms += 1;
        }
      });
      if (atoms === 0) {
        throw new StructureError('no ATOM or HETATM records: is it a PDB file?');
      }
      return atoms;
    }
    case 'cif': {
      if (!/^_atom_site\./m.test(text)) {
        throw new StructureError('no _atom_site loop: is it an mmCIF file?');
      }
      return lines.filter(l => /^(ATOM|HETATM)\s/.test(l)).length;
    }
    case 'xyz': {
      const count = parseInt(lines[0].trim(), 10);
      if (!Number.isInteger(count) || count <= 0) {
        throw new StructureError('line 1: the first line must be the number of atoms');
      }
      for (let i = 2; i < 2 + count; i++) {
        const fields = (lines[i] || '').trim().split(/\s+/);
        if (fields.length < 4 || fields.slice(1, 4).some(v => Number.isNaN(parseFloat(v)))) {
          throw new StructureError(`line ${i + 1}: expected "element x y z"`);
        }
      }
      return count;
    }
    case 'sdf': {
      const counts = lines.findIndex(l => /V[23]000\s*$/.test(l));
      if (counts < 0) {
        throw new StructureError('no V2000/V3000 counts line: is it an SDF/MOL file?');
      }
      const atoms = parseInt(lines[counts].slice(0, 3), 10);
      if (Number.isNaN(atoms)) {
        throw new StructureError(`line ${counts + 1}: the atom count is not a number`);
      }
      return atoms;
    }
    case 'mol2': {
      const start = lines.findIndex(l => l.trim().toUpperCase() === '@<TRIPOS>ATOM');
      if (start < 0) {
        throw new StructureError('no @<TRIPOS>ATOM section: is it a MOL2 file?');
      }
      let atoms = 0;
      for (let i = start + 1; i < lines.length && !lines[i].startsWith('@'); i++) {
        if (lines[i].trim()) {
          atoms += 1;
        }
      }
      return atoms;
    }
  }
}

/** A CIF value: a quoted string (quotes end only before white space) or a bare word. */
const CIF_TOKEN = /'(?:[^']|'(?!\s))*'(?=\s|$)|"(?:[^"]|"(?!\s))*"(?=\s|$)|\S+/g;

/**
 * The first model of a structure file, and how many models it holds. 3Dmol.js reads the first
 * model of a PDB file, but draws every model of an mmCIF file on top of each other (an NMR
 * ensemble of 38 models becomes one tangle): mmCIF text keeps only the first model's atom rows.
 * An mmCIF file whose atom rows cannot be read one per line is left as it is.
 */
export function firstModel(text: string, format: StructureFormat): { text: string; models: number } {
  if (format === 'pdb') {
    const models = text.match(/^MODEL /gm)?.length ?? 0;
    return { text, models: Math.max(models, 1) };
  }
  if (format === 'sdf' || format === 'mol2') {
    // 3Dmol.js reads the first molecule of a multi-molecule file
    const separator = format === 'sdf' ? /^\$\$\$\$\s*$/gm : /^@<TRIPOS>MOLECULE\s*$/gm;
    const molecules = text.match(separator)?.length ?? 0;
    return { text, models: Math.max(molecules, 1) };
  }
  if (format !== 'cif') {
    return { text, models: 1 };
  }
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex(line => line.startsWith('_atom_site.'));
  if (start < 0) {
    return { text, models: 1 };
  }
  let end = start;
  while (end < lines.length && lines[end].startsWith('_atom_site.')) {
    end++;
  }
  const columns = end - start;
  const column = lines
    .slice(start, end)
    .findIndex(line => line.trim() === '_atom_site.pdbx_PDB_model_num');
  if (column < 0) {
    return { text, models: 1 };
  }
  const models = new Set<string>();
  let first: string | null = null;
  const keep: boolean[] = [];
  let row = end;
  for (; row < lines.length; row++) {
    const line = lines[row];
    if (/^(_|loop_|#|data_)/.test(line)) {
      break;
    }
    const values = line.match(CIF_TOKEN);
    if (values === null) {
      keep.push(true);
      continue;
    }
    if (values.length !== columns) {
      return { text, models: 1 }; // a row over several lines: leave the file to 3Dmol.js
    }
    const model = values[column];
    models.add(model);
    first = first ?? model;
    keep.push(model === first);
  }
  if (models.size <= 1) {
    return { text, models: 1 };
  }
  const rows = lines.slice(end, row).filter((_, i) => keep[i]);
  return {
    text: [...lines.slice(0, end), ...rows, ...lines.slice(row)].join('\n'),
    models: models.size
  };
}

/**
 * Stop a 3Dmol.js viewer from drawing until `releaseDrawing`. Most viewer calls (clear, zoomTo,
 * resize) draw the whole scene, and one draw of a large structure takes a good part of a second
 * with a software GL: a file is drawn once, when its scene is complete.
 */
function holdDrawing(viewer: any): void {
  viewer.show = () => undefined; // shadows GLViewer.show, which every draw goes through
}

function releaseDrawing(viewer: any): void {
  delete viewer.show;
}

export class StructureViewer extends Widget implements IRenderMime.IRenderer {
  constructor(
    private readonly format: StructureFormat,
    private readonly mimeType: string
  ) {
    super();
    this.addClass('ai4s-StructureViewer');
    this._canvasHost = document.createElement('div');
    this._canvasHost.className = 'ai4s-StructureViewer-canvas';
    this._status = document.createElement('div');
    this._status.className = 'ai4s-StructureViewer-status';
    this._status.textContent = 'loading…';
    this.node.appendChild(this._canvasHost);
    this.node.appendChild(this._status);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this.mimeType];
    const text = typeof data === 'string' ? data : JSON.stringify(data ?? '');
    const started = performance.now();
    try {
      const declared = checkStructure(text, this.format);
      const tCheck = performance.now();
      const viewer = this.ensureViewer();
      holdDrawing(viewer);
      if (this._hasModel) {
        viewer.clear();
      }
      const t0 = performance.now();
      const { text: shown, models } = firstModel(text, this.format);
      // Every atom of the file, hydrogens too (3Dmol.js drops them from PDB files only).
      const parsed = viewer.addModel(shown, this.format, { keepH: true });
      this._hasModel = true;
      const t1 = performance.now();
      const atoms = parsed.selectedAtoms({});
      if (atoms.length === 0) {
        throw new StructureError(`3Dmol.js found no atoms (the file declares ${declared})`);
      }
      const polymer = atoms.some((a: any) => a.atom === 'CA' && !a.hetflag);
      if (polymer && atoms.length > LARGE) {
        // Cartoons of tens of thousands of atoms take many seconds to build (and to draw with a
        // software GL): lines show every atom at a fraction of the cost.
        viewer.setStyle({}, { line: { colorscheme: 'chain' } });
      } else if (polymer) {
        viewer.setStyle({ hetflag: false }, { cartoon: { color: 'spectrum' } });
        viewer.setStyle({ hetflag: true }, { stick: { radius: 0.2 } });
        viewer.setStyle({ resn: ['HOH', 'WAT'] }, {});
      } else {
        viewer.setStyle({}, { stick: { radius: 0.15 }, sphere: { scale: 0.25 } });
      }
      const t2 = performance.now();
      viewer.zoomTo();
      releaseDrawing(viewer);
      viewer.render(); // builds the scene and draws it, once
      const t3 = performance.now();
      this.node.dataset.timings = JSON.stringify({
        check: tCheck - started, viewer: t0 - tCheck, viewerCreatedEarly: this._createdEarly, parse: t1 - t0, style: t2 - t1, render: t3 - t2,
        attachedAt: this._attachedAt, earlyViewer: this._earlyViewerMs, startedAt: started
      });
      const chains = new Set(atoms.map((a: any) => a.chain)).size;
      const unit = this.format === 'sdf' || this.format === 'mol2' ? 'molecule' : 'model';
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      this._status.textContent =
        `${atoms.length} atoms` +
        (polymer ? `, ${chains} chain${chains === 1 ? '' : 's'}` : '') +
        (models > 1 ? ` · ${unit} 1 of ${models}` : '') +
        ` · ${this.format.toUpperCase()} · rendered in ${seconds} s`;
      this.node.dataset.atoms = String(atoms.length);
      this.node.dataset.models = String(models);
      this.node.dataset.renderSeconds = seconds;
      this.removeClass('ai4s-mod-error');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.showError(message);
    } finally {
      if (this._viewer !== null) {
        releaseDrawing(this._viewer);
      }
    }
  }

  protected onAfterAttach(): void {
    // Creating the WebGL viewer takes seconds with a software GL: start it while the file is
    // still being fetched, not after.
    this._attachedAt = performance.now();
    window.setTimeout(() => {
      if (!this.hasClass('ai4s-mod-error') && this._viewer === null) {
        const t = performance.now();
        this.ensureViewer();
        this._earlyViewerMs = performance.now() - t;
        this._createdEarly = true;
      }
    }, 0);
  }

  private ensureViewer(): any {
    if (this._viewer === null) {
      // 3Dmol.js follows the canvas host's size itself (a ResizeObserver) and draws on each
      // change; until the first structure is there, those draws would only show a blank scene.
      this._viewer = $3Dmol.createViewer(this._canvasHost, { backgroundColor: 'white' });
      holdDrawing(this._viewer);
    }
    return this._viewer;
  }

  private showError(message: string): void {
    this.addClass('ai4s-mod-error');
    this._canvasHost.replaceChildren();
    this._viewer = null;
    this._hasModel = false;
    const box = document.createElement('div');
    box.className = 'ai4s-StructureViewer-error';
    box.textContent = `Cannot show this ${this.format.toUpperCase()} file: ${message}`;
    this._canvasHost.appendChild(box);
    this._status.textContent = 'error';
  }

  private _viewer: any = null;
  private _hasModel = false;
  private _createdEarly = false;
  private _attachedAt = 0;
  private _earlyViewerMs = 0;
  private _canvasHost: HTMLDivElement;
  private _status: HTMLDivElement;
}
