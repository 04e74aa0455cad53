/**
 * The exportable CAM methods as ONNX nodes: each turns a layer's A and G = dA ([N, C, h, w], float32) into the raw map
 * [N, h, w], with the formulas of src/cam/methods/ (docs/methods.md), constants included. The others need what no
 * standard op gives (an eigen-decomposition) or many model runs per image, so they cannot be one graph.
 */
import { InvalidOptionError } from '../errors.js';
import type { MethodName } from '../cam/method.js';
import { METHOD_NAMES } from '../cam/methods/index.js';
import type { GraphBuilder } from '../onnx/builder.js';

type RawMapGraph = (b: GraphBuilder, a: string, g: string) => string;

/** Σ_c w[n,c]·A[n,c] for channel weights w [N, C, 1, 1]. */
const weighted = (b: GraphBuilder, w: string, a: string) => b.reduceSum(b.op('Mul', [w, a]), [1], false);
/** Σ_c K[n,c] for per-channel maps K [N, C, h, w]. */
const channelSum = (b: GraphBuilder, k: string) => b.reduceSum(k, [1], false);
const spatialSum = (b: GraphBuilder, x: string) => b.reduceSum(x, [2, 3], true);

const GRAPHS = {
  // Selvaraju et al. 2017, eqs. 1–2: w_c = mean_p G_c,p.
  gradcam: (b, a, g) => weighted(b, b.reduce('ReduceMean', g, [2, 3], true), a),
  // Chattopadhay et al. 2018, eq. 19 in closed form: α = G²/(2G² + ΣA·G³ + 1e-6), w_c = Σ_p α·relu(G), taken only
  // where G > 0 (as gradcam-plus-plus.ts skips the rest), so a zero denominator elsewhere cannot leak a NaN in.
  'gradcam++': (b, a, g) => {
    const g2 = b.op('Mul', [g, g]);
    const g3 = b.op('Mul', [g2, g]);
    const denominator = b.op('Add', [
      b.op('Add', [b.op('Mul', [g2, b.scalar(2)]), b.op('Mul', [spatialSum(b, a), g3])]),
      b.scalar(1e-6),
    ]);
    const term = b.op('Mul', [b.op('Div', [g2, denominator]), g]);
    const positive = b.op('Greater', [g, b.scalar(0)]);
    return weighted(b, spatialSum(b, b.op('Where', [positive, term, b.scalar(0)])), a);
  },
  // Draelos & Carin 2020, eq. 4: map = Σ_c G_c ⊙ A_c.
  hirescam: (b, a, g) => channelSum(b, b.op('Mul', [g, a])),
  // Fu et al. 2020, eq. 9: w_c = Σ_p(G·A) / (Σ_p A + 1e-7).
  xgradcam: (b, a, g) => {
    const w = b.op('Div', [spatialSum(b, b.op('Mul', [g, a])), b.op('Add', [spatialSum(b, a), b.scalar(1e-7)])]);
    return weighted(b, w, a);
  },
  // Jiang et al. 2021, eqs. 5–6: map = Σ_c relu(G_c) ⊙ A_c.
  layercam: (b, a, g) => channelSum(b, b.op('Mul', [b.op('Relu', [g]), a])),
  // The element-wise variant of HiResCAM: map = Σ_c relu(G_c ⊙ A_c).
  gradcamelementwise: (b, a, g) => channelSum(b, b.op('Relu', [b.op('Mul', [g, a])])),
} satisfies Partial<Record<MethodName, RawMapGraph>>;

export type ExportMethod = keyof typeof GRAPHS;

export const EXPORT_METHODS = Object.keys(GRAPHS) as ExportMethod[];

/** The raw-map graph of a method the export can build, or an InvalidOptionError naming the exportable ones. */
export function methodGraph(method: string): RawMapGraph {
  if (Object.hasOwn(GRAPHS, method)) return GRAPHS[method as ExportMethod];
  const known = (METHOD_NAMES as readonly string[]).includes(method);
  throw new InvalidOptionError(
    'method',
    known
      ? `'${method}' cannot be exported: ${whyNot(method as MethodName)}. Exportable: ${EXPORT_METHODS.join(', ')}.`
      : `must be one of ${EXPORT_METHODS.join(', ')} to export; got '${method}'.`,
  );
}

function whyNot(method: MethodName): string {
  if (method === 'eigencam' || method === 'eigengradcam')
    return 'it needs an eigen-decomposition per image, which no standard ONNX op computes';
  if (method === 'scorecam') return 'it needs one forward run of the model per channel';
  if (method === 'ablationcam') return 'it needs one run of the layers after the target per channel';
  return 'its map is at the input, from an input gradient, not from a layer';
}
