/**
 * External data files of a model loaded from a path. A tensor's `location` is text inside the model, written by
 * whoever made the file, so it may only name a regular file inside the model's own folder or a subfolder of it:
 * absolute paths, '..' and symbolic links that lead out are refused before anything is opened.
 */
import { closeSync, constants, realpathSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep, win32 } from 'node:path';
import { InvalidModelError } from '../errors.js';
import { codeOf, openRegularFile, readRange, type FileError, type OpenFile } from './regular-file.js';

/** A model's files that cannot be used make the model unusable: InvalidModelError. */
export const modelError: FileError = (message, cause) => new InvalidModelError(message, { cause });

/**
 * Refuses a location that is not a relative path going down from the model's folder. Both path flavours count, so a
 * model made on Windows is judged the same on Linux ('C:\x', '\\server\x', '..\x').
 */
function checkLocation(location: string): void {
  const escapes =
    location.includes('\0') ||
    posix.isAbsolute(location) ||
    win32.parse(location).root !== '' ||
    location.split(/[\\/]/).includes('..');
  if (!location || escapes)
    throw new InvalidModelError(
      `external data location '${location}' is not a relative path inside the model's folder (absolute paths and '..' ` +
        `are refused); keep the data file in the model's folder or a subfolder of it and name it relative to the model.`,
    );
}

/** The real path of the regular file a location names, checked to stay inside the model's folder through symlinks. */
function resolveExternalFile(baseDir: string, location: string): string {
  checkLocation(location);
  let base: string;
  try {
    base = realpathSync(baseDir);
  } catch (e) {
    throw modelError(`the model's folder '${baseDir}' cannot be read (${codeOf(e)}).`, e);
  }
  let real: string;
  try {
    real = realpathSync(resolve(base, location));
  } catch (e) {
    const code = codeOf(e);
    throw modelError(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `external data file '${location}' does not exist in '${baseDir}'; keep it next to the model.`
        : `external data file '${location}' cannot be read (${code}).`,
      e,
    );
  }
  const rel = relative(base, real);
  if (!rel || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw modelError(
      `external data location '${location}' is a symbolic link that leads outside the model's folder; ` +
        `put the data file itself in the folder instead.`,
    );
  return real;
}

/** Opens the file a location names: inside the folder, a regular file, its final component no symlink swapped in. */
export function openExternalFile(baseDir: string, location: string): OpenFile & { path: string } {
  const path = resolveExternalFile(baseDir, location);
  return { ...openRegularFile(path, `external data file '${location}'`, modelError, constants.O_NOFOLLOW ?? 0), path };
}

/** Exactly a tensor's bytes, after checking they lie within the file (nothing else of the file is read). */
export function readExternalRange(baseDir: string, location: string, offset: number, length: number): Uint8Array {
  const what = `external data file '${location}'`;
  const file = openExternalFile(baseDir, location);
  try {
    if (offset + length > file.size)
      throw modelError(
        `${what} has ${file.size} bytes but the tensor's data would be bytes ${offset} to ${offset + length}: ` +
          `the file is truncated or belongs to another export; export the model again.`,
      );
    return readRange(file, offset, length, what, modelError);
  } finally {
    closeSync(file.fd);
  }
}
