// The layers of src/, bottom to top, written once: a module may import its own layer and the
// layers below it, never one above. `npm test` runs this through test/architecture/layers.test.ts;
// by hand: `npx depcruise src bench academy examples test`.
//
// An entry is a folder of src/ (`tensor`) or a file directly in src/ (`errors.ts`). A new folder
// of src/ must be placed here before anything in it may import (rule `folder-not-in-a-layer`).
/** @type {string[]} */
const LAYERS = [
  'errors.ts', // the error classes every failure is reported with
  'record', // the run's vocabulary and record shapes: imports nothing
  'io', // atomic files, output paths, terminal progress
  'native', // the typed interface of the addon (only tensor uses it)
  'tensor',
  'nn',
  'optim',
  'models',
  'data',
  'train', // fit(), the one training loop
  'evaluate', // metrics and statistics over plain predictions (no tensors)
  'pretrain',
  'kinds', // one folder per modality kind (its backbones, target data, tables) and their registry
  'adapt',
  'decide',
  'report',
  'lab',
  'queue', // sends a lab's trials to workers on other machines
  'cli',
  'index.ts', // the public API re-exports every layer
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pathOf = (layer) => (layer.endsWith('.ts') ? `^src/${escape(layer)}$` : `^src/${escape(layer)}/`);
const anyOf = (layers) => `(${layers.map(pathOf).join('|')})`;

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `upward-from-${layer.replace(/\.ts$/, '')}`,
  comment: `src/${layer} may import only ${i === 0 ? 'nothing of src/' : LAYERS.slice(0, i + 1).join(', ')} (layer order in .dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path: pathOf(layer) },
  to: { path: anyOf(LAYERS.slice(i + 1)) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'record-imports-nothing',
      comment: 'src/record is the bottom layer every layer may import; it imports nothing itself',
      severity: 'error',
      from: { path: pathOf('record') },
      to: { pathNot: pathOf('record') },
    },
    {
      name: 'native-only-from-tensor',
      comment: 'src/native is the addon\'s raw interface: only src/tensor uses it; everything above goes through the tensor layer\'s public API',
      severity: 'error',
      from: { path: '^src/', pathNot: `${pathOf('native')}|${pathOf('tensor')}` },
      to: { path: pathOf('native') },
    },
    {
      name: 'no-circular',
      comment: 'a cycle makes two modules one: break it by moving the shared part down a layer',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-imports-outside-src',
      comment: 'src/ is the product: it may not import the benchmarks, the learning track, examples or tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(bench|academy|examples|test)/' },
    },
    {
      name: 'folder-not-in-a-layer',
      comment: 'every folder of src/ has a place in LAYERS (.dependency-cruiser.cjs): add it there',
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf(LAYERS) },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to no file',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|native/build)/' },
    // Type-only imports are dependencies too: a type from a layer above is an upward import.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Packages are found through their `exports` (csv-parse/sync), as Node finds them.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
