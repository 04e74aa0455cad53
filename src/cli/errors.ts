/** How a failure reaches the user: one line on stderr and an exit code (1 failure, 2 bad usage or bad input). */
import { GcamError } from '../node.js';

export function reportError(e: unknown): number {
  if (e instanceof GcamError) {
    console.error(`gcam: ${e.message}`);
    return e.code === 'RUNTIME' || e.code === 'WRITE_FAILED' ? 1 : 2;
  }
  console.error(`gcam: unexpected failure: ${(e as Error).stack ?? e}`);
  return 1;
}
