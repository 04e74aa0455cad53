/** The values every CAM computation passes around: one layer's A and dA, and maps per image. */
/** One target layer's values: A and dA with the same dims [N, C, ...spatial] (LayerResult fits). */
export interface LayerValues {
  dims: readonly number[];
  activation: Float32Array;
  gradient: Float32Array;
}

export interface CamMaps {
  /** [N, ...spatial], row-major: one map per image. */
  data: Float32Array;
  /** [N, ...spatial] */
  dims: number[];
}
