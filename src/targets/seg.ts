/**
 * seg:C[:mask] — semantic segmentation, output [N, classes, H, W]: f = Σ_p s[C, p]·m[p], the scores of class C summed
 * over the pixels p of a mask m. Without a mask file, m is where C wins (argmax over the classes = C, first maximum
 * on ties), taken from a forward run and then held fixed, so df/ds = m on channel C and 0 elsewhere (pytorch-grad-cam's
 * SemanticSegmentationTarget with mask = argmax == C). A mask file (.png: nonzero pixels of its first channel; .npy:
 * nonzero values, [H, W]) must have the output's H×W.
 */
import { InvalidOptionError } from '../errors.js';
import { isSampleImage } from '../image/samples.js';
import { classOf, perImage, shapeText } from './checks.js';
import type { OutputFacts, TargetFiles, TargetKind } from './types.js';

async function readMask(path: string, h: number, w: number, files: TargetFiles): Promise<Float32Array> {
  const bad = (got: string) =>
    new InvalidOptionError(
      'target',
      `The mask '${path}' is ${got} but the segmentation output is ${h}×${w} (height × width): give a mask of the output's size.`,
    );
  if (/\.npy$/i.test(path)) {
    const { data, dims } = await files.readArray(path);
    const spatial = dims.filter((d, i) => !(d === 1 && i < dims.length - 2));
    if (spatial.length !== 2 || spatial[0] !== h || spatial[1] !== w) throw bad(`[${dims.join(', ')}]`);
    return Float32Array.from(data, (v) => (v !== 0 ? 1 : 0));
  }
  if (!/\.png$/i.test(path))
    throw new InvalidOptionError('target', `The mask '${path}' must be a .png image or a .npy array of ${h}×${w}.`);
  const img = await files.readImage(path);
  if (img.width !== w || img.height !== h) throw bad(`${img.height}×${img.width}`);
  const first = isSampleImage(img) ? img.samples : img.data;
  return Float32Array.from({ length: h * w }, (_, p) => (first[p * img.channels] !== 0 ? 1 : 0));
}

/** 1 where class c has the highest score (first maximum), per pixel of a [classes, H·W] score block. */
export function winnerMask(s: Float32Array, classes: number, pixels: number, c: number): Float32Array {
  const m = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (s[k * pixels + p] > s[best * pixels + p]) best = k;
    m[p] = best === c ? 1 : 0;
  }
  return m;
}

function checkSegmentation(output: OutputFacts, arg: string | undefined): void {
  if (output.dims.length !== 3)
    throw new InvalidOptionError(
      'target',
      `'seg:${arg ?? ''}' needs a segmentation output [N, classes, H, W]; output '${output.name}' is ${shapeText(output)}` +
        (output.dims.length === 1 ? ': use class:C for a classifier.' : '.'),
    );
}

export const segTarget: TargetKind = {
  name: 'seg',
  syntax: 'seg:C[:mask.png|mask.npy]',
  summary: "semantic segmentation: class C's scores summed over the pixels where C wins, or over a given mask",
  async bind(arg, output, files) {
    checkSegmentation(output, arg);
    const split = arg?.indexOf(':') ?? -1;
    const cls = split < 0 ? arg : arg!.slice(0, split);
    const maskFile = split < 0 ? undefined : arg!.slice(split + 1);
    const [classes, h, w] = output.dims;
    const c = classOf(cls, { ...output, dims: [classes] }, 'seg');
    const pixels = h * w;
    const fixed = maskFile ? await readMask(maskFile, h, w, files) : undefined;
    const maskOf = (s: Float32Array | undefined) => fixed ?? winnerMask(s!, classes, pixels, c);
    return {
      text: `seg:${c}${maskFile ? `:${maskFile}` : ''}`,
      reads: 'logits',
      classIndex: c,
      needsScores: !fixed,
      region: (s) => ({ data: maskOf(s), width: w, height: h }),
      seed: (s) => {
        const g = new Float32Array(perImage(output));
        g.set(maskOf(s), c * pixels);
        return g;
      },
      value: (s) => {
        const m = maskOf(s);
        let v = 0;
        for (let p = 0; p < pixels; p++) v += s[c * pixels + p] * m[p];
        return v;
      },
    };
  },
};
