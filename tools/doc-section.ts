/** Rewrites the generated part of a docs file: the text between a BEGIN and an END marker line. */
import { readFileSync, writeFileSync } from 'node:fs';

export function writeDocSection(doc: URL, begin: string, end: string, body: string): void {
  const text = readFileSync(doc, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${doc.pathname} lacks the markers ${begin} … ${end}`);
  writeFileSync(doc, `${text.slice(0, a + begin.length)}\n${body}\n${text.slice(b)}`);
}
