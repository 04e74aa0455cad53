/**
 * Image I/O in browsers (pages and workers): decode whatever a page holds to an 8-bit RGB RawImage (DICOM files to a
 * SampleImage, by the platform-free ./dicom.ts), and turn RawImages (heatmaps, overlays) back into something a page
 * can show or save. The browser's own decoders via createImageBitmap, pixels read back through an OffscreenCanvas.
 */
import type { RawImage } from './raw.js';
import type { SampleImage } from './samples.js';
import { isDicom, readDicom } from './dicom.js';
import { ImageReadError } from '../errors.js';
import { GcamError, InvalidInputError } from '../errors.js';

/** What a page may hold an image as: bytes, a Blob/File, a URL to fetch, or an already decoded picture. */
export type WebImageSource = ImageBitmapSource | ArrayBuffer | Uint8Array | string | URL;

/**
 * The colours as the file stores them, as sharp reads them in Node: no colour-profile conversion, no premultiplied
 * alpha (which would darken translucent pixels before the alpha is dropped). EXIF orientation is applied, as
 * createImageBitmap does by default and sharp's autoOrient does.
 */
const BITMAP_OPTIONS: ImageBitmapOptions = { colorSpaceConversion: 'none', premultiplyAlpha: 'none' };

/**
 * Decodes to 8-bit RGB (alpha dropped, gray expanded). A PNG gives the Node entry's readImage bytes exactly
 * (test/browser.test.ts; in Chromium JPEGs matched too, but JPEG decoders may round differently between browsers).
 * Translucent pixels pass through the canvas, whose premultiplied store may round their colours.
 */
export async function decodeImage(source: WebImageSource): Promise<RawImage> {
  requireCanvas();
  const name =
    source instanceof File ? source.name : typeof source === 'string' || source instanceof URL ? String(source) : undefined;
  if (source instanceof ImageData) return toRgb(source, name);
  const what = describe(source);
  const decodable = await bitmapSource(source, what);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(decodable, BITMAP_OPTIONS);
  } catch (e) {
    throw new ImageReadError(`Image ${what} cannot be decoded (${(e as Error).message}); is it a valid PNG/JPEG/WebP/GIF?`, {
      cause: e,
    });
  }
  try {
    const ctx = context2d(new OffscreenCanvas(bitmap.width, bitmap.height));
    ctx.drawImage(bitmap, 0, 0);
    return toRgb(ctx.getImageData(0, 0, bitmap.width, bitmap.height), name);
  } finally {
    bitmap.close();
  }
}

/**
 * decodeImage, except for DICOM files (bytes, a Blob/File or a URL whose bytes carry the 'DICM' marker, or a `.dcm`
 * file or URL), which no browser decodes: they become a SampleImage of their modality values. The browser's own
 * decoders give 8 bits, so a 16-bit PNG arrives rounded here; give a SampleImage to keep its 16 bits.
 */
export async function decodeImageSamples(source: WebImageSource): Promise<RawImage | SampleImage> {
  const what = describe(source);
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    return isDicom(bytes) ? readDicom(bytes, what) : decodeImage(bytes);
  }
  if (typeof source === 'string' || source instanceof URL) return decodeBlob(await fetchBlob(source, what), what, String(source));
  if (source instanceof Blob) return decodeBlob(source, what, source instanceof File ? source.name : undefined);
  return decodeImage(source);
}

/** A Blob's bytes: DICOM by its marker (or a .dcm name), anything else through the browser. */
async function decodeBlob(blob: Blob, what: string, name: string | undefined): Promise<RawImage | SampleImage> {
  const bare = /\.dcm$/i.test(name ?? '');
  if (bare || isDicom(new Uint8Array(await blob.slice(0, 132).arrayBuffer())))
    return readDicom(new Uint8Array(await blob.arrayBuffer()), what, undefined, bare);
  const img = await decodeImage(blob);
  return name === undefined ? img : { ...img, name };
}

