/**
 * The caps that keep a small hostile input (a tiny PNG of a huge size, a short .npy or labels header, a model
 * declaring a huge input) from costing gigabytes: one place for all of them, each with the reason for its value.
 * docs/limits.md lists them with the error each one gives.
 */

/**
 * Most pixels (width × height) of an image to preprocess, unless `PreprocessSpec.maxInputPixels` says otherwise:
 * sharp's own default `limitInputPixels` (16383²), so the core refuses what sharp in Node refuses by default.
 */
export const MAX_INPUT_PIXELS = 268_402_689;

/**
 * Most longer side / shorter side of an image to preprocess. The resampler's tap tables grow with the longer side;
 * with MAX_INPUT_PIXELS this bounds it by √(268 402 689 · 100 000) ≈ 5.2 million pixels (tables of at most ~45 MB).
 */
export const MAX_ASPECT_RATIO = 100_000;

/**
 * Most pixels on a side of the resized image a centre crop is cut from (it is never built, only the crop is): PIL
 * stores sides as C ints, so torchvision could not make a larger one, and positions stay exact integers.
 */
export const MAX_RESIZED_SIDE = 2 ** 31 - 1;

/** Most elements of one tensor gcam allocates or asks onnxruntime for (the model input, a probed tensor, a .npy array): 1 GiB of float32. */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

/**
 * Most elements of all the tensors that measuring a model's layers holds at once, for one image (the shape probe
 * fetches every node output in one run): 1 GiB of float32, about 2 GB resident once onnxruntime's arena is counted
 * (measured: ResNet-18 at 2000×2000 holds 4.7·10⁸ elements and peaks at 3.8 GB). ResNet-18 fits up to about 1500×1500.
 */
export const MAX_PROBE_ELEMENTS = 2 ** 28;

/**
 * Most pixels (H·W) of an input measured without a trial run at 224×224 first, i.e. of a model that runs only at its
 * own size: 16·224² (896×896). Measuring every layer holds them all at once, about 1 KB per input pixel for
 * ResNet-18 (2.3 GB at 1500×1500), so this keeps such a probe near 1 GB.
 */
export const MAX_UNSCOUTED_PIXELS = 16 * 224 * 224;

/** Largest fixed batch a model may declare: gcam runs that many images at once. Larger models are re-exported with a dynamic batch. */
export const MAX_FIXED_BATCH = 64;

/** Most classes a labels file may name (indices 0 … MAX_LABELS − 1). */
export const MAX_LABELS = 1_000_000;

/**
 * Most input elements of one default batch: the default batch size (8) shrinks for large inputs so that a batch's
 * activations stay in the same range as the probe's (8 ImageNet images are 1.2·10⁶ elements; a 1024×1024 RGB input
 * runs one at a time). A batchSize given by the caller is taken as given.
 */
export const MAX_DEFAULT_BATCH_ELEMENTS = 2 ** 22;
