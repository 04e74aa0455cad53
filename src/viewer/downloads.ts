/**
 * Saving what is shown, made in the page and handed to the browser's downloads (nothing goes to a server): the
 * overlay as a PNG (the library's overlay(), as `gcam explain` writes it), the map as a float32 .npy [height, width]
 * at the image's resolution (encodeNpy, as --save-cam writes maps), and a JSON manifest of what they are.
 */
import { encodeNpy, encodePng, heatmap, overlay, type ExplainResult } from '../web.js';
import { byId, el } from './dom.js';
import { displayMap, peak, type Look } from './draw.js';
import type { LoadedModel } from './model.js';
import type { PreprocessForm } from './preprocess.js';
import type { ViewerImage } from './state.js';

/** What the large view shows: the downloads describe exactly this. */
export interface Shown {
  result: ExplainResult;
  image: ViewerImage;
  model: LoadedModel;
  look: Look;
  /** The layer as the picker names it (module path or tensor). */
  layerName: string;
  preprocess?: PreprocessForm;
}

/** Letters, digits, dot, dash and underscore: a file name that every system keeps as it is. */
function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[_.]+|_+$/g, '') || 'x';
}

export function fileNames(s: Shown): { overlay: string; map: string; manifest: string } {
  const r = s.result;
  const stem = [
    slug(s.image.name.replace(/\.[^.]*$/, '')),
    slug(r.label ?? `class${r.classIndex}`),
    slug(r.method),
    slug(r.layer === 'input' ? 'input' : s.layerName),
  ].join('-');
  return { overlay: `${stem}.png`, map: `${stem}.npy`, manifest: `${stem}.json` };
}

export function manifestOf(s: Shown): Record<string, unknown> {
  const r = s.result;
  const names = fileNames(s);
  const p = peak(r);
  return {
    tool: 'gcam viewer',
    model: s.model.name,
    image: s.image.name,
    layer: r.layer === 'input' ? 'input' : s.layerName,
    tensor: r.tensor,
    method: r.method,
    class: { index: r.classIndex, label: r.label ?? null },
    score: r.score,
    relu: !s.look.signed,
    colormap: s.look.colormap,
    alpha: s.look.alpha,
    preprocess: s.image.tensor ? 'none (tensor input)' : (s.preprocess ?? null),
    map: { width: r.width, height: r.height, dtype: 'float32', shape: [r.height, r.width], peak: [p.x, p.y], peakValue: p.value },
    files: { overlay: names.overlay, map: names.map },
  };
}

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has started reading the blob by now; the URL is kept a while for slow disks.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function mountDownloads(shown: () => Shown | undefined, onError: (e: unknown) => void): void {
  const on = (id: string, make: (s: Shown) => Promise<void> | void) =>
    byId(id).addEventListener('click', async () => {
      const s = shown();
      if (!s) return;
      try {
        await make(s);
      } catch (e) {
        onError(e);
      }
    });
  on('download-png', async (s) => {
    const r = s.result;
    const base = s.image.display;
    const heat = heatmap(displayMap(r, s.look.signed), r.width, r.height, s.look.colormap);
    save(await encodePng(overlay(base, heat, s.look.alpha)), fileNames(s).overlay);
  });
  on('download-npy', (s) => {
    const r = s.result;
    save(new Blob([encodeNpy(r.map, [r.height, r.width]) as BlobPart], { type: 'application/octet-stream' }), fileNames(s).map);
  });
  on('download-json', (s) => {
    save(new Blob([JSON.stringify(manifestOf(s), null, 2) + '\n'], { type: 'application/json' }), fileNames(s).manifest);
  });
}

export function enableDownloads(on: boolean): void {
  for (const id of ['download-png', 'download-npy', 'download-json']) byId<HTMLButtonElement>(id).disabled = !on;
}
