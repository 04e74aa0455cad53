/**
 * Transformer layers in CAM form: the CAM maths (gradcam.ts) expects [N, C, ...spatial], but vision transformers carry
 * token tensors and channels-last feature maps. Platform-free, on Float32Arrays.
 *
 * - Tokens [N, T, C] (ViT, DeiT; Dosovitskiy et al., arXiv:2010.11929 §3.1): T = P + gh·gw, where the first P tokens
 *   are not image patches (class token, distillation token, registers) and the patch tokens are in row-major grid
 *   order (the patch-embedding conv's [N, C, gh, gw] flattened). The P leading tokens are dropped and the rest arranged
 *   as [N, C, gh, gw], the reshape that pytorch-grad-cam's ViT recipe applies by hand. Without a stated grid, P is the
 *   smallest count (0…MAX_PREFIX_TOKENS) leaving a perfect square, so 1 + 14² → class token + 14×14 and 7² → 7×7
 *   (flattened Swin tokens); a non-square grid must be stated. Sequence-first tokens [T, N, C] (nn.MultiheadAttention
 *   internals) are recognised when the batch size is given.
 * - Channels-last maps [N, H, W, C] (torchvision's Swin stages, Liu et al., arXiv:2103.14030; ConvNeXt's blocks between
 *   their Permutes) are transposed to [N, C, H, W]. A rank-4 layer is taken as channels-last when told so, when its last
 *   axis has the known channel count, or else when only the [H, W] = dims[1..2] reading has the input's aspect ratio
 *   and fits inside the input (see `spatialFits`); otherwise it is NCHW and returned unchanged.
 * The gradient is rearranged exactly like the activation, so Grad-CAM's channel weights (means of dA over the grid)
 * ignore the dropped tokens' gradients.
 */
import { InvalidInputError } from '../errors.js';
import type { LayerValues } from './types.js';

/** How many leading non-patch tokens a grid search tries (class + distillation token + a few registers). */
export const MAX_PREFIX_TOKENS = 8;

export type LayerLayout = 'nchw' | 'nhwc' | 'tokens' | 'tokens-seq-first';

export interface SpatialOptions {
  /** The layout of the layer; default: detected (rank 3 → tokens, rank 4 → NCHW or channels-last, see the header). */
  layout?: LayerLayout | 'auto';
  /** Token grid [gh, gw]; default: the perfect square left after dropping the leading non-patch tokens. */
  grid?: readonly [number, number];
  /** Leading non-patch tokens to drop (class token = 1); default: T − gh·gw for a stated grid, else searched. */
  prefixTokens?: number;
  /** The model input's [H, W], to tell channels-last maps apart (default: square). */
  inputSize?: readonly [number, number];
  /** The layer's channel count when known (e.g. from the model's structure): decides NCHW vs channels-last. */
  channels?: number;
  /** Batch size, to recognise sequence-first tokens [T, N, C]. */
  batch?: number;
}

export interface SpatialLayer extends LayerValues {
  /** [N, C, gh, gw] (or the input's own dims for NCHW / other ranks). */
  dims: number[];
  /** The layout the layer was read as. */
  layout: LayerLayout;
  /** Leading tokens dropped (0 unless tokens). */
  prefixTokens: number;
}

function isSquare(n: number): boolean {
  const r = Math.round(Math.sqrt(n));
  return r * r === n;
}

/** The token grid and the number of leading non-patch tokens for T tokens. */
export function tokenGrid(
  tokens: number,
  options: Pick<SpatialOptions, 'grid' | 'prefixTokens'> = {},
): {
  grid: [number, number];
  prefixTokens: number;
} {
  const { grid, prefixTokens } = options;
  if (prefixTokens !== undefined && !(Number.isInteger(prefixTokens) && prefixTokens >= 0 && prefixTokens < tokens))
    throw new InvalidInputError(
      `prefixTokens must be an integer in [0, ${tokens - 1}] for ${tokens} tokens; got ${prefixTokens}.`,
    );
  if (grid) {
    const [gh, gw] = grid;
    if (!(Number.isInteger(gh) && Number.isInteger(gw) && gh > 0 && gw > 0))
      throw new InvalidInputError(`The token grid must be two positive integers; got [${grid.join(', ')}].`);
    const p = prefixTokens ?? tokens - gh * gw;
    if (p < 0 || p + gh * gw !== tokens)
      throw new InvalidInputError(
        `A ${gh}×${gw} grid${prefixTokens !== undefined ? ` after ${prefixTokens} leading token(s)` : ''} does not fit ${tokens} tokens.`,
      );
    return { grid: [gh, gw], prefixTokens: p };
  }
  const tries =
    prefixTokens !== undefined
      ? [prefixTokens]
      : Array.from({ length: Math.min(MAX_PREFIX_TOKENS, tokens - 1) + 1 }, (_, p) => p);
  for (const p of tries) {
    if (tokens - p > 0 && isSquare(tokens - p)) {
      const g = Math.round(Math.sqrt(tokens - p));
      return { grid: [g, g], prefixTokens: p };
    }
  }
  throw new InvalidInputError(
    prefixTokens !== undefined
      ? `${tokens} tokens less ${prefixTokens} leading token(s) do not form a square grid; state the grid [gh, gw].`
      : `${tokens} tokens do not form a square grid after dropping up to ${MAX_PREFIX_TOKENS} leading (class/register) tokens; ` +
          `state the grid [gh, gw] (e.g. the input size divided by the patch size).`,
  );
}

