/**
 * The platform-free core (`gcam/core`): the whole high-level API without an engine or image codec of its own (no
 * onnxruntime, node:*, sharp or DOM imports here or below; a lint rule keeps it so). The Node and web entries add
 * their runtime and image decoding (node.ts, web.ts) and re-export all of this.
 */
export * from './errors.js';
export * from './limits.js';
export { decodeModel, type DecodedModel } from './onnx/decode.js';
export { GraphView } from './onnx/graph.js';
export {
  compileExplainModel,
  compileExplainGraph,
  type CompileOptions,
  type GraphCompileOptions,
  type ExplainModel,
} from './autodiff/rewrite.js';
export { compileForwardModel, type ForwardModel, type ForwardOptions } from './autodiff/forward.js';
export { compileTailModel, type TailModel, type TailOptions } from './autodiff/tail.js';
export { ExplainSession, type ExplainRun, type LayerResult, type ExplainSessionOptions } from './runtime/explain-session.js';
export { ForwardSession, type ForwardSessionOptions } from './runtime/forward-session.js';
export { TailSession } from './runtime/tail-session.js';
export { SessionCache } from './runtime/session-cache.js';
export type { Runtime, Session, RtTensor, SessionOptions } from './runtime/types.js';
export { createOrtRuntime, type OrtModule } from './runtime/ort.js';
export { supportedOps } from './vjp/registry.js';
export { listLayers, resolveLayer, defaultLayer, defaultInputShape, type LayerInfo } from './layers.js';
export { gradCam, gradCamWeights, weightedChannelSum } from './cam/gradcam.js';
export type { CamMaps, LayerValues } from './cam/types.js';
export {
  averageMaps,
  finalizeMaps,
  finalizeMapsTo,
  normalizeMinMax,
  normalizeSigned,
  relu,
  resizeBilinear,
  resizeLinear,
} from './cam/postprocess.js';
export { readNifti, writeNifti, toWorld, type NiftiVolume } from './volume/nifti.js';
export { applyIntensity, invertIntensity, parseIntensity, type IntensitySpec } from './volume/intensity.js';
export type { VolumeSource } from './volume/prepare.js';
export { softmax, topIndices } from './cam/scores.js';
export { METHODS, METHOD_NAMES, methodFor } from './cam/methods/index.js';
export type { CamMethod, CamContext, CamOutput, MethodName } from './cam/method.js';
export { firstComponentProjection } from './cam/projection.js';
export {
  preset,
  planGeometry,
  prepareImage,
  toTensor,
  mapToOriginal,
  type PreprocessSpec,
  type Geometry,
} from './image/preprocess.js';
export { resizeBilinearAntialiased } from './image/resize.js';
export type { RawImage } from './image/raw.js';
export { displayImage, isSampleImage, type SampleImage } from './image/samples.js';
export { isDicom, readDicom } from './image/dicom.js';
export { heatmap, overlay } from './image/overlay.js';
export { COLORMAPS, colormapLut } from './image/colormap.js';
export { parseNpy, encodeNpy } from './io-npy.js';
export { IMAGENET_LABELS } from './labels/imagenet.js';
export { parseLabels, resolveClass, labelsFor } from './labels/labels.js';
export {
  ImageExplainer,
  createImageExplainer,
  explain,
  explainOnce,
  type CreateOptions,
  type ModelInput,
} from './api/image-explainer.js';
export type {
  ExplainAllOptions,
  ExplainOptions,
  ExplainResult,
  ExplainedInput,
  ImageSource,
  Platform,
  Prediction,
  TargetSpec,
} from './api/options.js';
export { exportExplainModel, EXPORT_NAMES, type ExportOptions, type ExportedModel } from './export/export.js';
export { EXPORT_METHODS, type ExportMethod } from './export/method-graphs.js';
export type { ExportedTensor } from './export/signature.js';
export { tritonConfig, tritonModelName } from './export/triton.js';
export { evaluate, type Annotation, type EvaluateOptions, type Evaluation, type EvaluationRow } from './metrics/evaluate.js';
export { METRICS, METRIC_NAMES, metricsFor } from './metrics/index.js';
export type { Metric, MetricSettings, MetricValue, Region, Curve } from './metrics/metric.js';
export type { SummaryEntry, Recommendation } from './metrics/summary.js';
