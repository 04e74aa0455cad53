/**
 * Labels cases: `--labels` files for the built-in six-class model: valid arrays, objects and line lists, and ones with
 * wrong counts, huge, negative or non-integer keys, nested values, invalid JSON, random bytes; sometimes with a
 * `--class` given as label text, so lookups run over what was parsed.
 */
import { Rng } from './rng.js';
import type { CliCase, FileRecipe } from './types.js';

const SIX = ['circle', 'square', 'triangle', 'cross', 'star', 'ring'];

/** Keys of a JSON-object labels file that are not plain small class indices. */
const HOSTILE_KEYS = [
  '99999999',
  '4294967295',
  '4294967294',
  '2147483648',
  '9007199254740993',
  '1e3',
  '-1',
  '1.5',
  '',
  ' 1',
  '0x1',
  'NaN',
  'Infinity',
  '5 ',
];

/** Keys that would make the parsed list (and anything sized by it) enormous if taken as indices. */
export function hugeKey(k: string): boolean {
  const n = Number(k);
  return Number.isFinite(n) && n >= 1e6;
}

function text(rng: Rng): { text: string; note: string; tags: string[] } {
  const choice = rng.weighted<string>([
    [3, 'array'],
    [2, 'object'],
    [3, 'hostileKey'],
    [1, 'lines'],
    [2, 'count'],
    [1, 'nested'],
    [2, 'garbage'],
  ]);
  switch (choice) {
    case 'array':
      return { text: JSON.stringify(SIX), note: 'JSON array of 6', tags: [] };
    case 'object':
      return { text: JSON.stringify(Object.fromEntries(SIX.map((l, i) => [String(i), l]))), note: 'JSON object of 6', tags: [] };
    case 'hostileKey': {
      const key = rng.pick(HOSTILE_KEYS);
      const obj: Record<string, string> = rng.chance(0.5) ? Object.fromEntries(SIX.map((l, i) => [String(i), l])) : {};
      obj[key] = 'x';
      return {
        text: JSON.stringify(obj),
        note: `JSON object with key ${JSON.stringify(key)}`,
        tags: hugeKey(key) ? ['labels-huge-key'] : [],
      };
    }
    case 'lines':
      return {
        text: rng.pick([SIX.join('\n'), SIX.join('\r\n') + '\r\n', '\ufeff' + SIX.join('\n'), SIX.join('\n\n')]),
        note: 'one label per line',
        tags: [],
      };
    case 'count': {
      const n = rng.pick([0, 1, 5, 7, 1000, 100000]);
      return { text: JSON.stringify(Array.from({ length: n }, (_, i) => `c${i}`)), note: `JSON array of ${n}`, tags: [] };
    }
    case 'nested':
      return {
        text: rng.pick([
          '[[1,2],{},null,true,3,"x"]',
          '{"0":{"a":1},"1":[2],"2":null,"3":true,"4":5,"5":"x"}',
          JSON.stringify([...SIX.slice(0, 5), 'x'.repeat(100000)]),
          JSON.stringify(['a\u0000b', '\u202e', '😀', '', ' ', '\n']),
          '{"__proto__":"x","0":"a"}',
          '{"constructor":"x"}',
        ]),
        note: 'nested or odd values',
        tags: [],
      };
    default:
      return {
        text: rng.pick([
          '[',
          '{"0":',
          '{]',
          '',
          ' ',
          'null',
          '[1,2,',
          '\u0000\u0001\u0002',
          '{"0":"a","0":"b"}',
          '[' + '['.repeat(5000),
        ]),
        note: 'not valid labels',
        tags: [],
      };
  }
}

export function generateLabelsCase(rng: Rng, id: string): CliCase {
  const t = text(rng);
  const files: Record<string, FileRecipe> = {
    'img.png': { type: 'image', spec: { format: 'png', width: 40, height: 40, channels: 3, fill: 'noise', seed: rng.seed() } },
    'labels.json': { type: 'text', text: t.text },
  };
  const argv = ['explain', 'img.png', '--labels', 'labels.json', '--out', 'out'];
  const target = rng.weighted<string[]>([
    [3, ['--class', rng.pick(['circle', 'x', 'c3', '0', '5', 'CIRCLE', ''])]],
    [2, ['--top-k', rng.pick(['2', '6'])]],
    [5, []],
  ]);
  argv.push(...target);
  if (rng.chance(0.3)) argv.push('--json', 'summary.json');
  return { id, kind: 'labels', note: t.note, tags: t.tags, files, argv, expectOutputs: true };
}
