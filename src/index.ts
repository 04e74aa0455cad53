/** Platform-free public API (no onnxruntime, node:* or DOM imports here). */
export * from './errors.js';
export { decodeModel, type DecodedModel } from './onnx/decode.js';
export { GraphView } from './onnx/graph.js';
export {
  compileExplainModel,
  compileExplainGraph,
  type CompileOptions,
  type GraphCompileOptions,
  type ExplainModel,
} from './autodiff/rewrite.js';
export { Explainer, ExplainerCache, TailRunner, type ExplainRun, type LayerResult, type ExplainerOptions } from './explainer.js';
export type { Runtime, Session, RtTensor, SessionOptions } from './runtime/types.js';
export { createOrtRuntime } from './runtime/ort.js';
export { supportedOps } from './vjp/registry.js';
export { listLayers, resolveLayer, defaultLayer, defaultInputShape, type LayerInfo } from './layers.js';
export { gradCam, gradCamWeights, weightedChannelSum } from './cam/gradcam.js';
export { finalizeMaps, normalizeMinMax, normalizeSigned, relu, resizeBilinear } from './cam/postprocess.js';
export { METHODS, METHOD_NAMES, methodFor } from './cam/methods/index.js';
export type { CamMethod, CamContext, CamOutput, MethodName } from './cam/method.js';
export { firstComponentProjection } from './cam/projection.js';
export { compileTailModel, type TailModel, type TailOptions } from './autodiff/tail.js';
export { preset, planGeometry, toTensor, mapToOriginal, type PreprocessSpec, type Geometry } from './image/preprocess.js';
export type { RawImage } from './image/raw.js';
export { IMAGENET_LABELS } from './labels/imagenet.js';
export { parseLabels, resolveClass, labelsFor } from './labels/labels.js';
