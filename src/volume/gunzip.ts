/**
 * Inflating a .nii.gz only as far as it is needed. A gzip stream says nothing of its inflated size until its end,
 * and a few kilobytes of gzip can inflate to gigabytes (a flat volume compresses about 1000:1), so the header is
 * inflated first, the size it declares checked, and then only that many bytes: the rest of the stream is never
 * inflated, whatever it holds.
 */
import { Gunzip } from 'fflate';

/** Compressed bytes handed to the inflater at a time: the overshoot past `limit` is at most about 1000 times that. */
const STEP = 1 << 14;

/**
 * The first `limit` bytes of the gzip stream `bytes` inflated (fewer when the stream holds fewer: the caller's size
 * checks then say it is truncated). Throws fflate's error for a damaged stream, or one that ends before `limit`
 * bytes and before its own end (a cut file).
 */
export function gunzipUpTo(bytes: Uint8Array, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let have = 0;
  const g = new Gunzip((chunk) => {
    chunks.push(chunk);
    have += chunk.length;
  });
  for (let at = 0; at < bytes.length && have < limit; at += STEP)
    g.push(bytes.subarray(at, at + STEP), at + STEP >= bytes.length);
  const out = new Uint8Array(Math.min(have, limit));
  let at = 0;
  for (const c of chunks) {
    if (at >= out.length) break;
    out.set(c.subarray(0, out.length - at), at);
    at += c.length;
  }
  return out;
}
