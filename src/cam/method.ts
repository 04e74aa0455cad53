/**
 * The contract of a CAM method. A method says what the engine must compute for it (`requires`) and turns those values
 * into one of three kinds of result, which the shared code then finishes the same way for every method:
 *  - 'weights'        channel weights w[n,c]; raw map = Σ_c w[n,c]·A[n,c]            (Grad-CAM and kin)
 *  - 'contributions'  per-channel maps K[n,c,p]; raw map = Σ_c K[n,c,p]              (HiResCAM, LayerCAM, …)
 *  - 'projection'     per-channel maps K[n,c,p]; raw map = first principal component (Eigen-CAM, Eigen-Grad-CAM)
 *  - 'input'          a map at the model input's resolution [N, H, W]                (gradient methods on the input)
 * Weights and contributions can also be projected (the 'eigen-smooth' option): K = w·A for weight methods.
 */
import type { LayerValues } from './types.js';

export type MethodName =
  | 'gradcam'
  | 'gradcam++'
  | 'hirescam'
  | 'xgradcam'
  | 'layercam'
  | 'gradcamelementwise'
  | 'eigencam'
  | 'eigengradcam'
  | 'scorecam'
  | 'ablationcam'
  | 'saliency'
  | 'guidedbackprop'
  | 'guidedgradcam';

export interface MethodRequirements {
  /** d(score)/dA at the target layers (the explain model); false: activations only. */
  layerGradients: boolean;
  /** d(score)/d(input): the true gradient or guided backpropagation's. */
  inputGradient?: 'standard' | 'guided';
  /** Forward runs on perturbed data: masked inputs (Score-CAM) or ablated activations (Ablation-CAM). */
  perturbation?: 'input-masks' | 'ablation';
}

/** Forward-only scores [M, numClasses] of M model inputs. */
export type ForwardScores = (inputs: Float32Array) => Promise<Float32Array>;
/** Scores [M, numClasses] computed from M copies of the layer's activations (the layers after it re-run). */
export type TailScores = (activations: Float32Array, row: number) => Promise<Float32Array>;

export interface MethodSettings {
  /** Score-CAM: masked inputs per session run. */
  scoreCamBatch: number;
  /** Score-CAM: only the channels with the largest mean activation (all when undefined). */
  scoreCamChannels?: number;
  /** Ablation-CAM: ablated copies per session run. */
  ablationBatch: number;
}

/** Everything a method may read for a batch of rows (one row = one image and one target class). */
export interface CamContext {
  /** The target layer's A (and dA when requested), [N, C, ...spatial]. Absent for input-level methods. */
  layer?: LayerValues;
  /** d(score)/d(input) [N, Cin, H, W] when requested. */
  inputGradient?: { data: Float32Array; dims: number[] };
  /** The model inputs of the rows [N, Cin, H, W]. */
  input: Float32Array;
  inputDims: number[];
  /** Target class of each row. */
  classes: number[];
  /** Each row's explained score (its class's logit, or output value). */
  scores: Float32Array;
  forward?: ForwardScores;
  tail?: TailScores;
  settings: MethodSettings;
  /** The final Grad-CAM map of the same rows at the input resolution (guided Grad-CAM multiplies by it). */
  gradCamAtInput?: () => Float32Array;
}

export type CamOutput =
  | { kind: 'weights'; weights: Float32Array }
  | { kind: 'contributions'; data: Float32Array }
  | { kind: 'projection'; data: Float32Array }
  | { kind: 'input'; data: Float32Array };

export interface CamMethod {
  name: MethodName;
  title: string;
  /** The paper and equation the implementation follows. */
  reference: string;
  /** The formula as implemented (docs and `gcam methods`). */
  formula: string;
  requires: MethodRequirements;
  /** Relative cost, in words, for docs. */
  cost: string;
  compute(ctx: CamContext): CamOutput | Promise<CamOutput>;
}
