/**
 * Where a run writes, decided and checked (destination.ts) before any compute: the images (--out, a folder or one image
 * file), the map stack (--save-cam) and the summary (--json). The image names depend on the results, so the image
 * folder is searched now for anything but a file named like an output of this run's inputs, and each name is checked
 * again once known (commit.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { DestinationError, checkDistinct, checkFile, checkFolder, checkReplaceable } from './destination.js';
import { couldBeOutputOf, stem } from './names.js';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp']);

export interface OutputPlan {
  /** Folders the run creates, parents first. */
  folders: string[];
  images: { dir: string } | { file: string };
  saveCam?: string;
  json?: string;
  /** manifest.jsonl: in the image folder unless --manifest names another file; none for a one-file --out. */
  manifest?: string;
}

export interface Destinations {
  /** --out: a folder, or an image file where the extension names an image format (and `folderOnly` is unset). */
  out: string;
  folderOnly?: boolean;
  saveCam?: string;
  json?: string;
  manifest?: string;
  /** The input paths, whose stems begin the image names. */
  inputs: readonly string[];
  /** Replace existing files (--overwrite); otherwise a run refuses to start where it would replace one. */
  overwrite?: boolean;
  /** Continue the run the manifest records (--resume): its inputs' files are this run's to replace. */
  resume?: boolean;
}

export const MANIFEST_NAME = 'manifest.jsonl';

export function planOutputs(d: Destinations): OutputPlan {
  const toFile = !d.folderOnly && IMAGE_EXT.has(extname(d.out).toLowerCase());
  const folders = toFile ? checkFile('out', d.out) : checkFolder('out', d.out);
  const manifest = d.manifest ?? (toFile || d.folderOnly ? undefined : join(d.out, MANIFEST_NAME));
  const mayReplace = !!d.overwrite;
  if (toFile) checkNotThere('out', d.out, mayReplace);
  else checkImageFolder(d.out, d.inputs, mayReplace || !!d.resume);
  for (const [flag, path] of [
    ['save-cam', d.saveCam],
    ['json', d.json],
  ] as const)
    if (path !== undefined) {
      folders.push(...checkFile(flag, path));
      checkNotThere(flag, path, mayReplace);
    }
  if (manifest !== undefined) {
    if (d.manifest !== undefined) folders.push(...checkFile('manifest', manifest));
    else checkReplaceable('out', manifest);
    // --resume continues the manifest; anything else would start it again.
    if (!d.resume) checkNotThere(d.manifest !== undefined ? 'manifest' : 'out', manifest, mayReplace);
  }
  const files: [string, string | undefined][] = [
    ['out', toFile ? d.out : undefined],
    ['save-cam', d.saveCam],
    ['json', d.json],
    ['manifest', manifest],
  ];
  checkDistinct(files.filter((f): f is [string, string] => f[1] !== undefined));
  return {
    // Two destinations in one new folder both ask for it; the shorter path is the parent.
    folders: [...new Set(folders)].sort((a, b) => a.length - b.length),
    images: toFile ? { file: d.out } : { dir: d.out },
    saveCam: d.saveCam,
    json: d.json,
    manifest,
  };
}

/** An existing file at a destination is replaced only with --overwrite. */
function checkNotThere(flag: string, path: string, mayReplace: boolean): void {
  if (!mayReplace && existsSync(path))
    throw new DestinationError(
      `--${flag}: '${path}' exists; pass --overwrite to replace it${flag === 'out' || flag === 'manifest' ? ', --resume to continue the run it records,' : ''} or choose another path.`,
    );
}

/**
 * The image folder, searched once for anything under a name this run may give a file: a folder (or FIFO…) there
 * would fail the run at that input, and a file from an earlier run would be replaced, which needs --overwrite (or
 * --resume, for the files of the run being continued).
 */
function checkImageFolder(dir: string, inputs: readonly string[], mayReplace: boolean): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    // Missing (created later) or not a folder: checkFolder has judged it already.
    return;
  }
  const stems = new Set(inputs.map((i) => stem(i).toLowerCase()));
  const clashes = names.filter((name) => couldBeOutputOf(stems, name));
  for (const name of clashes) checkReplaceable('out', join(dir, name));
  if (!mayReplace && clashes.length)
    throw new DestinationError(
      `--out ${dir} already holds ${clashes.length === 1 ? `'${clashes[0]}'` : `${clashes.length} files such as '${clashes[0]}'`} that this run may replace; pass --overwrite to replace them, --resume to continue the run recorded there, or choose another --out.`,
    );
}
