/** The names a mistyped command or flag most likely meant, for "Did you mean …?" hints. */
import { distance } from 'fastest-levenshtein';

/** Case, dashes and underscores are what people get wrong most ('--topk', '--top_k', '--saveCam'): compared without. */
const key = (s: string) => s.toLowerCase().replace(/[-_]/g, '');

/**
 * Up to three of `names`, best first: the same name spelled with other case, dashes or underscores; else the closest
 * by edit distance when it is at most 2 edits and at most 40 % of the typed name ('modle' → 'model', not 'size' →
 * 'seed'); else the names that start with the typed one ('aug' → 'aug-smooth'), then those that contain it ('relu' →
 * 'no-relu'). Empty when nothing is close.
 */
export function closestNames(typed: string, names: readonly string[]): string[] {
  const k = key(typed);
  if (!k) return [];
  const same = names.filter((n) => key(n) === k);
  if (same.length) return same.slice(0, 3);
  const scored = names.map((n) => ({ n, d: distance(k, key(n)) }));
  const best = Math.min(...scored.map((s) => s.d));
  if (best <= 2 && best <= 0.4 * k.length)
    return scored
      .filter((s) => s.d === best)
      .map((s) => s.n)
      .slice(0, 3);
  if (k.length < 3) return [];
  const starting = names.filter((n) => key(n).startsWith(k));
  return (starting.length ? starting : names.filter((n) => key(n).includes(k))).slice(0, 3);
}

/** ' Did you mean --a, --b or --c?' for the closest names, with `prefix` before each; '' when there are none. */
export function didYouMean(typed: string, names: readonly string[], prefix = ''): string {
  const c = closestNames(typed, names).map((n) => prefix + n);
  if (!c.length) return '';
  return ` Did you mean ${c.length === 1 ? c[0] : `${c.slice(0, -1).join(', ')} or ${c[c.length - 1]}`}?`;
}
