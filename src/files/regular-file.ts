/**
 * Opening the files a user names (models, images, external data) as regular files only. A FIFO would block the read
 * forever, /dev/zero or /dev/urandom would fill the memory, and opening some devices has side effects of its own, so
 * the kind is checked with stat before the file is opened, and again on the open descriptor (the path may have been
 * swapped in between).
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import type { GcamError } from '../errors.js';

/** Builds the typed error a caller reports (InvalidModelError, ImageReadError…) from a message that names the file. */
export type FileError = (message: string, cause?: unknown) => GcamError;

export interface OpenFile {
  fd: number;
  size: number;
}

/** What a non-regular file is, in words, for the error message. */
function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'a special file';
}

/** Stat, then open without blocking (a FIFO swapped in after the stat must not hang the open) and check the descriptor. */
export function openRegularFile(path: string, what: string, fail: FileError, flags = 0): OpenFile {
  const before = statOrFail(path, what, fail);
  if (!before.isFile()) throw fail(`${what} is ${kindOf(before)}, not a regular file; pass the file itself.`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0) | flags);
  } catch (e) {
    throw fail(`${what} cannot be opened (${codeOf(e)}).`, e);
  }
  const after = fstatSync(fd);
  if (!after.isFile() || after.ino !== before.ino || after.dev !== before.dev) {
    closeSync(fd);
    throw fail(`${what} was replaced while gcam was opening it; run again once the file is in place.`);
  }
  return { fd, size: after.size };
}

/** Reads `length` bytes at `offset` of an open file; a shorter read means the file shrank under us. */
export function readRange(file: OpenFile, offset: number, length: number, what: string, fail: FileError): Buffer {
  let out: Buffer;
  try {
    out = Buffer.allocUnsafe(length);
  } catch (e) {
    throw fail(`${what} needs ${length} bytes in memory, more than can be allocated here.`, e);
  }
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      n = readSync(file.fd, out, done, length - done, offset + done);
    } catch (e) {
      throw fail(`${what} cannot be read (${codeOf(e)}).`, e);
    }
    if (n === 0) throw fail(`${what} ended after ${done} of ${length} bytes: it changed while gcam was reading it.`);
    done += n;
  }
  return out;
}

/** A size limit and the sentence that says why it exists and what to do instead. */
export interface SizeLimit {
  bytes: number;
  why: string;
}

/** A whole regular file, refused beyond the limit before anything is read. */
export function readRegularFile(path: string, what: string, fail: FileError, limit?: SizeLimit): Buffer {
  const file = openRegularFile(path, what, fail);
  try {
    if (limit && file.size > limit.bytes) throw fail(`${what} is ${file.size} bytes, over ${limit.bytes}: ${limit.why}`);
    return readRange(file, 0, file.size, what, fail);
  } finally {
    closeSync(file.fd);
  }
}

function statOrFail(path: string, what: string, fail: FileError): Stats {
  try {
    return statSync(path);
  } catch (e) {
    const code = codeOf(e);
    throw fail(code === 'ENOENT' || code === 'ENOTDIR' ? `${what} does not exist.` : `${what} cannot be read (${code}).`, e);
  }
}

export function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}
