/**
 * The one list of target kinds (guarded by a test; documented in docs/targets.md), and the parser of target texts:
 * `KIND[:ARG]`, optionally after `output:NAME+` to explain another output of a multi-output model.
 */
import { InvalidOptionError } from '../errors.js';
import { binaryTarget } from './binary.js';
import { boxTarget } from './box.js';
import { classTarget } from './class.js';
import { detTarget } from './det.js';
import { probTarget } from './prob.js';
import { rawTarget } from './raw.js';
import { segTarget } from './seg.js';
import { similarityTarget } from './similarity.js';
import type { TargetKind } from './types.js';

export const TARGET_KINDS: readonly TargetKind[] = [
  classTarget,
  probTarget,
  binaryTarget,
  rawTarget,
  segTarget,
  similarityTarget,
  boxTarget,
  detTarget,
];

export interface ParsedTarget {
  /** The output named by `output:NAME` (undefined: the first). */
  output?: string;
  /** undefined: `output:NAME` alone (that output's predicted class). */
  kind?: TargetKind;
  arg?: string;
}

const syntaxList = () => [...TARGET_KINDS.map((k) => k.syntax), 'output:NAME[+TARGET]'].join(', ');

export function parseTarget(text: string): ParsedTarget {
  if (typeof text !== 'string' || text.trim() === '')
    throw new InvalidOptionError('target', `must be a target text: ${syntaxList()}.`);
  let rest = text.trim();
  let output: string | undefined;
  if (rest.startsWith('output:')) {
    const plus = rest.indexOf('+');
    output = rest.slice('output:'.length, plus < 0 ? undefined : plus);
    if (!output) throw new InvalidOptionError('target', `'${text}': output:NAME needs the output's name.`);
    if (plus < 0) return { output };
    rest = rest.slice(plus + 1);
  }
  const colon = rest.indexOf(':');
  const name = colon < 0 ? rest : rest.slice(0, colon);
  const kind = TARGET_KINDS.find((k) => k.name === name);
  if (!kind) throw new InvalidOptionError('target', `'${text}': unknown target '${name}'; use ${syntaxList()}.`);
  return { output, kind, arg: colon < 0 ? undefined : rest.slice(colon + 1) };
}
