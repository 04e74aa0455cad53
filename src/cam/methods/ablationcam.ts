/**
 * Ablation-CAM (Desai & Ramaswamy, WACV 2020, eq. 3): w_k = (y − y_k) / y, where y_k is the target score with channel
 * k of the layer set to zero and the layers after it re-run (the tail model, batched); map = Σ_k w_k·A_k.
 * Gradient-free. Dividing by y only rescales all weights of an image (and flips them when y < 0, as the formula says);
 * when y is exactly 0 the division is skipped rather than producing infinities.
 */
import { isZeroChannel, needLayer } from '../channel-stats.js';
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
      // A channel that is zero at every position (a dead ReLU unit) is not changed by zeroing it: its y_k is y and its
      // weight 0, exactly (and it adds nothing to the map whatever its weight), so only the other channels are run.
      const live = Array.from({ length: c }, (_, k) => k).filter((k) => !isZeroChannel(acts, k, positions));
      // One buffer of `chunk` copies per image; each chunk zeroes its channels and restores them afterwards, rather
      // than copying the whole layer chunk times over (ResNet-50 layer4: 12.8 MB per chunk of 32).
      const rows = Math.min(chunk, live.length);
      const full = new Float32Array(rows * per);
      for (let j = 0; j < rows; j++) full.set(acts, j * per);
      for (let start = 0; start < live.length; start += chunk) {
        const part = live.slice(start, start + chunk);
        const batch = part.length === rows ? full : full.subarray(0, part.length * per);
        const at = (j: number) => j * per + part[j] * positions;
        part.forEach((_, j) => batch.fill(0, at(j), at(j) + positions));
        const out = await ctx.tail(batch, i);
        part.forEach((k, j) => batch.set(acts.subarray(k * positions, (k + 1) * positions), at(j)));
        const m = out.length / part.length;
        part.forEach((k, j) => (weights[i * c + k] = (y - out[j * m + ctx.classes[i]]) / scale));
      }
    }
    return { kind: 'weights', weights };
  },
};
