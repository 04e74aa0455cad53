/**
 * Cascading randomisation of a model's weights (Adebayo et al. 2018, "Sanity Checks for Saliency Maps",
 * arXiv:1810.03292, sec. 3.1): the parameterised layers (Conv, ConvTranspose, Gemm, MatMul with initializer weights),
 * from the output back towards the input, have their weights and biases replaced by Gaussian draws with each
 * tensor's own mean and standard deviation (so activations keep their scale). The model's bytes are copied and the
 * new values written over the initializers' raw data in place: same length, so nothing is re-encoded and every
 * other byte stays as it was.
 */
import { InvalidModelError } from '../errors.js';
import type { DecodedModel } from '../onnx/decode.js';
import type { GraphView } from '../onnx/graph.js';
import { Prng } from '../scenes/prng.js';

const PARAMETERISED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);
const FLOAT = 1;

export interface CascadeStep {
  /** The node's name. */
  layer: string;
  opType: string;
  /** Its float initializers (weights, bias). */
  initializers: string[];
}

/** The parameterised layers, the one nearest the output first. */
export function cascadeSteps(view: GraphView): CascadeStep[] {
  const steps: CascadeStep[] = [];
  for (const node of view.nodes) {
    if (node.domain !== '' || !PARAMETERISED.has(node.opType)) continue;
    const inits = node.inputs.filter((i) => view.initializers.get(i)?.data_type === FLOAT);
    if (inits.some((i) => (view.initializers.get(i)!.dims ?? []).length >= 2))
      steps.push({ layer: node.name, opType: node.opType, initializers: inits });
  }
  return steps.reverse();
}

/** A copy of the model's bytes with the initializers of `steps` drawn anew (seeded). */
export function randomisedBytes(decoded: DecodedModel, view: GraphView, steps: readonly CascadeStep[], seed: number): Uint8Array {
  // A copy: a Node Buffer's slice() would be a view, and the rewrite would change the caller's model.
  const bytes = new Uint8Array(decoded.bytes);
  const rng = new Prng(seed, 13);
  for (const name of new Set(steps.flatMap((s) => s.initializers))) {
    const t = view.initializers.get(name)!;
    const raw = t.raw_data;
    const start = raw ? raw.byteOffset - decoded.bytes.byteOffset : -1;
    if (!raw || raw.buffer !== decoded.bytes.buffer || start < 0 || start + raw.byteLength > bytes.length)
      throw new InvalidModelError(
        `The sanity check rewrites weights in place, but initializer '${name}' keeps its values outside raw_data ` +
          `(float_data or external data). Re-export the model with its weights inside the file.`,
      );
    const src = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const dst = new DataView(bytes.buffer, bytes.byteOffset + start, raw.byteLength);
    const n = raw.byteLength / 4;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const v = src.getFloat32(i * 4, true);
      sum += v;
      sq += v * v;
    }
    const mean = sum / n;
    const std = Math.sqrt(Math.max(sq / n - mean * mean, 0));
    for (let i = 0; i < n; i++) dst.setFloat32(i * 4, mean + std * gaussian(rng), true);
  }
  return bytes;
}

/** A standard normal draw (Box–Muller). */
function gaussian(rng: Prng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
}
