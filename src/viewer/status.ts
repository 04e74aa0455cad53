/**
 * The status line (what the page is doing, with a progress bar while the model compiles and runs) and the error
 * panel. Errors are shown as the library's typed messages (a GcamError's name and message say what to do), and
 * anything thrown that no handler caught lands there too, so a failure never leaves a blank or silent page.
 */
import { GcamError } from '../web.js';
import { byId } from './dom.js';

export function busy(text: string, done?: number, total?: number): void {
  byId('status').dataset.state = 'busy';
  byId('status-text').textContent = text;
  const bar = byId<HTMLProgressElement>('progress');
  bar.hidden = false;
  // Without a count the bar is indeterminate (no value attribute): compiling has no steps to count.
  if (done === undefined || !total) bar.removeAttribute('value');
  else {
    bar.max = total;
    bar.value = done;
  }
}

export function ready(text: string): void {
  byId('status').dataset.state = 'ready';
  byId('status-text').textContent = text;
  byId<HTMLProgressElement>('progress').hidden = true;
}

export function showError(e: unknown): void {
  const panel = byId('error');
  const typed = e instanceof GcamError;
  byId('error-name').textContent = typed ? e.name : e instanceof Error ? `Unexpected ${e.name}` : 'Unexpected error';
  byId('error-message').textContent = e instanceof Error ? e.message : String(e);
  panel.hidden = false;
  byId('status').dataset.state = 'error';
  byId('status-text').textContent = 'Something went wrong (see below).';
  byId<HTMLProgressElement>('progress').hidden = true;
  if (!typed) console.error(e);
}

export function clearError(): void {
  byId('error').hidden = true;
}

/** Uncaught errors and rejections of the page's own code reach the panel instead of only the console. */
export function catchStrays(): void {
  window.addEventListener('error', (ev) => showError(ev.error ?? ev.message));
  window.addEventListener('unhandledrejection', (ev) => showError(ev.reason));
  byId('error-close').addEventListener('click', clearError);
}