/**
 * True when h×w could be the spatial size of a feature map of an H×W input: not larger than the input and with its
 * aspect ratio up to one row/column of rounding (|h·W − w·H| ≤ H + W).
 */
export function spatialFits(h: number, w: number, [H, W]: readonly [number, number]): boolean {
  return h <= H && w <= W && Math.abs(h * W - w * H) <= H + W;
}

/** The layout a layer's dims are read as (see the header). */
export function detectLayout(dims: readonly number[], options: SpatialOptions = {}): LayerLayout {
  if (options.layout && options.layout !== 'auto') return options.layout;
  if (dims.length === 3) {
    const { batch } = options;
    return batch !== undefined && dims[0] !== batch && dims[1] === batch ? 'tokens-seq-first' : 'tokens';
  }
  if (dims.length !== 4) return 'nchw';
  const [, a, b, c] = dims;
  if (options.channels !== undefined) return c === options.channels && a !== options.channels ? 'nhwc' : 'nchw';
  // No input size: assume a square input, so channels-last when only the [H, W] = dims[1..2] pair is square.
  if (!options.inputSize) return a === b && b !== c ? 'nhwc' : 'nchw';
  return !spatialFits(b, c, options.inputSize) && spatialFits(a, b, options.inputSize) ? 'nhwc' : 'nchw';
}

/**
 * The layer as [N, C, gh, gw] for the CAM maths: tokens arranged on their grid (leading non-patch tokens dropped),
 * channels-last maps transposed; NCHW layers (and ranks other than 3 and 4) are returned as they are.
 */
export function toSpatialLayer(layer: LayerValues, options: SpatialOptions = {}): SpatialLayer {
  const dims = [...layer.dims];
  const total = dims.reduce((x, y) => x * y, 1);
  if (layer.activation.length !== total || layer.gradient.length !== total)
    throw new InvalidInputError(
      `The layer's activation (${layer.activation.length}) and gradient (${layer.gradient.length}) must both hold ${total} values for dims [${dims.join(', ')}].`,
    );
  const layout = detectLayout(dims, options);
  if (layout === 'nchw') return { ...layer, dims, layout, prefixTokens: 0 };
  if (layout === 'nhwc') {
    if (dims.length !== 4) throw new InvalidInputError(`A channels-last layer must be [N, H, W, C]; got [${dims.join(', ')}].`);
    const [n, h, w, c] = dims;
    const move = (src: Float32Array) => {
      const out = new Float32Array(src.length);
      const hw = h * w;
      for (let i = 0; i < n; i++)
        for (let p = 0; p < hw; p++) {
          const from = (i * hw + p) * c;
          for (let ch = 0; ch < c; ch++) out[(i * c + ch) * hw + p] = src[from + ch];
        }
      return out;
    };
    return { dims: [n, c, h, w], activation: move(layer.activation), gradient: move(layer.gradient), layout, prefixTokens: 0 };
  }
  if (dims.length !== 3) throw new InvalidInputError(`A token layer must be [N, T, C]; got [${dims.join(', ')}].`);
  const seqFirst = layout === 'tokens-seq-first';
  const [n, t, c] = seqFirst ? [dims[1], dims[0], dims[2]] : dims;
  const { grid, prefixTokens } = tokenGrid(t, options);
  const positions = grid[0] * grid[1];
  const move = (src: Float32Array) => {
    const out = new Float32Array(n * c * positions);
    for (let i = 0; i < n; i++)
      for (let p = 0; p < positions; p++) {
        const token = prefixTokens + p;
        const from = seqFirst ? (token * n + i) * c : (i * t + token) * c;
        for (let ch = 0; ch < c; ch++) out[(i * c + ch) * positions + p] = src[from + ch];
      }
    return out;
  };
  return {
    dims: [n, c, grid[0], grid[1]],
    activation: move(layer.activation),
    gradient: move(layer.gradient),
    layout,
    prefixTokens,
  };
}
