/**
 * `gcam layers`: every layer of a model with its op, feature-map shape and element type, the default one starred,
 * and a mark on the short module names that would not give that layer back (shared by several modules).
 */
import { GraphView, loadModel, nodeRuntime } from '../../node.js';
import { defaultInputShape, defaultLayer, listLayers, misleadingShortNames, moduleNameOf } from '../../layers.js';
import { USAGE, UsageError, intOption, type Parsed } from '../args.js';
import { userModel } from '../errors.js';

export async function cmdLayers(p: Parsed): Promise<number> {
  const path = p.rest[0] ?? p.values.model;
  if (!path) throw new UsageError(`gcam layers needs a model.\n\n${USAGE}`);
  const decoded = loadModel(path);
  const view = new GraphView(decoded.proto);
  const inputShape = defaultInputShape(view, intOption(p.values.size, 'size', 1));
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
    console.log(`${l.tensor === def ? '*' : ' '} ${l.tensor}  ${l.opType}  [${l.dims.join(', ')}]  ${l.dtype}${mod}`);
  }
  if (example)
    console.log(
      `† a short name other modules share too: give --layer the full module path after it (e.g. ${example}) or the tensor name.`,
    );
  return 0;
}
