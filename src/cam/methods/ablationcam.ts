/**
 * Ablation-CAM (Desai & Ramaswamy, WACV 2020, eq. 3): w_k = (y − y_k) / y, where y_k is the target score with channel
 * k of the layer set to zero and the layers after it re-run (the tail model, batched); map = Σ_k w_k·A_k.
 * Gradient-free. Dividing by y only rescales all weights of an image (and flips them when y < 0, as the formula says);
 * when y is exactly 0 the division is skipped rather than producing infinities.
 */
import { needLayer } from '../channel-stats.js';
import { layerLayout } from '../gradcam.js';
import type { CamMethod } from '../method.js';

export const ablationcam: CamMethod = {
  name: 'ablationcam',
  title: 'Ablation-CAM',
  reference: 'Desai & Ramaswamy, WACV 2020, eq. 3',
  formula: 'w_k = (y − y_k)/y, y_k = score with channel k zeroed;  map = Σ_k w_k·A_k',
  requires: { layerGradients: false, perturbation: 'ablation' },
  cost: 'one run of the layers after the target per channel, batched by --ablation-batch',
  compute: async (ctx) => {
    const layer = needLayer(ctx.layer, 'ablationcam');
    if (!ctx.tail) throw new Error('gcam internal: ablationcam needs the tail model');
    const { n, c, positions } = layerLayout(layer.dims);
    const per = c * positions;
    const chunk = ctx.settings.ablationBatch;
    const weights = new Float32Array(n * c);
    for (let i = 0; i < n; i++) {
      const acts = layer.activation.subarray(i * per, (i + 1) * per);
      const y = ctx.scores[i];
      const scale = y === 0 ? 1 : y;
      // One buffer of `chunk` copies per image; each chunk zeroes its channels and restores them afterwards, rather
      // than copying the whole layer chunk times over (ResNet-50 layer4: 12.8 MB per chunk of 32).
      const rows = Math.min(chunk, c);
      const full = new Float32Array(rows * per);
      for (let j = 0; j < rows; j++) full.set(acts, j * per);
      for (let start = 0; start < c; start += chunk) {
        const count = Math.min(chunk, c - start);
        const batch = count === rows ? full : full.subarray(0, count * per);
        const channel = (j: number) => j * per + (start + j) * positions;
        for (let j = 0; j < count; j++) batch.fill(0, channel(j), channel(j) + positions);
        const out = await ctx.tail(batch, i);
        for (let j = 0; j < count; j++)
          batch.set(acts.subarray((start + j) * positions, (start + j + 1) * positions), channel(j));
        const k = out.length / count;
        for (let j = 0; j < count; j++) weights[i * c + start + j] = (y - out[j * k + ctx.classes[i]]) / scale;
      }
    }
    return { kind: 'weights', weights };
  },
};
