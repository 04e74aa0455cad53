import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Platform code lives only at the edges, so the core (src/index.ts and all it imports) runs unchanged in Node and in
 * browsers. Each edge file is listed with why it is one; everything else under src/ is core. tests, tools and bench
 * run in Node only and are exempt.
 */
const NODE_EDGES = [
  'src/node.ts', // the Node entry: onnxruntime-node, model files and their external data, temporary folders
  'src/runtime/telemetry-off.ts', // sets onnxruntime-node's ORT_DISABLE_TELEMETRY in process.env before it loads
  'src/files/**', // the file system: regular files only, external data inside the model's folder, private temp folders
  'src/image/io-node.ts', // image decoding/encoding with sharp, atomic file writes
  'src/builtin.ts', // reads the built-in model's files shipped beside the package
  'src/scenes/render-node.ts', // rasterises the scene SVGs with sharp
  'src/eval/shapes-eval.ts', // pointing-game harness: runs the built-in model through the Node entry and render-node
  'src/eval/solids-eval.ts', // 3-D pointing-game harness: runs the built-in volume model through the Node entry
  'src/cli/**', // the command line: argv, files, exit codes
];
const WEB_EDGES = [
  'src/web.ts', // the browser entry: onnxruntime-web
  'src/image/io-web.ts', // image decoding/encoding with the DOM's createImageBitmap and OffscreenCanvas
  'src/viewer/**', // the viewer page (gcam view): the DOM, on gcam/web; bundled for browsers by tools/build-viewer.ts
];

/** Each set is one thing a file group may not import; a group's rule is the union of the sets it is denied. */
const NODE_APIS = {
  paths: [
    { name: 'sharp', message: 'sharp is Node-only: image I/O goes through src/image/io-node.ts.' },
    { name: 'onnxruntime-node', message: 'onnxruntime-node is Node-only: the runtime comes from src/node.ts.' },
  ],
  patterns: [
    { group: ['node:*'], message: 'Node built-ins belong to the Node edges (see NODE_EDGES in eslint.config.js).' },
    { group: ['onnxruntime-node/*'], message: 'onnxruntime-node is Node-only.' },
  ],
};
// Importing an edge module would pull its platform imports in behind the rule's back.
const NODE_MODULES = {
  patterns: [
    {
      regex: '(^|/)((node|builtin|io-node|render-node|shapes-eval|solids-eval)\\.js$|cli/)',
      message: 'A Node edge module (see NODE_EDGES in eslint.config.js) cannot be imported from here.',
    },
  ],
};
const ORT_WEB = {
  patterns: [{ group: ['onnxruntime-web', 'onnxruntime-web/*'], message: 'onnxruntime-web is imported by src/web.ts only.' }],
};
const WEB_MODULES = {
  patterns: [
    {
      regex: '(^|/)(web|io-web)\\.js$',
      message: 'A browser edge module (see WEB_EDGES in eslint.config.js) cannot be imported from here.',
    },
  ],
};
const denied = (...sets) => ['error', { paths: sets.flatMap((s) => s.paths ?? []), patterns: sets.flatMap((s) => s.patterns) }];

/** Globals only a browser has (fetch, Blob, URL exist in Node too and stay allowed). */
const DOM_ONLY = [
  'window',
  'document',
  'self',
  'navigator',
  'location',
  'crossOriginIsolated',
  'createImageBitmap',
  'OffscreenCanvas',
  'ImageData',
  'ImageBitmap',
  'HTMLImageElement',
  'HTMLCanvasElement',
].map((name) => ({ name, message: 'DOM globals belong to the browser edges (see WEB_EDGES in eslint.config.js).' }));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'scratch/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [...NODE_EDGES, ...WEB_EDGES],
    rules: {
      'no-restricted-imports': denied(NODE_APIS, NODE_MODULES, ORT_WEB, WEB_MODULES),
      'no-restricted-globals': ['error', ...DOM_ONLY],
    },
  },
  {
    files: NODE_EDGES,
    rules: { 'no-restricted-imports': denied(ORT_WEB, WEB_MODULES), 'no-restricted-globals': ['error', ...DOM_ONLY] },
  },
  { files: ['src/web.ts'], rules: { 'no-restricted-imports': denied(NODE_APIS, NODE_MODULES) } },
  { files: ['src/image/io-web.ts'], rules: { 'no-restricted-imports': denied(NODE_APIS, NODE_MODULES, ORT_WEB) } },
  // onnxruntime-web reaches the viewer through src/web.ts only, as it would reach any page using gcam/web.
  { files: ['src/viewer/**'], rules: { 'no-restricted-imports': denied(NODE_APIS, NODE_MODULES, ORT_WEB) } },
);
