/**
 * The kinds of model input gcam explains, told by their number of spatial axes: signals [N, C, L], images
 * [N, C, H, W] and volumes [N, C, D, H, W]. Used to name what a model takes and what an input looks like in messages.
 */
export interface InputKind {
  /** 'a signal', 'a 2-D image', 'a volume'. */
  one: string;
  /** 'signals', 'images', 'volumes'. */
  many: string;
  /** One input's axes: '[C, L]', '[C, H, W]', '[C, D, H, W]'. */
  axes: string;
}

const KINDS: Record<number, InputKind> = {
  1: { one: 'a signal', many: 'signals', axes: '[C, L]' },
  2: { one: 'a 2-D image', many: 'images', axes: '[C, H, W]' },
  3: { one: 'a volume', many: 'volumes', axes: '[C, D, H, W]' },
};

/** The kind of input with `spatialAxes` spatial axes (undefined for any other number). */
export function inputKind(spatialAxes: number): InputKind | undefined {
  return KINDS[spatialAxes];
}

/** The kind a model input shape [N, C, ...spatial] takes. */
export function modelKind(inputShape: readonly number[]): InputKind {
  return KINDS[inputShape.length - 2] ?? KINDS[2];
}
