/**
 * The comparison grid: the same image and class under several methods (at the chosen layer) or several layers (with
 * the chosen method), side by side with the same colormap and opacity. A cell not computed yet shows the image
 * alone; clicking a cell makes its method or layer the one shown large.
 */
import type { ExplainResult, RawImage } from '../web.js';
import { byId, el, fill } from './dom.js';
import { drawImage, drawOverlay, placePeak, type Look } from './draw.js';
import type { Cell } from './explain.js';

export interface GridCell {
  cell: Cell;
  caption: string;
  result?: ExplainResult;
  /** The error of a cell that cannot be computed (the method needs what the layer lacks…). */
  error?: string;
  /** The cell shown large too. */
  current: boolean;
}

/** Grid cells are small: their canvases need no more pixels than this on the longer side. */
const CELL_PIXELS = 320;

export function showGrid(cells: readonly GridCell[], base: RawImage | undefined, look: Look): void {
  const grid = byId('grid');
  grid.hidden = cells.length === 0 || !base;
  if (!base) return fill(grid, []);
  fill(
    grid,
    cells.map((c) => {
      const canvas = el('canvas');
      const marker = el('span', { className: 'peak', hidden: true });
      if (c.result) {
        drawOverlay(canvas, base, c.result, look, CELL_PIXELS);
        placePeak(marker, c.result);
      } else drawImage(canvas, base, CELL_PIXELS);
      const state = c.error ? 'error' : c.result ? 'done' : 'pending';
      const detail = c.error ?? (c.result ? '' : 'computing…');
      return el(
        'figure',
        {
          className: `cell ${state}${c.current ? ' current' : ''}`,
          dataset: { method: c.cell.method, layer: c.cell.layer },
          title: c.error ?? c.caption,
        },
        el('div', { className: 'canvas-wrap' }, canvas, marker),
        el('figcaption', {}, el('strong', { textContent: c.caption }), el('span', { textContent: detail })),
      );
    }),
  );
}

export function mountGrid(onPick: (cell: Cell) => void): void {
  byId('grid').addEventListener('click', (ev) => {
    const fig = (ev.target as Element).closest<HTMLElement>('figure.cell');
    if (fig) onPick({ method: fig.dataset.method as Cell['method'], layer: fig.dataset.layer! });
  });
}
