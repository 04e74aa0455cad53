/**
 * The method and layer pickers, and the choice of what the grid compares: every method of the library's registry
 * (METHODS, the list `gcam methods` prints) and every layer the explainer lists (ex.layers) with its shape, the
 * library's default layer preselected.
 */
import { METHODS, type LayerInfo, type MethodName } from '../web.js';
import { byId, el, fill } from './dom.js';
import type { LoadedModel } from './model.js';
import type { Compare, Settings } from './state.js';

/**
 * A layer as the pickers name it: its PyTorch module path when the exporter kept one and no other layer has the same
 * (exporters name a block's second ReLU 'relu_1' in every block), else its tensor.
 */
export function layerName(m: LoadedModel | undefined, tensor: string): string {
  const layers = m?.explainer.layers ?? [];
  const l = layers.find((x) => x.tensor === tensor);
  return l ? nameOf(l, layers) : tensor;
}

function nameOf(l: LayerInfo, layers: readonly LayerInfo[]): string {
  return l.module && layers.filter((x) => x.module === l.module).length === 1 ? l.module : l.tensor;
}

function layerText(l: LayerInfo, layers: readonly LayerInfo[], isDefault: boolean): string {
  return `${isDefault ? '★ ' : ''}${nameOf(l, layers)} · ${l.opType} ${l.dims.slice(1).join('×')}`;
}

/** Methods that explain the input (no layer): the layer picker does not apply to them. */
export function usesLayer(method: MethodName): boolean {
  const r = METHODS.find((x) => x.name === method)?.requires;
  return !r?.inputGradient || r.layerGradients;
}

export function showPickers(s: Settings, m: LoadedModel): void {
  const methods = byId<HTMLSelectElement>('method');
  if (methods.options.length !== METHODS.length)
    fill(
      methods,
      METHODS.map((x) =>
        el('option', { value: x.name, textContent: `${x.title} (${x.name})`, title: `${x.reference} — ${x.cost}` }),
      ),
    );
  methods.value = s.method;
  const layers = byId<HTMLSelectElement>('layer');
  if (layers.dataset.model !== m.name + m.explainer.inputShape.join()) {
    layers.dataset.model = m.name + m.explainer.inputShape.join();
    fill(
      layers,
      m.explainer.layers.map((l) =>
        el('option', {
          value: l.tensor,
          textContent: layerText(l, m.explainer.layers, l.tensor === m.defaultLayer),
          title: l.tensor,
        }),
      ),
    );
  }
  layers.value = s.layer;
  layers.disabled = !usesLayer(s.method);
  byId('layer-note').hidden = usesLayer(s.method);
  byId<HTMLSelectElement>('compare').value = s.compare;
  showCompareList(s, m);
}

function showCompareList(s: Settings, m: LoadedModel): void {
  const list = byId('compare-list');
  const items =
    s.compare === 'methods'
      ? METHODS.map((x) => ({ value: x.name, text: x.title, checked: s.compareMethods.includes(x.name) }))
      : s.compare === 'layers'
        ? m.explainer.layers.map((l) => ({
            value: l.tensor,
            text: `${nameOf(l, m.explainer.layers)} ${l.dims.slice(2).join('×')}`,
            checked: s.compareLayers.includes(l.tensor),
          }))
        : [];
  fill(
    list,
    items.map((i) =>
      el('label', { className: 'check' }, el('input', { type: 'checkbox', value: i.value, checked: i.checked }), i.text),
    ),
  );
}

/** The layers compared by default: the default layer and up to three earlier ones of other shapes. */
export function defaultCompareLayers(m: LoadedModel): string[] {
  const layers = m.explainer.layers;
  const at = layers.findIndex((l) => l.tensor === m.defaultLayer);
  const picked = [m.defaultLayer];
  const shapes = new Set([layers[at]?.dims.join()]);
  for (let i = at - 1; i >= 0 && picked.length < 4; i--)
    if (!shapes.has(layers[i].dims.join())) {
      shapes.add(layers[i].dims.join());
      picked.unshift(layers[i].tensor);
    }
  return picked;
}

export function mountPickers(onChange: (patch: Partial<Settings>) => void): void {
  byId<HTMLSelectElement>('method').addEventListener('change', (ev) =>
    onChange({ method: (ev.target as HTMLSelectElement).value as MethodName }),
  );
  byId<HTMLSelectElement>('layer').addEventListener('change', (ev) =>
    onChange({ layer: (ev.target as HTMLSelectElement).value }),
  );
  byId<HTMLSelectElement>('compare').addEventListener('change', (ev) =>
    onChange({ compare: (ev.target as HTMLSelectElement).value as Compare }),
  );
  byId('compare-list').addEventListener('change', () => {
    const checked = [...byId('compare-list').querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    const compare = byId<HTMLSelectElement>('compare').value as Compare;
    onChange(compare === 'methods' ? { compareMethods: checked as MethodName[] } : { compareLayers: checked });
  });
}
