/**
 * The built-in model's description (models/shapes/shapes.json) read into what gcam needs, platform-free: the Node
 * edge (builtin.ts) reads the file, the viewer fetches it, both turn it into the same labels and preprocessing.
 */
import type { PreprocessSpec } from './image/preprocess.js';

export interface ShapesMeta {
  labels: string[];
  input: { size: number; channelOrder: string; range: number; mean: number[]; std: number[] };
}

/** The preprocessing the built-in model was trained with: stretched to its input size, its channel order, range and mean/std. */
export function builtinPreprocess(meta: ShapesMeta): PreprocessSpec {
  const { size, channelOrder, range, mean, std } = meta.input;
  return {
    size: [size, size],
    resize: 'stretch',
    channelOrder: channelOrder.toUpperCase() === 'BGR' ? 'BGR' : 'RGB',
    range: range === 255 ? 255 : 1,
    mean,
    std,
  };
}