/** RGBA pixels for a canvas (putImageData) or an ImageBitmap: opaque unless the image has its own alpha. */
export function toImageData(img: RawImage): ImageData {
  requireCanvas();
  const { width, height, channels: c, data } = img;
  if (c !== 1 && c !== 3 && c !== 4) throw new InvalidInputError(`An image has 1, 3 or 4 channels, not ${c}.`);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, n = width * height; i < n; i++) {
    const p = i * c;
    rgba[i * 4] = data[p];
    rgba[i * 4 + 1] = data[c >= 3 ? p + 1 : p];
    rgba[i * 4 + 2] = data[c >= 3 ? p + 2 : p];
    rgba[i * 4 + 3] = c === 4 ? data[p + 3] : 255;
  }
  return new ImageData(rgba, width, height);
}

/** PNG bytes of an image (e.g. an overlay to download or to show through URL.createObjectURL). */
export async function encodePng(img: RawImage): Promise<Blob> {
  const pixels = toImageData(img);
  const canvas = new OffscreenCanvas(img.width, img.height);
  context2d(canvas).putImageData(pixels, 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

/** Anything createImageBitmap takes: bytes wrapped in a Blob, URLs fetched, <img> elements waited for. */
async function bitmapSource(source: Exclude<WebImageSource, ImageData>, what: string): Promise<ImageBitmapSource> {
  if (typeof source === 'string' || source instanceof URL) return fetchBlob(source, what);
  // The browser sniffs the format from the bytes, so the Blob needs no MIME type.
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return new Blob([source as BlobPart]);
  // createImageBitmap rejects an <img> that has not finished loading; decode() waits for it.
  if (typeof HTMLImageElement !== 'undefined' && source instanceof HTMLImageElement)
    await source.decode().catch((e: unknown) => {
      throw new ImageReadError(`Image ${what} cannot be loaded (${(e as Error).message}).`, { cause: e });
    });
  return source;
}

async function fetchBlob(url: string | URL, what: string): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new ImageReadError(`Image ${what} cannot be fetched (${(e as Error).message}).`, { cause: e });
  }
  if (!res.ok) throw new ImageReadError(`Image ${what} cannot be fetched (HTTP ${res.status} ${res.statusText}).`);
  return res.blob();
}

function toRgb(pixels: ImageData, name: string | undefined): RawImage {
  const n = pixels.width * pixels.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = pixels.data[i * 4];
    rgb[i * 3 + 1] = pixels.data[i * 4 + 1];
    rgb[i * 3 + 2] = pixels.data[i * 4 + 2];
  }
  return { width: pixels.width, height: pixels.height, channels: 3, data: rgb, ...(name !== undefined && { name }) };
}

function describe(source: WebImageSource): string {
  if (typeof source === 'string' || source instanceof URL) return `'${String(source)}'`;
  if (source instanceof File) return `'${source.name}'`;
  if (source instanceof Blob) return `blob (${source.type || 'no type'}, ${source.size} bytes)`;
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return `bytes (${source.byteLength})`;
  return source.constructor.name;
}

/** A 2-D context kept on the CPU (willReadFrequently): decoding reads the pixels back, slow from a GPU canvas. */
function context2d(canvas: OffscreenCanvas): OffscreenCanvasRenderingContext2D {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new GcamError('UNSUPPORTED_PLATFORM', 'This browser gives no 2-D context for an OffscreenCanvas.');
  return ctx;
}

/** Outside a browser these names are missing: say so instead of failing with a ReferenceError. */
function requireCanvas(): void {
  if (typeof OffscreenCanvas === 'undefined' || typeof createImageBitmap === 'undefined' || typeof ImageData === 'undefined')
    throw new GcamError(
      'UNSUPPORTED_PLATFORM',
      "gcam/web's image helpers need a browser page or worker (createImageBitmap, OffscreenCanvas); in Node use the " +
        "'gcam' entry's readImage/writeImage.",
    );
}
