/** Every gradient rule gcam has, one per ONNX op type. Adding a rule = adding its file and one line here. */
import type { VjpRule } from './types.js';
import { add } from './add.js';
import { averagePool } from './average-pool.js';
import { batchNormalization } from './batch-normalization.js';
import { clip } from './clip.js';
import { concat } from './concat.js';
import { conv } from './conv.js';
import { convTranspose } from './conv-transpose.js';
import { div } from './div.js';
import { dropout } from './dropout.js';
import { erf } from './erf.js';
import { flatten } from './flatten.js';
import { gather } from './gather.js';
import { gemm } from './gemm.js';
import { globalAveragePool } from './global-average-pool.js';
import { globalMaxPool } from './global-max-pool.js';
import { hardSigmoid } from './hard-sigmoid.js';
import { hardSwish } from './hard-swish.js';
import { identity } from './identity.js';
import { layerNormalization } from './layer-normalization.js';
import { leakyRelu } from './leaky-relu.js';
import { matMul } from './mat-mul.js';
import { maxPool } from './max-pool.js';
import { mul } from './mul.js';
import { pad } from './pad.js';
import { pow } from './pow.js';
import { prelu } from './prelu.js';
import { reduceMean } from './reduce-mean.js';
import { reduceSum } from './reduce-sum.js';
import { relu } from './relu.js';
import { reshape } from './reshape.js';
import { resize } from './resize.js';
import { sigmoid } from './sigmoid.js';
import { slice } from './slice.js';
import { softmax } from './softmax.js';
import { split } from './split.js';
import { sqrt } from './sqrt.js';
import { squeeze } from './squeeze.js';
import { sub } from './sub.js';
import { tanh } from './tanh.js';
import { transpose } from './transpose.js';
import { unsqueeze } from './unsqueeze.js';

export const ALL_RULES: readonly VjpRule[] = [
  add,
  averagePool,
  batchNormalization,
  clip,
  concat,
  conv,
  convTranspose,
  div,
  dropout,
  erf,
  flatten,
  gather,
  gemm,
  globalAveragePool,
  globalMaxPool,
  hardSigmoid,
  hardSwish,
  identity,
  layerNormalization,
  leakyRelu,
  matMul,
  maxPool,
  mul,
  pad,
  pow,
  prelu,
  reduceMean,
  reduceSum,
  relu,
  reshape,
  resize,
  sigmoid,
  slice,
  softmax,
  split,
  sqrt,
  squeeze,
  sub,
  tanh,
  transpose,
  unsqueeze,
];
