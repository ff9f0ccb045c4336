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

/**
 * Residue numbers as numbers. 3Dmol.js reads an mmCIF residue number from
 * `_atom_site.auth_seq_id` and, where that optional column is missing, keeps the mandatory
 * `label_seq_id` as text, on which no cartoon is built (a blank panel).
 */
function numberResidues(atoms: any[]): void {
  for (const atom of atoms) {
    if (typeof atom.resi === 'string') {
      const number = parseInt(atom.resi, 10);
      atom.resi = Number.isNaN(number) ? 0 : number; // "." for a ligand: no polymer number
    }
  }
}

/** A CIF value: a quoted string (quotes end only before white space) or a bare word. */
const CIF_TOKEN = /'(?:[^']|'(?!\s))*'(?=\s|$)|"(?:[^"]|"(?!\s))*"(?=\s|$)|\S+/g;

/** The models (or molecules, or frames) of a structure file, each as text 3Dmol.js reads. */
export interface ModelList {
  count: number;
  model(index: number): string;
}

const ONE = (text: string): ModelList => ({ count: 1, model: () => text });

/** Lines `[start, end)` of each block, with what comes before the first and after the last. */
function blocks(lines: string[], starts: number[], ends: number[], keepTail: boolean): ModelList {
  const head = lines.slice(0, starts[0]);
  const tail = keepTail ? lines.slice(ends[ends.length - 1]) : [];
  return {
    count: starts.length,
    model: (i: number) => [...head, ...lines.slice(starts[i], ends[i]), ...tail].join('\n')
  };
}

/**
 * Split a structure file into its models: the MODEL blocks of a PDB file, the
 * `pdbx_PDB_model_num` groups of an mmCIF file, the records of an SDF or MOL2 file, the frames
 * of a multi-frame XYZ file. 3Dmol.js reads only the first model of most of these and draws every
 * model of an mmCIF file on top of each other (an NMR ensemble of 38 models becomes one tangle),
 * so the viewer gives it one model at a time. A file it cannot split is one model.
 */
export function splitModels(text: string, format: StructureFormat): ModelList {
  const lines = text.split(/\r?\n/);
  switch (format) {
    case 'pdb': {
      const starts: number[] = [];
      const ends: number[] = [];
      lines.forEach((line, i) => {
        if (line.startsWith('MODEL ') || line === 'MODEL') {
          starts.push(i);
        } else if (line.startsWith('ENDMDL') && ends.length < starts.length) {
          ends.push(i + 1);
        }
      });
      if (starts.length < 2 || ends.length !== starts.length) {
        return ONE(text);
      }
      return blocks(lines, starts, ends, true); // keeps CONECT and END after the last model
    }
    case 'sdf':
    case 'mol2': {
      const starts: number[] = [];
      const ends: number[] = [];
      if (format === 'sdf') {
        let begin = 0;
        lines.forEach((line, i) => {
          if (/^\$\$\$\$\s*$/.test(line)) {
            starts.push(begin);
            ends.push(i + 1);
            begin = i + 1;
          }
        });
        if (lines.slice(begin).some(line => line.trim())) {
          starts.push(begin); // a last record without its $$$$
          ends.push(lines.length);
        }
      } else {
        lines.forEach((line, i) => {
          if (line.trim().toUpperCase() === '@<TRIPOS>MOLECULE') {
            ends.push(i);
            starts.push(i);
          }
        });
        ends.shift();
        ends.push(lines.length);
      }
      if (starts.length < 2) {
        return ONE(text);
      }
      return format === 'sdf'
        ? { count: starts.length, model: i => lines.slice(starts[i], ends[i]).join('\n') }
        : blocks(lines, starts, ends, false);
    }
    case 'xyz': {
      const starts: number[] = [];
      let i = 0;
      while (i < lines.length) {
        const count = /^\s*\d+\s*$/.test(lines[i]) ? parseInt(lines[i], 10) : NaN;
        if (!(count > 0) || i + 2 + count > lines.length) {
          break;
        }
        starts.push(i);
        i += 2 + count;
      }
      if (starts.length < 2) {
        return ONE(text);
      }
      const ends = [...starts.slice(1), i];
      return { count: starts.length, model: k => lines.slice(starts[k], ends[k]).join('\n') };
    }
    case 'cif':
      return splitCifModels(text, lines);
  }
}

