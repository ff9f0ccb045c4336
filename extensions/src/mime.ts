// File renderers: double-click a structure file to see it in 3D, with no kernel.
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { MIME_TYPES, StructureFormat, StructureViewer } from './structure';

const FILE_TYPES: { format: StructureFormat; extensions: string[]; label: string }[] = [
  { format: 'pdb', extensions: ['.pdb', '.ent'], label: 'PDB structure' },
  { format: 'cif', extensions: ['.cif', '.mmcif'], label: 'mmCIF structure' },
  { format: 'xyz', extensions: ['.xyz'], label: 'XYZ coordinates' },
  { format: 'sdf', extensions: ['.sdf', '.mol'], label: 'SDF/MOL molecule' },
  { format: 'mol2', extensions: ['.mol2'], label: 'MOL2 molecule' }
];

const extensions: IRenderMime.IExtension[] = FILE_TYPES.map(({ format, extensions, label }) => ({
  id: `ai4s-lab:structure-${format}`,
  rendererFactory: {
    safe: true,
    mimeTypes: [MIME_TYPES[format]],
    createRenderer: () => new StructureViewer(format, MIME_TYPES[format])
  },
  rank: 0,
  dataType: 'string',
  fileTypes: [
    {
      name: `ai4s-${format}`,
      displayName: label,
      mimeTypes: [MIME_TYPES[format]],
      extensions,
      fileFormat: 'text',
      contentType: 'file'
    }
  ],
  documentWidgetFactoryOptions: {
    name: `AI4S ${label} viewer`,
    primaryFileType: `ai4s-${format}`,
    fileTypes: [`ai4s-${format}`],
    defaultFor: [`ai4s-${format}`]
  }
}));

export default extensions;
