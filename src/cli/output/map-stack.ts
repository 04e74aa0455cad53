/**
 * --save-cam: every map at the model input's resolution, stacked as float32 [N, H, W] ([N, D, H, W] for volumes,
 * [N, L] for signals) in result order, streamed to a file in a private temporary folder as the run goes (memory does
 * not grow with N) and moved into place only when the run is complete. The header is written first with room for any
 * N and rewritten in place at the end; an interrupted run leaves nothing at the destination.
 */
import { closeSync, copyFileSync, constants, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { float32Bytes, npyHeader } from '../../io-npy.js';
import { makeTempFolder, removeTempFolder } from '../../files/temp-folders.js';
import { GcamError } from '../../errors.js';
import { osReason } from '../file-kind.js';

/** Room for the header of any [N, H, W] with N, H and W of up to 15 digits each ([N, D, H, W]: 14 digits each). */
const HEADER_BYTES = 128;

export class MapStackWriter {
  private readonly folder: string;
  private readonly file: string;
  private readonly fd: number;
  private count = 0;
  private size?: number[];

  constructor(readonly path: string) {
    this.folder = makeTempFolder('gcam-save-cam-');
    this.file = join(this.folder, 'maps.npy');
    this.fd = openSync(this.file, 'wx');
    writeSync(this.fd, new Uint8Array(HEADER_BYTES));
  }

  /** `size`: the map's spatial size, [H, W], [D, H, W] or [L]. */
  add(map: Float32Array, size: readonly number[]): void {
    this.size ??= [...size];
    writeSync(this.fd, float32Bytes(map));
    this.count++;
  }

  /** Writes the final header and moves the stack to its destination (a fresh name there, then a rename). */
  commit(): void {
    writeSync(this.fd, npyHeader([this.count, ...(this.size ?? [0, 0])], HEADER_BYTES), 0, HEADER_BYTES, 0);
    closeSync(this.fd);
    const tmp = join(dirname(this.path), `.${basename(this.path)}.${randomBytes(12).toString('hex')}.tmp`);
    try {
      // A copy, since the temporary folder may be on another file system than the destination.
      copyFileSync(this.file, tmp, constants.COPYFILE_EXCL);
      renameSync(tmp, this.path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new GcamError('WRITE_FAILED', `Cannot write '${this.path}': ${osReason(e)}.`, { cause: e });
    } finally {
      removeTempFolder(this.folder);
    }
  }

  /** Drops the stack (the run failed). */
  discard(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Closed by commit already.
    }
    removeTempFolder(this.folder);
  }
}
