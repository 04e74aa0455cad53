/**
 * The runtime's view of an explain model whose weights live in external files. onnxruntime resolves each `location`
 * relative to the model file and refuses any that leaves its folder (symlinks included), but the explain model exists
 * only in memory. So it is written into a fresh private temporary folder, next to hard links to the data files (no
 * copy), or copies where a hard link is impossible (another file system, protected_hardlinks). Everything is created
 * exclusively inside that folder: nothing of the user's is deleted or replaced, and nothing is written beside the model.
 */
import { closeSync, existsSync, fstatSync, linkSync, lstatSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GcamError, InvalidModelError, RuntimeError } from '../errors.js';
import type { ExternalDataPlacer } from '../runtime/ort.js';
import { modelError, openExternalFile } from './external-file.js';
import { codeOf, readRange, type OpenFile } from './regular-file.js';
import { makeTempFolder, removeTempFolder } from './temp-folders.js';

const COPY_CHUNK = 1 << 24;

export const placeExternalData: ExternalDataPlacer = (model, ext) => {
  const dir = makeTempFolder('gcam-explain-');
  try {
    const placed = new Set<string>();
    for (const location of ext.files) {
      // Checked (relative, no '..', inside the folder) before it is joined to anything.
      const source = openExternalFile(ext.baseDir, location);
      try {
        const target = join(dir, location);
        if (placed.has(target)) continue;
        mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
        placeFile(source, target, location);
        placed.add(target);
      } finally {
        closeSync(source.fd);
      }
    }
    let name = 'model.onnx';
    for (let i = 1; existsSync(join(dir, name)); i++) name = `model-${i}.onnx`;
    const path = join(dir, name);
    writeFileSync(path, model, { flag: 'wx', mode: 0o600 });
    return { path, cleanup: () => removeTempFolder(dir) };
  } catch (e) {
    removeTempFolder(dir);
    // Normally loadModel has checked every location already; this names the folder for a hand-built model.
    if (e instanceof InvalidModelError) throw new InvalidModelError(`The model in '${ext.baseDir}': ${e.message}`, { cause: e });
    if (e instanceof GcamError) throw e;
    throw new RuntimeError(
      `Cannot prepare the explain model and its external data in a temporary folder (${codeOf(e)}); ` +
        `free some space in ${dirname(dir)} or point TMPDIR at a folder with room.`,
      { cause: e },
    );
  }
};

/** A hard link to the opened file (checked to be that very file), or a copy of its bytes when linking fails. */
function placeFile(source: OpenFile & { path: string }, target: string, location: string): void {
  try {
    linkSync(source.path, target);
  } catch {
    copyFile(source, target, location);
    return;
  }
  const linked = lstatSync(target);
  const opened = fstatSync(source.fd);
  if (!linked.isFile() || linked.ino !== opened.ino || linked.dev !== opened.dev)
    throw new InvalidModelError(`external data file '${location}' was replaced while gcam was reading it; run again.`);
}

function copyFile(source: OpenFile, target: string, location: string): void {
  const out = openSync(target, 'wx', 0o600);
  const what = `external data file '${location}'`;
  try {
    for (let at = 0; at < source.size; at += COPY_CHUNK) {
      const bytes = readRange(source, at, Math.min(COPY_CHUNK, source.size - at), what, modelError);
      writeFileSync(out, bytes);
    }
  } finally {
    closeSync(out);
  }
}
