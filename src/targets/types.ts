/**
 * A target is a scalar function f of one image's output; the explain run is seeded with df/d(scores) at that image's
 * scores, so that dA = df/dA. Linear targets (a class, a fixed mask, the raw output) have a constant seed; the others
 * (a mask chosen by the prediction, a probability, a cosine similarity) take the scores of a forward run first.
 */
import type { OutputActivation } from '../autodiff/rewrite.js';
import type { SampleImage } from '../image/samples.js';
import type { RawImage } from '../image/raw.js';
import type { DetFormat, Detection } from './detections.js';

/** The explained output, as a target sees it. */
export interface OutputFacts {
  /** The model output's name. */
  name: string;
  /** The score tensor's shape per image (batch axis dropped): [K] for classifiers, [classes, H, W] for segmentation. */
  dims: readonly number[];
  /** What turns the logits into the output when the model ends in Softmax/Sigmoid ('none': the output itself). */
  activation: OutputActivation;
  labels?: readonly string[];
  /** The layout of a raw detection output, when given rather than told from its shape. */
  detFormat?: DetFormat;
}

/** A target bound to an output. */
export interface Target {
  /** As the user can type it again ('seg:3', 'similarity:ref.npy'). */
  text: string;
  /**
   * Which tensor f reads: 'logits' (under a final Softmax/Sigmoid, the model output otherwise) or 'output' (the
   * model output itself, also when it is a probability).
   */
  reads: 'logits' | 'output';
  /** The class a class-like target explains. */
  classIndex?: number;
  /** True when the seed depends on the scores (a forward run comes first). */
  needsScores: boolean;
  /** df/ds at one image's scores s (flattened score tensor); `s` is absent when needsScores is false. */
  seed(s: Float32Array | undefined): Float32Array;
  /** f(s). */
  value(s: Float32Array): number;
  /** The pixels a seg target sums over: 0/1 at the output's resolution, for figures and results. */
  region?(s: Float32Array): { data: Float32Array; width: number; height: number };
  /** The detection explained (box and det targets), for figures and results. */
  detection?(s: Float32Array): Detection;
}

/** Files a target names (masks, reference embeddings), read by the platform. */
export interface TargetFiles {
  readArray(path: string): Promise<{ data: Float32Array; dims: number[] }>;
  /** 8-bit, or the samples of a 16-bit file (a 16-bit mask keeps its 1s). */
  readImage(path: string): Promise<RawImage | SampleImage>;
}

export interface TargetKind {
  /** The prefix before the first ':'. */
  name: string;
  /** The accepted forms, for help texts and errors. */
  syntax: string;
  summary: string;
  /** `arg`: the text after 'name:' (undefined when there is none). */
  bind(arg: string | undefined, output: OutputFacts, files: TargetFiles): Target | Promise<Target>;
}
