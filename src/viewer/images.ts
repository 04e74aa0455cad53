/**
 * Images in the page: photos decoded by the browser (gcam/web's decodeImage: the bytes' own colours, as sharp reads
 * them in Node) and .npy tensors taken as the model input itself, as `gcam explain` takes them. Everything is read
 * from files the user picked or from the server the page came from; nothing is sent anywhere.
 */
import { ImageReadError, decodeImage, parseNpy, type RawImage } from '../web.js';
import { imageId, type ViewerImage } from './state.js';

/** Images from files the user opened or dropped (a batched .npy gives one image per tensor). */
export async function imagesFromFile(file: File): Promise<ViewerImage[]> {
  return imagesFromBytes(new Uint8Array(await file.arrayBuffer()), file.name);
}

/** Images the page's own server lists (`gcam view`'s /user/images/…). */
export async function imagesFromUrl(url: URL, name: string): Promise<ViewerImage[]> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new ImageReadError(`Image '${name}' cannot be fetched (${(e as Error).message}).`, { cause: e });
  }
  if (!res.ok) throw new ImageReadError(`Image '${name}' cannot be fetched (HTTP ${res.status} ${res.statusText}).`);
  return imagesFromBytes(new Uint8Array(await res.arrayBuffer()), name);
}

export async function imagesFromBytes(bytes: Uint8Array, name: string): Promise<ViewerImage[]> {
  if (/\.npy$/i.test(name)) return tensorsOf(bytes, name);
  const photo: RawImage = { ...(await decodeImage(bytes)), name };
  return [{ id: imageId(), name, source: photo, display: photo, tensor: false }];
}

/** [C,H,W] is one input, [N,C,H,W] N inputs named 'x.npy[i]', as the CLI reads them. */
function tensorsOf(bytes: Uint8Array, name: string): ViewerImage[] {
  const arr = parseNpy(bytes, `'${name}'`);
  if (arr.dims.length !== 3 && arr.dims.length !== 4)
    throw new ImageReadError(`'${name}' is [${arr.dims}]: expected [N,C,H,W] or [C,H,W].`);
  const [n, ...chw] = arr.dims.length === 4 ? arr.dims : [1, ...arr.dims];
  const per = chw.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => {
    const tensor = arr.data.subarray(i * per, (i + 1) * per);
    const label = n > 1 ? `${name}[${i}]` : name;
    return { id: imageId(), name: label, source: { tensor, dims: chw, name: label }, display: grayOf(tensor, chw), tensor: true };
  });
}

/** A tensor has no photo: its maps are drawn on its first channel, min-max scaled to gray (as `gcam explain` draws it). */
function grayOf(tensor: Float32Array, [, h, w]: number[]): RawImage {
  const plane = tensor.subarray(0, h * w);
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of plane) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++)
    data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = hi > lo ? Math.round(((plane[i] - lo) / (hi - lo)) * 255) : 0;
  return { width: w, height: h, channels: 3, data };
}
