/**
 * Compiles the explain model of an ONNX classifier and runs it once: prints the compile time, the layer explained,
 * the top class and the Grad-CAM channel weights' extent. Usage: npm run demo [-- model.onnx [layer]]
 * (default: the SqueezeNet 1.1 in ../shared, on a synthetic pattern).
 */
import { fileURLToPath } from 'node:url';
import { Explainer, GraphView } from '../src/index.js';
import { defaultInputShape, defaultLayer, listLayers, resolveLayer } from '../src/layers.js';
import { loadModel, nodeRuntime } from '../src/node.js';

const modelPath = process.argv[2] ?? fileURLToPath(new URL('../../shared/models/squeezenet1.1/squeezenet1.1.onnx', import.meta.url));
const t0 = performance.now();
const decoded = loadModel(modelPath);
const view = new GraphView(decoded.proto);
const inputShape = defaultInputShape(view);
const layers = await listLayers(nodeRuntime(), decoded, { view, inputShape });
const layer = process.argv[3] ? resolveLayer(process.argv[3], layers, view) : defaultLayer(layers).tensor;
const explainer = await Explainer.create(nodeRuntime(), decoded, { targets: [layer], inputShape, threads: 2 });
const compileMs = performance.now() - t0;
const [, c, h, w] = inputShape;
const x = Float32Array.from({ length: c * h * w }, (_, i) => 127.5 + 127.5 * Math.sin(i / 97));
const probe = await explainer.run(x, new Float32Array(explainer.model.numClasses));
const top = probe.scores.indexOf(Math.max(...probe.scores));
const tw = new Float32Array(explainer.model.numClasses);
tw[top] = 1;
const t1 = performance.now();
const run = await explainer.run(x, tw);
const l = run.layers[0];
const [, lc, lh, lw] = l.dims;
const weights = Array.from({ length: lc }, (_, k) => l.gradient.subarray(k * lh * lw, (k + 1) * lh * lw).reduce((a, b) => a + b, 0) / (lh * lw));
console.log(`model ${modelPath}: input [${inputShape}], ${layers.length} layers, compiled in ${compileMs.toFixed(0)} ms`);
console.log(`layer '${layer}' [${l.dims}]; top class ${top} (score ${run.scores[top].toFixed(3)}); explain run ${(performance.now() - t1).toFixed(1)} ms`);
console.log(`Grad-CAM channel weights: min ${Math.min(...weights).toExponential(3)}, max ${Math.max(...weights).toExponential(3)}`);
await explainer.release();
