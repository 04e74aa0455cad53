/** The --json summary's bytes, made in memory before anything is written (commit.ts writes them). */
import type { OutputFile } from './commit.js';

export function jsonFile(path: string, value: unknown): OutputFile {
  return { flag: 'json', path, bytes: JSON.stringify(value, null, 2) + '\n' };
}
