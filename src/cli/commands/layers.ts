/** `gcam layers`: every layer of a model with its op and feature-map shape, the default one starred. */
import { GraphView, loadModel, nodeRuntime } from '../../node.js';
import { defaultInputShape, defaultLayer, listLayers } from '../../layers.js';
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
  for (const l of layers) {
    const mod = l.module ? `  (${l.module})` : '';
    console.log(`${l.tensor === def ? '*' : ' '} ${l.tensor}  ${l.opType}  [${l.dims.join(', ')}]${mod}`);
  }
  return 0;
}
