/** What callers of the explain pipeline pass and get back (types only). */
import type { MethodName } from '../cam/method.js';
import type { LayerLayout } from '../cam/tokens.js';
import type { PreprocessSpec } from '../image/preprocess.js';
import type { RawImage } from '../image/raw.js';
import type { SampleImage } from '../image/samples.js';
import type { Runtime } from '../runtime/types.js';
import type { GcamError } from '../errors.js';
import type { IntensitySpec } from '../volume/intensity.js';
import type { VolumeSource } from '../volume/prepare.js';

/**
 * An image to explain: a decoded image (8-bit RawImage, or a SampleImage of 16-bit or modality values), a file
 * path/bytes (decoded by the platform; DICOM bytes by gcam itself), a preprocessed tensor (a signal [C, L] for signal
 * models), or a volume on its own voxel grid (intensity preset and resampling to the model's size applied by gcam).
 */
export type ImageSource =
  string | Uint8Array | RawImage | SampleImage | { tensor: Float32Array; dims: readonly number[]; name?: string } | VolumeSource;

/** What a platform adds to the core: an inference engine and image decoding (Node: onnxruntime-node + sharp). */
export interface Platform {
  runtime: Runtime;
  /** A path, URL or bytes decoded: 8-bit, or a SampleImage where the platform keeps more (Node: 16-bit PNG/TIFF, DICOM). */
  decodeImage(source: string | Uint8Array): Promise<RawImage | SampleImage>;
  /** Logical cores of the machine, if known: `threads` may be at most 4 per core. */
  cores?: number;
  /** Reads a file a target names (a mask, a reference embedding); absent where the platform has no files. */
  readFile?(path: string): Promise<Uint8Array>;
}

/** A class: its index, or its label text. */
export type TargetSpec = number | string;

export interface ExplainOptions {
  /** Layer names (tensor, node or PyTorch module path); default: the last layer with spatial extent > 1. */
  layers?: readonly string[];
  /**
   * What is explained, as a target text (src/targets/, docs/targets.md): 'class:C', 'prob:C', 'binary[:1|0]',
   * 'raw[:I]', 'seg:C[:mask.png|.npy]', 'similarity:ref.npy', each optionally after 'output:NAME+' (another output of
   * a multi-output model). Replaces classes, classesPerImage and topK. Default: the predicted class.
   */
  target?: string;
  /** The layout of a raw detection output for box:/det: targets (default 'auto': told from its shape). */
  detFormat?: 'auto' | 'yolov8' | 'yolov5';
  /** Classes explained for every image (index or label text). Default: the predicted class. */
  classes?: readonly TargetSpec[];
  /** Per-image classes (one list per image, lengths checked). Overrides `classes`. */
  classesPerImage?: readonly (readonly TargetSpec[])[];
  /** Explain the top-k predicted classes of each image. */
  topK?: number;
  /** The CAM method (default 'gradcam'); see METHODS and docs/methods.md. */
  method?: MethodName;
  /** Average the final maps of flipped and brightness-scaled copies of each input (test-time augmentation). */
  augSmooth?: boolean;
  /** Replace the channel sum by the projection on the first principal component of the weighted activations. */
  eigenSmooth?: boolean;
  /** With several layers: one map per (image, class), the per-layer final maps averaged and normalised again. */
  combineLayers?: boolean;
  /** Score-CAM: masked inputs per session run (default 32). */
  scoreCamBatch?: number;
  /** Score-CAM: score only the channels with the largest mean activation (default: all). */
  scoreCamChannels?: number;
  /** Ablation-CAM: ablated copies per session run (default 32). */
  ablationBatch?: number;
  /** Token layers (vision transformers): the patch grid [rows, columns]; default: the square left after the class token. */
  grid?: [number, number];
  /** The target layers' layout; default 'auto' (rank 3 → tokens; rank 4 → NCHW, or channels-last when detected). */
  layout?: LayerLayout | 'auto';
  /** Apply ReLU to the final map (default true). Without it the map is signed, scaled to [-1, 1] by max |value|. */
  relu?: boolean;
  /**
   * The intensity preset applied to the values of a volume, or of a 2-D image (DICOM, 16-bit or 8-bit), before it is
   * resampled to the model's size ('ct:40,400', 'percentile:0.5,99.5', 'zscore', 'range:0,1', or 'none'; see
   * volume/intensity.ts). Volumes default to 'none'. For 2-D images it replaces the preset's value steps (÷255 or
   * ÷65535, and mean/std unless preprocessOverrides gives them); DICOM images need one.
   * Signal models [N, C, L]: applied to each tensor input, over all its channels together.
   */
  intensity?: string | IntensitySpec;
  /** Preprocessing: a preset name, 'none' (only for tensors), or a full spec. Default 'imagenet'. */
  preprocess?: 'imagenet' | 'caffe' | 'none' | PreprocessSpec;
  /** Fields replacing those of the preset (e.g. a mean, resize mode or channel order of your own training). */
  preprocessOverrides?: Partial<Omit<PreprocessSpec, 'size'>>;
  /** Images per session run (default 8, fewer for inputs over 512×512 RGB; the model's own when it fixes its batch). */
  batchSize?: number;
  /** onnxruntime intra-op threads (default: its own). */
  threads?: number;
  /** Class names (default: ImageNet's for 1000-class models). */
  labels?: readonly string[];
  /** Explain the probabilities instead of the logits when the model ends in Softmax. */
  useProbabilities?: boolean;
  /** Called after each batch with the number of images done and the total (e.g. for a progress bar). */
  onProgress?: (done: number, total: number) => void;
  /** How many top predictions each result lists (default 5). */
  topPredictions?: number;
}

