/** Class labels: built-in ImageNet names for 1000-class models, or a user file; class lookup by index or label text. */
import { IMAGENET_LABELS } from './imagenet.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';

/** Parses a labels file: a JSON array, a JSON object {"0": "name", …}, or one label per line. */
export function parseLabels(text: string, what = 'labels file'): string[] {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw new InvalidInputError(`${what} is not valid JSON: ${(e as Error).message}`, { cause: e });
    }
    if (Array.isArray(v)) return v.map(String);
    const obj = v as Record<string, unknown>;
    const out: string[] = [];
    for (const [k, name] of Object.entries(obj)) {
      const i = Number(k);
      if (!Number.isInteger(i) || i < 0) throw new InvalidInputError(`${what}: key '${k}' is not a class index.`);
      out[i] = String(name);
    }
    return Array.from(out, (x, i) => x ?? `class ${i}`);
  }
  return t.split(/\r?\n/).map((l) => l.trim());
}

/** Labels for a model with `numClasses` outputs: the given ones (count checked), ImageNet's for 1000, else none. */
export function labelsFor(numClasses: number, given?: readonly string[]): readonly string[] | undefined {
  if (given) {
    if (given.length !== numClasses)
      throw new InvalidOptionError('labels', `has ${given.length} entries but the model has ${numClasses} classes.`);
    return given;
  }
  return numClasses === 1000 ? IMAGENET_LABELS : undefined;
}

/** Resolves a class given as an index (number or digits) or as label text (exact, else unique substring, case-insensitive). */
export function resolveClass(spec: number | string, numClasses: number, labels?: readonly string[]): number {
  const asNum = typeof spec === 'number' ? spec : /^\s*\d+\s*$/.test(spec) ? Number(spec) : undefined;
  if (asNum !== undefined) {
    if (!Number.isInteger(asNum) || asNum < 0 || asNum >= numClasses)
      throw new InvalidInputError(
        `Class index ${spec} is out of range: the model has ${numClasses} classes (0–${numClasses - 1}).`,
      );
    return asNum;
  }
  const q = String(spec).trim().toLowerCase();
  if (!labels)
    throw new InvalidInputError(
      `Class '${spec}' is not an index and the model has no labels; give the model's labels (the labels option) or an index.`,
    );
  const exact = labels.flatMap((l, i) => (l.toLowerCase() === q ? [i] : []));
  if (exact.length === 1) return exact[0];
  const partial = labels.flatMap((l, i) => (l.toLowerCase().includes(q) ? [i] : []));
  if (partial.length === 1) return partial[0];
  if (partial.length === 0) throw new InvalidInputError(`No class label contains '${spec}'. Use a class index or another label.`);
  const shown = partial.slice(0, 10).map((i) => `${i} '${labels[i]}'`);
  throw new InvalidInputError(
    `Class '${spec}' is ambiguous: ${partial.length} labels match (${shown.join(', ')}${partial.length > 10 ? ', …' : ''}). Use the index or a longer label.`,
  );
}
