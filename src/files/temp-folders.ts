/**
 * Private temporary folders (mkdtemp: a fresh name, mode 0700) that are removed when their user is done, and also
 * when the process exits or is interrupted first, so a Ctrl-C during session creation leaves nothing in TMPDIR.
 * The process handlers are installed only while a folder exists: a library must not change how its host handles
 * signals for longer than it needs to.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function removeAll(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  uninstall();
  // With no other listener left, re-raising gives the default action (the exit status a shell expects).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  process.on('exit', removeAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  process.off('exit', removeAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** A new private folder under the system's temporary folder. */
export function makeTempFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (live.size === 0) install();
  live.add(dir);
  return dir;
}

/** Removes a folder made by makeTempFolder, with everything in it. */
export function removeTempFolder(dir: string): void {
  if (!live.delete(dir)) return;
  if (live.size === 0) uninstall();
  rmSync(dir, { recursive: true, force: true });
}