export interface Prediction {
  index: number;
  label?: string;
  /** The model output for this class (a probability when the model ends in Softmax). */
  score: number;
  /** Softmax over the classes' logits, or the output itself when it is a probability already (Softmax/Sigmoid). */
  probability: number;
}

export interface ExplainResult {
  method: MethodName;
  /** Index of the image in the input list. */
  image: number;
  /** File name or a description of the image. */
  source: string;
  classIndex: number;
  label?: string;
  /** The model output for the class (a probability when the model ends in Softmax or Sigmoid). */
  score: number;
  /** The class's logit: the input of a final Softmax/Sigmoid, else the output itself. */
  logit: number;
  /** The class's probability: the output when it is one, else the softmax of the logits (for classifiers). */
  probability: number;
  /** The layer as the user named it, and the tensor it resolved to ('input' for input-gradient methods; names joined
   * by '+' for combined layers). */
  layer: string;
  tensor: string;
  /**
   * The map on the image at its own resolution: [0, 1] (or [-1, 1] with relu off), like inputMap. Row-major
   * [height, width]; for volumes [depth, height, width] (tensor axes 2, 3, 4; a NIfTI's voxel axes i, j, k) on the
   * volume's own voxel grid; for signals [length] (tensor axis 2), with width = length and height = 1.
   */
  map: Float32Array;
  width: number;
  height: number;
  /** Volumes only: the map's extent along tensor axis 2 (absent for 2-D images, as inputDepth and layerDepth). */
  depth?: number;
  /** Signals [N, C, L] only: the map's length L (absent for images and volumes, as inputLength and layerLength). */
  length?: number;
  /** The final map at the model input's resolution: normalised at the layer, upsampled, normalised again. */
  inputMap: Float32Array;
  inputWidth: number;
  inputHeight: number;
  inputDepth?: number;
  inputLength?: number;
  /** The map at the layer's resolution before upsampling (after ReLU/normalisation). */
  layerMap: Float32Array;
  layerWidth: number;
  layerHeight: number;
  layerDepth?: number;
  layerLength?: number;
  /** True when the map was constant (returned as zeros): the class has no gradient signal at this layer. */
  constant: boolean;
  /**
   * The target explained when the `target` option names one other than class:C: its text, and f(output) as the
   * forward run computed it (also in `score`; `logit` and `probability` are NaN, `classIndex` the target's class or -1).
   */
  target?: string;
  /** The box explained by a box:/det: target: x1, y1, x2, y2 in model-input pixels. */
  box?: [number, number, number, number];
  /** That box on the image at its own resolution (the pixels of `map`). */
  imageBox?: [number, number, number, number];
  /** The pixels a seg: target sums over, on the image at its own resolution (1 inside, 0 outside; like `map`). */
  mask?: Uint8Array;
  predictions: Prediction[];
  warnings: string[];
}

/** explainAll's options: those of explain(), less per-image classes (they need the whole list). */
export interface ExplainAllOptions extends Omit<ExplainOptions, 'onProgress'> {
  /** Yield an input that cannot be read or prepared with its error, and go on, instead of ending the run. */
  skipUnreadable?: boolean;
}

/** One input of explainAll, as soon as its batch is done. */
export interface ExplainedInput {
  /** Its position in the stream of sources. */
  index: number;
  source: string;
  /** One per (class, layer), as explain() gives them; `image` is `index`. Empty when `error` is set. */
  results: ExplainResult[];
  /** Why it was skipped (only with skipUnreadable). */
  error?: GcamError;
}
