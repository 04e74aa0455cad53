/**
 * Score-CAM (Wang et al. 2020, arXiv:1910.01279, eqs. 5–8 / Algorithm 1). For each channel k of the layer:
 *   M_k = the channel upsampled to the input size (bilinear with corners aligned, see below), min-max normalised;
 *   s_k = the target score of the model on input ⊙ M_k (a forward pass, batched);
 *   w = softmax_k(s) (computed stably: max subtracted, so large logits cannot overflow);  map = Σ_k w_k·A_k.
 * Gradient-free. `scoreCamChannels` keeps only the channels with the largest mean activation (the others weigh 0),
 * which is the usual way to make it affordable on wide layers.
 * The paper leaves the upsampling open; the reference implementations (pytorch-grad-cam's nn.UpsamplingBilinear2d)
 * align corners, and the Toy2 golden weights of test/cam-methods-toy.test.ts were measured that way, so the masks
 * align corners too (the final maps keep gcam's half-pixel convention); volumes' masks are trilinear and signals'
 * linear the same way.
 */
import { InvalidInputError } from '../../errors.js';
import { isZeroChannel, needLayer } from '../channel-stats.js';
import { layerLayout } from '../gradcam.js';
import type { CamMethod } from '../method.js';
import { MaskedInputs } from '../score-masks.js';
import { softmax } from '../scores.js';

export const scorecam: CamMethod = {
  name: 'scorecam',
  title: 'Score-CAM',
  reference: 'Wang et al. 2020, arXiv:1910.01279, eqs. 5–8',
  formula: 'M_k = minmax(upsample(A_k));  s_k = y(x ⊙ M_k);  w = softmax_k(s);  map = Σ_k w_k·A_k',
  requires: { layerGradients: false, perturbation: 'input-masks' },
  cost: 'one forward run per channel (or per kept channel), batched by --score-cam-batch',
  compute: async (ctx) => {
    const layer = needLayer(ctx.layer, 'scorecam');
    if (!ctx.forward) throw new Error('gcam internal: scorecam needs forward runs');
    const { n, c, positions, spatial } = layerLayout(layer.dims);
    const [, cin, ...size] = ctx.inputDims;
    if (spatial.length !== size.length)
      throw new InvalidInputError(
        `Score-CAM needs a layer with the input's ${size.length} spatial axes ([N, C, ${{ 1: 'l', 3: 'd, h, w' }[size.length] ?? 'h, w'}]); got [${layer.dims.join(', ')}].`,
      );
    const pixels = size.reduce((a, b) => a * b, 1);
    const per = cin * pixels;
    const keep = ctx.settings.scoreCamChannels;
    const chunk = ctx.settings.scoreCamBatch;
    const weights = new Float32Array(n * c);
    // One buffer of masked inputs for every chunk, each mask written into it as it is made (cam/score-masks.ts): the
    // whole layer upsampled at once would be C input-sized maps (2048 × 224 × 224 floats, 411 MB, for ResNet-50's
    // last block).
    const batch = new Float32Array(Math.min(chunk, c) * per);
    const masked = new MaskedInputs(spatial, size, cin);
    for (let i = 0; i < n; i++) {
      const acts = layer.activation.subarray(i * c * positions, (i + 1) * c * positions);
      const kept = keptChannels(acts, c, positions, keep);
      const image = ctx.input.subarray(i * per, (i + 1) * per);
      // A channel that is zero everywhere (a dead ReLU unit, common in trained networks) has an all-zero mask, exactly:
      // its masked input is the zero image, whatever the channel. That input is scored once for all of them.
      const dead = kept.filter((k) => isZeroChannel(acts, k, positions));
      const channels = dead.length > 1 ? kept.filter((k) => !isZeroChannel(acts, k, positions)) : kept;
      const scores = new Float64Array(channels.length);
      for (let start = 0; start < channels.length; start += chunk) {
        const part = channels.slice(start, start + chunk);
        part.forEach((k, j) => masked.fill(batch, j, acts.subarray(k * positions, (k + 1) * positions), image));
        const out = await ctx.forward(batch.subarray(0, part.length * per));
        const k = out.length / part.length;
        part.forEach((_, j) => (scores[start + j] = out[j * k + ctx.classes[i]]));
      }
      const all = channels === kept ? scores : await withDeadScores(ctx, per, kept, channels, scores, ctx.classes[i]);
      const soft = softmax(all);
      kept.forEach((k, j) => (weights[i * c + k] = soft[j]));
    }
    return { kind: 'weights', weights };
  },
};

/** The scores of every kept channel, in their order: the scored ones as given, the dead ones the zero image's score. */
async function withDeadScores(
  ctx: Parameters<CamMethod['compute']>[0],
  per: number,
  kept: readonly number[],
  scored: readonly number[],
  scores: Float64Array,
  target: number,
): Promise<Float64Array> {
  const zero = (await ctx.forward!(new Float32Array(per)))[target];
  const at = new Map(scored.map((k, j) => [k, scores[j]]));
  return Float64Array.from(kept, (k) => at.get(k) ?? zero);
}

/** The channels scored: all, or the `keep` with the largest mean activation (ties by index). */
function keptChannels(acts: Float32Array, c: number, positions: number, keep?: number): number[] {
  const all = Array.from({ length: c }, (_, k) => k);
  if (keep === undefined || keep >= c) return all;
  const mean = all.map((k) => {
    let s = 0;
    for (let p = 0; p < positions; p++) s += acts[k * positions + p];
    return s / positions;
  });
  return all
    .sort((a, b) => mean[b] - mean[a] || a - b)
    .slice(0, keep)
    .sort((a, b) => a - b);
}
