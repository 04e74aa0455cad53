/**
 * Figure captions laid out to fit their panel: wrapped onto further lines after separators, never inside a word, and
 * set smaller only when one word alone is wider than the panel. Platform-free: text widths are estimated from a table,
 * not measured, because the SVG is rendered later by whatever font the system calls sans-serif.
 */

/** Font size of a caption line, in pixels; lines are 18/14 of it apart, the band 4 px taller than its lines. */
export const CAPTION_FONT_PX = 14;

/**
 * Advance widths in em, rounded up from DejaVu Sans (a wide sans-serif, the usual default on Linux; Helvetica and
 * Arial are narrower), so an estimate is never short of the rendered text.
 */
function charEm(c: string): number {
  if (/[ .,:;'!|ijlIJ]/.test(c)) return 0.32;
  if (/[-/()[\]"*frt]/.test(c)) return 0.4;
  if (/[_sz]/.test(c)) return 0.53;
  if (/[mwMW@%]/.test(c)) return 1;
  if (/[A-Z]/.test(c)) return 0.8;
  // Anything outside ASCII (e.g. '×', CJK) may be a full em wide.
  return c.charCodeAt(0) < 128 ? 0.65 : 1;
}

/** Estimated width of `text` in pixels at `fontPx`. */
export function textWidth(text: string, fontPx: number): number {
  let em = 0;
  for (const c of text) em += charEm(c);
  return em * fontPx;
}

/**
 * `text` cut into the pieces a line may end after: a run of spaces, '/', '_', '@', or a '.' that is not a decimal
 * point ('0.912' stays whole, 'layer4.1.relu' may break after 'layer4.1.'); a separator that starts a word is not a
 * break ('/features/' may break only after its second '/').
 */
export function breakPieces(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const decimal = c === '.' && /\d/.test(text[i - 1] ?? '') && /\d/.test(text[i + 1] ?? '');
    // A separator that starts a word ('/features') stays with it.
    const starts = i === 0 || text[i - 1] === ' ';
    const breaks = c === ' ' ? text[i + 1] !== ' ' : !starts && ('/_@'.includes(c) || (c === '.' && !decimal));
    if (breaks && i + 1 < text.length) {
      pieces.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  pieces.push(text.slice(start));
  return pieces.filter((p) => p !== '');
}

/**
 * Greedy wrapping of `text` at its break pieces: each line takes as many pieces as `fits` accepts (spaces at the end
 * of a line are not counted and not kept). A piece `fits` rejects even alone still gets a line of its own: the caller
 * picks a font at which every piece fits (layoutCaption).
 */
export function wrapAtSeparators(text: string, fits: (line: string) => boolean): string[] {
  const lines: string[] = [];
  let line = '';
  for (const piece of breakPieces(text)) {
    const next = line + piece;
    if (line === '' || fits(next.trimEnd())) line = next;
    else {
      lines.push(line.trimEnd());
      line = piece.trimStart();
    }
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}

export interface CaptionLayout {
  lines: string[];
  fontPx: number;
  /** Distance between baselines; the first sits at linePx − 2. */
  linePx: number;
  /** Height of the caption band: 22 px for one line at the full size. */
  height: number;
}

/**
 * A caption's lines for a panel `width` pixels wide (text inset by 2 px on each side), at CAPTION_FONT_PX unless its
 * widest unbreakable piece needs a smaller size to fit at all. No lines when the panel has no room for text.
 */
export function layoutCaption(text: string, width: number): CaptionLayout {
  const room = width - 4;
  const widestEm = Math.max(0, ...breakPieces(text).map((p) => textWidth(p.trim(), 1)));
  const fontPx = widestEm ? Math.min(CAPTION_FONT_PX, Math.floor((room / widestEm) * 10) / 10) : 0;
  if (room <= 0 || fontPx <= 0) return { lines: [], fontPx: CAPTION_FONT_PX, linePx: 0, height: 0 };
  const lines = wrapAtSeparators(text, (line) => textWidth(line, fontPx) <= room);
  const linePx = Math.ceil((fontPx * 18) / CAPTION_FONT_PX);
  return { lines, fontPx, linePx, height: 4 + lines.length * linePx };
}
