/**
 * What `gcam explain` is asked to explain, as a list of paths: files as given, folders searched recursively for the
 * extensions gcam reads, glob patterns expanded by gcam itself (so a quoted pattern works on any shell and is not
 * limited by the shell's argument length), `-` for a list of paths on stdin and `--list F` for one in a file. Folder and
 * pattern matches are sorted, so a run explains, names and records its inputs in the same order every time.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { readText } from './inputs.js';
import { UsageError } from './args.js';
import { osReason } from './file-kind.js';

/**
 * The extensions a folder is searched for: the image formats sharp decodes here, DICOM files, .npy tensors and NIfTI
 * volumes. (DICOM files without an extension are read when named, by their 'DICM' marker, but not searched for.)
 */
export const INPUT_EXTENSIONS = [
  'png',
  'jpg',
  'jpeg',
  'webp',
  'tif',
  'tiff',
  'gif',
  'avif',
  'dcm',
  'npy',
  'nii',
  'nii.gz',
] as const;

/** One input path, or an argument that named none (reported like an unreadable file, in its place in the order). */
export type InputEntry = { path: string } | { path: string; error: string };

/** The entries of the command line's input arguments and `--list` file, in order. */
export async function expandInputs(args: readonly string[], listFile?: string): Promise<InputEntry[]> {
  const entries: InputEntry[] = [];
  const named = [...args];
  if (listFile !== undefined) named.push(...listed(readText(listFile)));
  if (named.filter((a) => a === '-').length > 1) throw new UsageError("'-' (paths on stdin) can be given only once.");
  for (const arg of named) {
    if (arg === '-') {
      for (const p of listed(readStdin())) entries.push(...(await expandOne(p)));
    } else entries.push(...(await expandOne(arg)));
  }
  return entries;
}

async function expandOne(arg: string): Promise<InputEntry[]> {
  const st = statSync(arg, { throwIfNoEntry: false });
  if (st?.isDirectory()) return inFolder(arg);
  // A path that exists is taken as it is, even when its name holds glob characters.
  if (st || !isDynamicPattern(arg)) return [{ path: arg }];
  const found = sorted(await glob([arg], { onlyFiles: true, expandDirectories: false, followSymbolicLinks: false }));
  return found.length ? found.map((path) => ({ path })) : [{ path: arg, error: `no file matches the pattern '${arg}'.` }];
}

async function inFolder(dir: string): Promise<InputEntry[]> {
  const pattern = `**/*.{${INPUT_EXTENSIONS.join(',')}}`;
  // Symbolic links to folders are not followed: a link back up the tree would make the walk endless.
  const found = await glob([pattern], {
    cwd: dir,
    onlyFiles: true,
    caseSensitiveMatch: false,
    followSymbolicLinks: false,
    expandDirectories: false,
  });
  if (found.length === 0)
    return [{ path: dir, error: `folder '${dir}' holds no input (${INPUT_EXTENSIONS.map((e) => '.' + e).join(' ')}).` }];
  return sorted(found).map((rel) => ({ path: join(dir, rel) }));
}

/** Code-point order, the same on every machine and locale. */
function sorted(paths: string[]): string[] {
  return paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One path per line; blank lines are ignored, and so is a Windows line end. */
function listed(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');
}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    throw new UsageError(`'-' reads the input paths from stdin, which cannot be read: ${osReason(e)}.`);
  }
}
