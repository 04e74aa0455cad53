/** Where things are: the repository root (so the fuzzer runs from any working folder) and the findings folder. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_MAIN = join(ROOT, 'src/cli/main.ts');
/** tsx's loader by absolute URL: cases run with their own folder as working directory, where 'tsx' would not resolve. */
export const TSX_LOADER = import.meta.resolve('tsx');
/** Preloaded after tsx in every case's process (see there). */
export const CASE_TMP_PRELOAD = new URL('./case-tmp.mjs', import.meta.url).href;
export const FINDINGS_DIR = join(ROOT, '.cache/fuzz/findings');
