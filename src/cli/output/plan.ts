/**
 * Where a run writes, decided and checked (destination.ts) before any compute: the images (--out, a folder or one image
 * file), the map stack (--save-cam) and the summary (--json). The image names depend on the results, so the image
 * folder is searched now for anything but a file named like an output of this run's inputs, and each name is checked
 * again once known (commit.ts).
 */
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { UsageError } from '../args.js';
import { checkDistinct, checkFile, checkFolder, checkReplaceable } from './destination.js';
import { couldBeOutputOf, stem } from './names.js';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp']);

export interface OutputPlan {
  /** Folders the run creates, parents first. */
  folders: string[];
  images: { dir: string } | { file: string };
  saveCam?: string;
  json?: string;
}

export interface Destinations {
  /** --out: a folder, or an image file where the extension names an image format (and `folderOnly` is unset). */
  out: string;
  folderOnly?: boolean;
  saveCam?: string;
  json?: string;
  /** The input paths, whose stems begin the image names. */
  inputs: readonly string[];
}

export function planOutputs(d: Destinations): OutputPlan {
  const toFile = !d.folderOnly && IMAGE_EXT.has(extname(d.out).toLowerCase());
  const folders = toFile ? checkFile('out', d.out) : checkFolder('out', d.out);
  if (!toFile) checkNoFolderNamedLikeAnOutput(d.out, d.inputs);
  if (d.saveCam !== undefined) folders.push(...checkFile('save-cam', d.saveCam));
  if (d.json !== undefined) folders.push(...checkFile('json', d.json));
  const files: [string, string | undefined][] = [
    ['out', toFile ? d.out : undefined],
    ['save-cam', d.saveCam],
    ['json', d.json],
  ];
  checkDistinct(files.filter((f): f is [string, string] => f[1] !== undefined));
  return {
    // Two destinations in one new folder both ask for it; the shorter path is the parent.
    folders: [...new Set(folders)].sort((a, b) => a.length - b.length),
    images: toFile ? { file: d.out } : { dir: d.out },
    saveCam: d.saveCam,
    json: d.json,
  };
}

/** Where the rendered images go: under their names in the folder, or the one file --out names. */
export function imagePaths(plan: OutputPlan, names: readonly string[]): string[] {
  const { images } = plan;
  if ('dir' in images) return names.map((n) => join(images.dir, n));
  if (names.length !== 1)
    throw new UsageError(
      `--out ${images.file} names one file but there are ${names.length} outputs; pass a folder instead (or --figure with one image).`,
    );
  return [images.file];
}

/** A folder (or FIFO…) in the image folder under a name this run may give a file would fail the run at its end. */
function checkNoFolderNamedLikeAnOutput(dir: string, inputs: readonly string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    // Missing (created later) or not a folder: checkFolder has judged it already.
    return;
  }
  const stems = inputs.map(stem);
  for (const name of names) if (stems.some((s) => couldBeOutputOf(s, name))) checkReplaceable('out', join(dir, name));
}