function splitCifModels(text: string, lines: string[]): ModelList {
  const start = lines.findIndex(line => line.startsWith('_atom_site.'));
  if (start < 0) {
    return ONE(text);
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
    return ONE(text);
  }
  const order: string[] = [];
  const rowModel: (string | null)[] = []; // null: a blank line, kept in every model
  let row = end;
  for (; row < lines.length; row++) {
    const line = lines[row];
    if (/^(_|loop_|#|data_)/.test(line)) {
      break;
    }
    const values = line.match(CIF_TOKEN);
    if (values === null) {
      rowModel.push(null);
      continue;
    }
    if (values.length !== columns) {
      return ONE(text); // a row over several lines: leave the file to 3Dmol.js
    }
    const model = values[column];
    if (!order.includes(model)) {
      order.push(model);
    }
    rowModel.push(model);
  }
  if (order.length <= 1) {
    return ONE(text);
  }
  const head = lines.slice(0, end);
  const tail = lines.slice(row);
  return {
    count: order.length,
    model: (i: number) => {
      const rows = lines
        .slice(end, row)
        .filter((_, k) => rowModel[k] === null || rowModel[k] === order[i]);
      return [...head, ...rows, ...tail].join('\n');
    }
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

const UNITS: Record<StructureFormat, string> = {
  pdb: 'model',
  cif: 'model',
  xyz: 'frame',
  sdf: 'molecule',
  mol2: 'molecule'
};

/** Models a second when a multi-model file plays. */
const PLAY_FPS = 5;

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
    this._summary = document.createElement('span');
    this._summary.className = 'ai4s-StructureViewer-summary';
    this._summary.textContent = 'loading…';
    this._stepper = this.createStepper();
    this._status.append(this._summary, this._stepper);
    this.node.appendChild(this._canvasHost);
    this.node.appendChild(this._status);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this.mimeType];
    const text = typeof data === 'string' ? data : JSON.stringify(data ?? '');
    const started = performance.now();
    this.pause();
    try {
      this._declared = checkStructure(text, this.format);
      const tCheck = performance.now();
      this.ensureViewer();
      const t0 = performance.now();
      this._models = splitModels(text, this.format);
      this._index = 0;
      const drawn = this.draw(true);
      this.node.dataset.timings = JSON.stringify({
        check: tCheck - started,
        viewer: t0 - tCheck,
        viewerCreatedEarly: this._createdEarly,
        split: drawn.start - t0,
        parse: drawn.parsed - drawn.start,
        style: drawn.styled - drawn.parsed,
        render: drawn.end - drawn.styled,
        attachedAt: this._attachedAt,
        earlyViewer: this._earlyViewerMs,
        startedAt: started
      });
      this.showSummary((performance.now() - started) / 1000);
      const count = this._models.count;
      this._stepper.hidden = count < 2;
      this._slider.max = String(count);
      this._slider.value = '1';
      this.node.dataset.models = String(count);
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

  /** Show model `index` (from 0) of the file, keeping the camera where the user left it. */
  showModel(index: number): void {
    const count = this._models.count;
    if (this._viewer === null || count < 2) {
      return;
    }
    this._index = ((index % count) + count) % count;
    this._slider.value = String(this._index + 1);
    const started = performance.now();
    try {
      this.draw(false);
      this.showSummary((performance.now() - started) / 1000);
    } catch (err) {
      this.pause();
      const message = err instanceof Error ? err.message : String(err);
      const which = `${UNITS[this.format]} ${this._index + 1} of ${count}`;
      this._summary.textContent = `${which}: ${message}`;
      this.node.dataset.model = String(this._index + 1);
    } finally {
      releaseDrawing(this._viewer);
    }
  }

  /** Step through the models at `PLAY_FPS`, from the one shown, until `pause`. */
  play(): void {
    if (this._models.count < 2 || this._timer !== null) {
      return;
    }
    this._playButton.textContent = '❚❚ pause';
    this._playButton.title = `Stop at this ${UNITS[this.format]}`;
    const tick = () => {
      this.showModel(this._index + 1);
      if (this._timer !== null) {
        this._timer = window.setTimeout(tick, 1000 / PLAY_FPS);
      }
    };
    this._timer = window.setTimeout(tick, 1000 / PLAY_FPS);
  }

  pause(): void {
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
      this._timer = null;
    }
    this._playButton.textContent = '▶ play';
    this._playButton.title = `Show each ${UNITS[this.format]} in turn, ${PLAY_FPS} a second`;
  }

  dispose(): void {
    this.pause();
    super.dispose();
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

  protected onBeforeDetach(): void {
    this.pause();
  }

  /** Parse, style and draw the current model: one draw of the whole scene. */
  private draw(zoom: boolean): { start: number; parsed: number; styled: number; end: number } {
    const viewer = this._viewer;
    holdDrawing(viewer);
    const start = performance.now();
    if (this._hasModel) {
      viewer.clear(); // models, surfaces and labels go; the camera stays
      this._hasModel = false;
    }
    // Every atom of the file, hydrogens too (3Dmol.js drops them from PDB files only).
    const parsed = viewer.addModel(this._models.model(this._index), this.format, { keepH: true });
    this._hasModel = true;
    const tParsed = performance.now();
    const atoms = parsed.selectedAtoms({});
    if (atoms.length === 0) {
      throw new StructureError(`3Dmol.js found no atoms (the file declares ${this._declared})`);
    }
    numberResidues(atoms);
    const alphas = atoms.filter((a: any) => a.atom === 'CA' && !a.hetflag);
    const polymer = alphas.length > 0;
    // A cartoon needs residues told apart by number (an mmCIF file whose label_seq_id is "."
    // numbers all alike: sticks then) and the backbone: a Cα-only model (a coarse-grained or
    // predicted trace) would draw nothing, so its Cα atoms are joined as a trace.
    const numbers = new Set(alphas.map((a: any) => `${a.chain}:${a.resi}`));
    const cartoonable = polymer && (numbers.size > 1 || alphas.length === 1);
    const backbone = atoms.some((a: any) => a.atom === 'N' && !a.hetflag);
    if (polymer && atoms.length > LARGE) {
      // Cartoons of tens of thousands of atoms take many seconds to build (and to draw with a
      // software GL): lines show every atom at a fraction of the cost.
      viewer.setStyle({}, { line: { colorscheme: 'chain' } });
    } else if (cartoonable) {
      const cartoon = backbone ? { color: 'spectrum' } : { color: 'spectrum', style: 'trace' };
      viewer.setStyle({ hetflag: false }, { cartoon });
      viewer.setStyle({ hetflag: true }, { stick: { radius: 0.2 } });
      viewer.setStyle({ resn: ['HOH', 'WAT'] }, {});
    } else {
      viewer.setStyle({}, { stick: { radius: 0.15 }, sphere: { scale: 0.25 } });
    }
    const tStyled = performance.now();
    if (zoom) {
      viewer.zoomTo();
    }
    releaseDrawing(viewer);
    viewer.render(); // builds the scene and draws it, once
    this._atoms = atoms.length;
    this._chains = polymer ? new Set(atoms.map((a: any) => a.chain)).size : 0;
    return { start, parsed: tParsed, styled: tStyled, end: performance.now() };
  }

  private showSummary(seconds: number): void {
    const count = this._models.count;
    const chains = this._chains;
    this._summary.textContent =
      `${this._atoms} atoms` +
      (chains > 0 ? `, ${chains} chain${chains === 1 ? '' : 's'}` : '') +
      (count > 1 ? ` · ${UNITS[this.format]} ${this._index + 1} of ${count}` : '') +
      ` · ${this.format.toUpperCase()} · rendered in ${seconds.toFixed(2)} s`;
    this.node.dataset.atoms = String(this._atoms);
    this.node.dataset.model = String(this._index + 1);
    this.node.dataset.renderSeconds = seconds.toFixed(2);
  }

  /** ◀ slider ▶ and play, for files of several models; hidden for one. */
  private createStepper(): HTMLSpanElement {
    const stepper = document.createElement('span');
    stepper.className = 'ai4s-StructureViewer-stepper';
    stepper.hidden = true;
    const button = (label: string, title: string, action: () => void) => {
      const b = document.createElement('button');
      b.textContent = label;
      b.title = title;
      b.addEventListener('click', action);
      return b;
    };
    const previous = button('◀', `Previous ${UNITS[this.format]}`, () => {
      this.pause();
      this.showModel(this._index - 1);
    });
    const next = button('▶', `Next ${UNITS[this.format]}`, () => {
      this.pause();
      this.showModel(this._index + 1);
    });
    previous.classList.add('ai4s-StructureViewer-previous');
    next.classList.add('ai4s-StructureViewer-next');
    this._slider = document.createElement('input');
    this._slider.type = 'range';
    this._slider.min = '1';
    this._slider.step = '1';
    this._slider.title = `Choose a ${UNITS[this.format]}`;
    this._slider.addEventListener('input', () => {
      this.pause();
      this.showModel(Number(this._slider.value) - 1);
    });
    const everyOne = `Show each ${UNITS[this.format]} in turn, ${PLAY_FPS} a second`;
    this._playButton = button('▶ play', everyOne, () =>
      this._timer === null ? this.play() : this.pause()
    );
    this._playButton.classList.add('ai4s-StructureViewer-play');
    stepper.append(this._playButton, previous, this._slider, next);
    return stepper;
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
    this.pause();
    this.addClass('ai4s-mod-error');
    this._canvasHost.replaceChildren();
    this._viewer = null;
    this._hasModel = false;
    this._stepper.hidden = true;
    const box = document.createElement('div');
    box.className = 'ai4s-StructureViewer-error';
    box.textContent = `Cannot show this ${this.format.toUpperCase()} file: ${message}`;
    this._canvasHost.appendChild(box);
    this._summary.textContent = 'error';
  }

  private _viewer: any = null;
  private _hasModel = false;
  private _createdEarly = false;
  private _attachedAt = 0;
  private _earlyViewerMs = 0;
  private _models: ModelList = ONE('');
  private _index = 0;
  private _declared = 0;
  private _atoms = 0;
  private _chains = 0;
  private _timer: number | null = null;
  private _canvasHost: HTMLDivElement;
  private _status: HTMLDivElement;
  private _summary: HTMLSpanElement;
  private _stepper: HTMLSpanElement;
  private _slider!: HTMLInputElement;
  private _playButton!: HTMLButtonElement;
}
