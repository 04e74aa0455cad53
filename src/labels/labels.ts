/** Class labels: built-in ImageNet names for 1000-class models, or a user file; class lookup by index or label text. */
import { IMAGENET_LABELS } from './imagenet.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { MAX_LABELS } from '../limits.js';

/**
 * Parses a labels file: a JSON array, a JSON object {"0": "name", …} naming every class 0 … n − 1 once, or one label
 * per line; at most MAX_LABELS labels. An object's keys are checked in the text itself (JSON.parse keeps only the
 * last of duplicate keys), and nothing is allocated beyond the entries the file has.
 */
export function parseLabels(text: string, what = 'labels file'): string[] {
  const t = text.trim();
  if (!t.startsWith('[') && !t.startsWith('{'))
    return capped(
      t.split(/\r?\n/).map((l) => l.trim()),
      what,
    );
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    throw new InvalidInputError(`${what} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (Array.isArray(v)) return capped(v.map(String), what);
  const obj = v as Record<string, unknown>;
  const keys = objectKeys(t);
  const seen = new Set<number>();
  let last = -1;
  for (const k of keys) {
    if (!/^(0|[1-9]\d*)$/.test(k))
      throw new InvalidInputError(
        `${what}: key '${k}' is not a class index; the keys are the indices 0, 1, 2 … in digits, without sign or leading zeros.`,
      );
    const i = Number(k);
    if (i >= MAX_LABELS)
      throw new InvalidInputError(
        `${what}: class index ${k} is over the limit of ${MAX_LABELS - 1}; gcam takes at most ${MAX_LABELS} classes.`,
      );
    if (seen.has(i)) throw new InvalidInputError(`${what}: class index ${k} is named twice; give each class one label.`);
    seen.add(i);
    if (i > last) last = i;
  }
  // n distinct indices below n are exactly 0 … n − 1; otherwise some class has no name. At most n + 5 steps: every
  // step either finds a named class or a missing one.
  const missing: number[] = [];
  for (let i = 0; i <= last && missing.length < 5; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length)
    throw new InvalidInputError(
      `${what} skips class ${missing.join(', ')}${missing.length === 5 ? ', …' : ''} (it names ${keys.length} classes, up to index ${last}); ` +
        'name every class from 0 to the last one, or give a JSON array.',
    );
  return keys.map((_, i) => String(obj[i]));
}

/** At most MAX_LABELS labels. */
function capped(labels: string[], what: string): string[] {
  if (labels.length > MAX_LABELS)
    throw new InvalidInputError(
      `${what} has ${labels.length} labels, over the limit of ${MAX_LABELS}; gcam takes at most ${MAX_LABELS} classes.`,
    );
  return labels;
}

/**
 * The keys of a JSON object's own members, in the text's order and with duplicates, for text that JSON.parse
 * accepted as an object: a string at depth 1 followed by ':' is a key.
 */
function objectKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      let next = j + 1;
      while (json[next] === ' ' || json[next] === '\n' || json[next] === '\r' || json[next] === '\t') next++; // JSON's whitespace
      if (depth === 1 && json[next] === ':') {
        const literal = json.slice(i + 1, j);
        keys.push(literal.includes('\\') ? (JSON.parse(`"${literal}"`) as string) : literal); // escapes decoded
      }
      i = j;
    }
  }
  return keys;
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
