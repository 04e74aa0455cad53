/** Every gradient rule gcam has, one per ONNX op type. Adding a rule = adding its file and one line here. */
import type { VjpRule } from './types.js';
import { add } from './add.js';
import { concat } from './concat.js';
import { conv } from './conv.js';
import { dropout } from './dropout.js';
import { flatten } from './flatten.js';
import { gemm } from './gemm.js';
import { globalAveragePool } from './global-average-pool.js';
import { identity } from './identity.js';
import { maxPool } from './max-pool.js';
import { relu } from './relu.js';
import { reshape } from './reshape.js';
import { softmax } from './softmax.js';

export const ALL_RULES: readonly VjpRule[] = [
  add,
  concat,
  conv,
  dropout,
  flatten,
  gemm,
  globalAveragePool,
  identity,
  maxPool,
  relu,
  reshape,
  softmax,
];
