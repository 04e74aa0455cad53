/** Words for what a path is and why the OS refused it, shared by the checks on inputs and on destinations. */
import type { Stats } from 'node:fs';

/** 'a folder', 'a FIFO'…: what stands at a path, for messages that refuse anything but a regular file. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a file';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'a special file';
}

/** The OS's reason without Node's restatement of the call: "EACCES: permission denied". */
export function osReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? err.message.split(',')[0] : String(err.message ?? e);
}
