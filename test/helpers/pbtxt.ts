/**
 * A strict reader of protobuf text format (Triton's config.pbtxt) for tests: messages `{ … }`, lists `[ … ]`, quoted
 * strings, numbers and enum identifiers; `name [ … ]` and `name { … }` with or without the colon. Every field becomes a
 * list of its values (text format repeats a field by writing it again), so tests say which occurrence they read.
 * Anything else throws with the offending position.
 */
export type PbValue = string | number | PbMessage | PbValue[];
export interface PbMessage {
  [field: string]: PbValue[];
}

const TOKEN = /\s*(?:(#[^\n]*)|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([{}[\]:,]))/y;

export function parsePbtxt(text: string): PbMessage {
  const tokens: { kind: 'string' | 'number' | 'ident' | 'punct'; value: string; at: number }[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length && /\S/.test(text.slice(TOKEN.lastIndex))) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`pbtxt: unexpected text at ${at}: ${JSON.stringify(text.slice(at, at + 20))}`);
    if (m[1]) continue;
    const kind = m[2] ? 'string' : m[3] ? 'number' : m[4] ? 'ident' : 'punct';
    tokens.push({ kind, value: m[2] ?? m[3] ?? m[4] ?? m[5], at });
  }
  let i = 0;
  const peek = () => tokens[i];
  const expect = (v: string) => {
    const t = tokens[i++];
    if (t?.value !== v) throw new Error(`pbtxt: expected '${v}' at ${t?.at ?? 'end'}, got '${t?.value ?? 'end'}'`);
  };
  const scalar = (): PbValue => {
    const t = tokens[i++];
    if (!t) throw new Error('pbtxt: value missing at end');
    if (t.kind === 'string') return JSON.parse(t.value) as string;
    if (t.kind === 'number') return Number(t.value);
    if (t.kind === 'ident') return t.value;
    if (t.value === '{') {
      const m = message('}');
      expect('}');
      return m;
    }
    if (t.value === '[') {
      const list: PbValue[] = [];
      while (peek()?.value !== ']') {
        list.push(scalar());
        if (peek()?.value === ',') i++;
      }
      expect(']');
      return list;
    }
    throw new Error(`pbtxt: unexpected '${t.value}' at ${t.at}`);
  };
  const message = (end?: string): PbMessage => {
    const m: PbMessage = {};
    while (i < tokens.length && peek().value !== end) {
      const name = tokens[i++];
      if (name.kind !== 'ident') throw new Error(`pbtxt: field name expected at ${name.at}, got '${name.value}'`);
      if (peek()?.value === ':') i++;
      (m[name.value] ??= []).push(scalar());
      if (peek()?.value === ',' || peek()?.value === ';') i++;
    }
    return m;
  };
  const root = message();
  if (i !== tokens.length) throw new Error(`pbtxt: trailing '${tokens[i].value}' at ${tokens[i].at}`);
  return root;
}
