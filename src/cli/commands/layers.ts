/**
 * `gcam layers`: every layer of a model with its op, feature-map shape and element type, the default one starred,
 * and a mark on the short module names that would not give that layer back (shared by several modules). For volume
 * models each [N, C, d, h, w] layer also shows its feature-map resolution d×h×w, for signal models each [N, C, l]
 * layer its length l.
 */
import { GraphView, loadModel, nodeRuntime } from '../../node.js';
import { defaultInputShape, defaultLayer, listLayers, misleadingShortNames, moduleNameOf } from '../../layers.js';
import { USAGE_HINT, UsageError, sizeOption, type Parsed } from '../args.js';
import { userModel } from '../errors.js';

export async function cmdLayers(p: Parsed): Promise<number> {
  const path = p.rest[0] ?? p.values.model;
  if (!path) throw new UsageError(`gcam layers needs a model.\n${USAGE_HINT}`);
  const decoded = loadModel(path);
  const view = new GraphView(decoded.proto);
  const inputShape = defaultInputShape(view, sizeOption(p.values.size));
  const layers = await userModel(listLayers(nodeRuntime(), decoded, { view, inputShape }));
  const def = defaultLayer(layers, view).tensor;
  console.log(`input [${inputShape.join(', ')}]; ${layers.length} layers (* = default)`);
  const misleading = misleadingShortNames(layers, view);
  let example: string | undefined;
  for (const l of layers) {
    let mod = '';
    if (misleading.has(l.tensor)) {
      const full = moduleNameOf(l)!;
      example ??= full;
      mod = `  (${l.module}† ${full})`;
    } else if (l.module) mod = `  (${l.module})`;
    console.log(
      `${l.tensor === def ? '*' : ' '} ${l.tensor}  ${l.opType}  [${l.dims.join(', ')}]  ${l.dtype}${resolution(l.dims, inputShape)}${mod}`,
    );
  }
  if (example)
    console.log(
      `† a short name other modules share too: give --layer the full module path after it (e.g. ${example}) or the tensor name.`,
    );
  return 0;
}

/**
 * '  8×8×8' for a volume model's [N, C, d, h, w] layers, '  length 250' for a signal model's [N, C, l] layers: the
 * resolution their maps are upsampled from.
 */
function resolution(dims: readonly number[], inputShape: readonly number[]): string {
  if (inputShape.length === 3 && dims.length === 3) return `  length ${dims[2]}`;
  return inputShape.length === 5 && dims.length === 5 ? `  ${dims.slice(2).join('×')}` : '';
}
