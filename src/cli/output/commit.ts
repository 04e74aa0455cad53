/**
 * A set of files written all or nothing: one input's images, a command's outputs. Everything is rendered and encoded in memory first, so only
 * the file system can fail here: the planned folders are created, each file is written atomically (writeFileAtomic),
 * and when one step fails, the files and folders this run made are removed again before the error is reported. A file
 * of the same name from an earlier run that was already replaced stays replaced: the rename took its old content.
 */
import { existsSync, mkdirSync, rmSync, rmdirSync } from 'node:fs';
import { writeFileAtomic } from '../../node.js';
import { osReason } from '../file-kind.js';
import { DestinationError, checkDistinct, checkReplaceable } from './destination.js';

export interface OutputFile {
  /** The flag that chose the destination, without dashes, for messages. */
  flag: string;
  path: string;
  bytes: Uint8Array | string;
}

export function commitOutputs(files: readonly OutputFile[], folders: readonly string[]): void {
  // The names are known only now; a folder may also have appeared at one of them during the compute.
  checkDistinct(files.map((f) => [f.flag, f.path]));
  for (const f of files) checkReplaceable(f.flag, f.path);
  const madeFolders: string[] = [];
  const madeFiles: string[] = [];
  try {
    for (const dir of folders) {
      // One that exists now was made by someone else meanwhile: not this run's to remove.
      if (existsSync(dir)) continue;
      try {
        mkdirSync(dir);
      } catch (e) {
        throw new DestinationError(`Cannot create folder '${dir}': ${osReason(e)}.`);
      }
      madeFolders.push(dir);
    }
    for (const f of files) {
      writeFileAtomic(f.path, f.bytes);
      madeFiles.push(f.path);
    }
  } catch (e) {
    undo(madeFiles, madeFolders);
    throw e;
  }
}

/** Best effort: the error that brought us here is the one to report, not a second one from cleaning up. */
function undo(files: string[], folders: string[]): void {
  for (const f of files) {
    try {
      rmSync(f, { force: true });
    } catch {
      // Left in place; the reported error says the run failed.
    }
  }
  for (const d of folders.reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // Not empty: something other than this run wrote into it meanwhile.
    }
  }
}
