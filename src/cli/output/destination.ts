/**
 * Whether a run may write at a path, decided before any compute so that a run never fails at its end on a destination
 * it could have refused at its start. A destination may exist only as a regular file (it is replaced); its folder must
 * be, or be creatable inside, a writable folder of an ordinary file system: not /proc, /sys and their kind, which are
 * kernel interfaces rather than storage (creating a folder under /proc even sends Node's recursive mkdir into an
 * endless loop).
 */
import { accessSync, constants, statSync, statfsSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GcamError } from '../../node.js';
import { fileKind, osReason } from '../file-kind.js';

/** A destination the run cannot write: named with its flag, the path and why. */
export class DestinationError extends GcamError {
  constructor(message: string) {
    super('DESTINATION', message);
  }
}

/** Linux pseudo file systems by their statfs magic number (linux/magic.h). */
const PSEUDO_FS = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
  [0x62656570, 'configfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
]);

/** What stands at a path; undefined where nothing does, also when a component on the way is a file (found later). */
function statAt(flag: string, path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new DestinationError(`--${flag}: cannot look at '${path}': ${osReason(e)}.`);
  }
}

/** The name of the pseudo file system a folder is on, if it is on one (the magic numbers are Linux's). */
function pseudoFsOf(flag: string, dir: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return PSEUDO_FS.get(statfsSync(dir).type >>> 0);
  } catch (e) {
    throw new DestinationError(`--${flag}: cannot look at '${dir}': ${osReason(e)}.`);
  }
}

/** Refuses a path that exists as anything but a regular file: a folder, a FIFO, a device. */
export function checkReplaceable(flag: string, path: string): void {
  const st = statAt(flag, path);
  if (st && !st.isFile()) throw new DestinationError(`--${flag}: '${path}' is ${fileKind(st)}, not a file gcam can replace.`);
}

/**
 * Checks that `dir` is, or can be created as, a folder the run may write into. Returns the folders to create, parents
 * first. `shown` is the destination as the user gave it, for the message.
 */
export function checkFolder(flag: string, dir: string, shown = dir): string[] {
  const missing: string[] = [];
  let at = resolve(dir);
  let st = statAt(flag, at);
  // The root always exists, so the walk up ends.
  while (!st && dirname(at) !== at) {
    missing.unshift(at);
    at = dirname(at);
    st = statAt(flag, at);
  }
  if (!st?.isDirectory())
    throw new DestinationError(`--${flag} ${shown}: '${at}' is ${st ? fileKind(st) : 'missing'}, not a folder.`);
  const pseudo = pseudoFsOf(flag, at);
  if (pseudo)
    throw new DestinationError(
      `--${flag} ${shown}: '${at}' is on the ${pseudo} file system, a kernel interface rather than storage.`,
    );
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new DestinationError(`--${flag} ${shown}: folder '${at}' is not writable (${osReason(e)}).`);
  }
  return missing;
}

/** Checks a file destination and its folder; returns the folders to create for it, parents first. */
export function checkFile(flag: string, path: string): string[] {
  checkReplaceable(flag, path);
  return checkFolder(flag, dirname(resolve(path)), path);
}

/** Refuses two outputs of one run at the same path: the later would silently replace the earlier. */
export function checkDistinct(named: readonly [flag: string, path: string][]): void {
  const seen = new Map<string, string>();
  for (const [flag, path] of named) {
    const key = resolve(path);
    const earlier = seen.get(key);
    if (earlier) throw new DestinationError(`--${earlier} and --${flag} both name '${path}'.`);
    seen.set(key, flag);
  }
}
