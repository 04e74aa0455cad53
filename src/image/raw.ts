/** An 8-bit image in memory: interleaved channels, row-major. */
export interface RawImage {
  width: number;
  height: number;
  /** 1 (gray), 3 (RGB) or 4 (RGBA) */
  channels: number;
  data: Uint8Array;
  /** Where it came from (file name), for messages and output names. */
  name?: string;
}
