// The layering of src/, checked by `npm test` (npm run check:layers). Folders are listed bottom to top: a
// module may import from its own layer and the layers below it, never from a layer above (which is also
// what keeps folders free of import cycles). Within sources/, each kind of source is its own folder and
// does not import another kind's. The emulator is a separate part shipped with kawa: it uses only core/,
// and only the commands that start it (cli/) import it. Type-only imports count: a type is a dependency.
const LAYERS = [
  ['core'],
  ['fields', 'regex'],
  ['condition'],
  ['rules'],
  ['compile'],
  ['engine'],
  ['alerts'],
  ['pipeline'],
  ['stateful'],
  ['outputs'],
  ['sources'],
  ['pool'],
  ['config'],
  ['runtime'],
  ['cli'],
];

const folders = (layers) => `^src/(${layers.flat().join('|')})/`;

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.join('-')}`,
  comment: `${layer.join(', ')} may not import from a higher layer (${LAYERS.slice(i + 1).flat().join(', ')})`,
  severity: 'error',
  from: { path: folders([layer]) },
  to: { path: `${folders(LAYERS.slice(i + 1))}|^src/index\\.ts$` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'sources-apart',
      comment: 'a kind of source does not import another kind (shared code lives in sources/ or below)',
      severity: 'error',
      from: { path: '^src/sources/([^/]+)/' },
      to: { path: '^src/sources/[^/]+/', pathNot: '^src/sources/$1/' },
    },
    {
      name: 'emulator-stands-alone',
      comment: 'the emulator uses only core/',
      severity: 'error',
      from: { path: '^src/emulator/' },
      to: { path: '^src/', pathNot: '^src/(emulator|core)/' },
    },
    {
      name: 'emulator-only-from-cli',
      comment: 'only the commands that start the emulator import it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|emulator)/' },
      to: { path: '^src/emulator/' },
    },
    {
      name: 'folder-known',
      comment: 'every folder of src/ has its place in the layers (add a new folder to LAYERS)',
      severity: 'error',
      from: { path: '^src/', pathNot: `${folders(LAYERS)}|^src/emulator/|^src/index\\.ts$` },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'no import cycles between modules',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    parser: 'swc',
    tsPreCompilationDeps: true,
    exclude: { path: '^src/.*\\.d\\.ts$' },
  },
};
