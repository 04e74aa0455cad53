/**
 * similarity:ref.npy — an embedding output e (any shape, flattened to D values) against a reference embedding r of
 * D values: f = cos(e, r) = e·r / max(|e||r|, ε), ε = 1e-8 (torch's CosineSimilarity, as pytorch-grad-cam's
 * SimilarityToConceptTarget uses it), with df/de = r/(|e||r|) − f·e/|e|² (away from the ε guard; r/ε inside it).
 */
import { InvalidOptionError } from '../errors.js';
import { perImage, shapeText } from './checks.js';
import type { TargetKind } from './types.js';

const EPS = 1e-8;

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export const similarityTarget: TargetKind = {
  name: 'similarity',
  syntax: 'similarity:ref.npy',
  summary: 'an embedding output: its cosine similarity to a reference embedding (.npy of the same length)',
  async bind(arg, output, files) {
    if (!arg) throw new InvalidOptionError('target', "'similarity:' needs a reference embedding: similarity:ref.npy.");
    const d = perImage(output);
    const { data: r, dims } = await files.readArray(arg);
    if (r.length !== d)
      throw new InvalidOptionError(
        'target',
        `The reference embedding '${arg}' holds ${r.length} values ([${dims.join(', ')}]) but output '${output.name}' is ` +
          `${shapeText(output)}, ${d} values per image: compute the reference with the same model and output.`,
      );
    const rn = norm(r);
    return {
      text: `similarity:${arg}`,
      reads: 'output',
      needsScores: true,
      seed: (e) => {
        const en = norm(e!);
        const denom = Math.max(en * rn, EPS);
        const f = dot(e!, r) / denom;
        const inside = en * rn > EPS;
        return Float32Array.from(e!, (v, i) => r[i] / denom - (inside ? (f * v) / (en * en) : 0));
      },
      value: (e) => dot(e, r) / Math.max(norm(e) * rn, EPS),
    };
  },
};
