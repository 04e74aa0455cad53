/**
 * The class list: the image's top-k predictions with their probabilities, and a search box over every class by
 * label (or number). Clicking a class explains it.
 */
import { softmax, type ExplainResult } from '../web.js';
import { byId, el, fill } from './dom.js';
import type { LoadedModel, OutputKind } from './model.js';

export interface ClassRow {
  index: number;
  label: string;
  probability: number;
}

/** How the numbers shown were obtained, for the list's heading. */
const MEANING: Record<OutputKind, string> = {
  softmax: 'probabilities (the model’s softmax)',
  sigmoid: 'probabilities (sigmoid outputs: independent labels, they need not sum to 1)',
  logits: 'softmax of the model’s logits',
};

/**
 * Every class with its probability, most likely first (the explainer lists every class's score: see explain.ts).
 * A model ending in Softmax or Sigmoid reports probabilities already; logits are turned into them with a softmax.
 */
export function ranked(r: ExplainResult, m: LoadedModel): ClassRow[] {
  const preds = r.predictions;
  const probs = m.output === 'logits' ? softmax(preds.map((p) => p.score)) : preds.map((p) => p.score);
  return preds.map((p, i) => ({ index: p.index, label: p.label ?? `class ${p.index}`, probability: probs[i] }));
}

let rows: ClassRow[] = [];
let selected: number | undefined;

export function showClasses(all: ClassRow[], chosen: number | undefined, topK: number, m: LoadedModel): void {
  rows = all;
  selected = chosen;
  byId('predictions-meaning').textContent = MEANING[m.output];
  const top = all.slice(0, topK);
  // A class picked through the search box stays visible under the top-k.
  const extra = chosen !== undefined && !top.some((c) => c.index === chosen) ? all.filter((c) => c.index === chosen) : [];
  fill(byId('predictions'), [...top, ...extra].map(item));
  search();
}

export function clearClasses(): void {
  rows = [];
  fill(byId('predictions'), []);
  fill(byId('search-results'), []);
}

function item(c: ClassRow): HTMLLIElement {
  const pct = `${(c.probability * 100).toFixed(c.probability >= 0.001 ? 1 : 3)}%`;
  const button = el(
    'button',
    { type: 'button', className: 'class', title: `class ${c.index}: ${c.label} — ${c.probability.toPrecision(4)}` },
    el('span', { className: 'class-label', textContent: c.label }),
    el('span', { className: 'class-prob', textContent: pct }),
  );
  button.style.setProperty('--p', String(Math.max(0, Math.min(1, c.probability))));
  button.setAttribute('aria-pressed', String(c.index === selected));
  return el('li', { dataset: { index: String(c.index) } }, button);
}

/** At most this many matches: enough to pick from, short enough to read. */
const SHOWN = 20;

function search(): void {
  const q = byId<HTMLInputElement>('class-search').value.trim().toLowerCase();
  if (!q) return fill(byId('search-results'), []);
  const hits = rows.filter((c) => c.label.toLowerCase().includes(q) || String(c.index) === q);
  hits.sort((a, b) => a.index - b.index);
  const shown = hits.slice(0, SHOWN).map(item);
  if (hits.length === 0) shown.push(el('li', { className: 'none', textContent: `No class label contains '${q}'.` }));
  else if (hits.length > SHOWN) shown.push(el('li', { className: 'none', textContent: `…and ${hits.length - SHOWN} more` }));
  fill(byId('search-results'), shown);
}

export function mountClasses(onPick: (index: number) => void): void {
  byId('class-search').addEventListener('input', search);
  for (const list of ['predictions', 'search-results'])
    byId(list).addEventListener('click', (ev) => {
      const li = (ev.target as Element).closest<HTMLElement>('li[data-index]');
      if (li) onPick(Number(li.dataset.index));
    });
}
