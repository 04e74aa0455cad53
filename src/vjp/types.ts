/**
 * The contract of a vector-Jacobian rule. For a node y = f(x1..xk) and the incoming gradient ḡ = d(score)/dy, a rule
 * emits ONNX nodes computing d(score)/dxi = ḡ·∂f/∂xi for the inputs that need it. Rules see static shapes measured by
 * a probe run (batch as probed), but must build batch-dependent sizes from Shape() at run time so the batch stays dynamic.
 */
import type { GraphBuilder } from '../onnx/builder.js';
import type { GraphView, NodeView } from '../onnx/graph.js';
import type { ConstTensor } from '../onnx/tensor.js';

export interface RuleContext {
  readonly node: NodeView;
  readonly graph: GraphView;
  /** The ai.onnx opset the emitted nodes must conform to (the model's, or higher when a rule raised it). */
  readonly opset: number;
  /** Static shape measured by the probe run (batch dimension as probed). */
  shape(tensor: string): readonly number[];
  /** ONNX element type (TensorProto.DataType) of a tensor. */
  elemType(tensor: string): number;
  /** The tensor's value if it is an initializer or Constant output. */
  constant(tensor: string): ConstTensor | undefined;
}

export interface VjpContext extends RuleContext {
  readonly b: GraphBuilder;
  /** Gradient flowing into each output (null where none flows, e.g. an unused Split branch or MaxPool Indices). */
  readonly gy: readonly (string | null)[];
  /** Which inputs need a gradient (they depend on a target layer); others may be skipped (return null). */
  readonly needs: readonly boolean[];
  /** Runtime Shape() of a tensor (memoised). */
  shapeOf(tensor: string): string;
  /** A scalar constant in the element type of `like`. */
  scalarLike(value: number, like: string): string;
  /** A constant tensor in the element type of `like`. */
  constantLike(values: ArrayLike<number>, dims: readonly number[], like: string): string;
}

export interface VjpRule {
  readonly opType: string;
  /** The opset the backward nodes need for this node, when more than the ops they use in the model's opset. */
  minOpset?(ctx: RuleContext): number;
  /** Why this node cannot be differentiated (e.g. a non-constant exponent), or undefined when it can. */
  check?(ctx: RuleContext): string | undefined;
  /** Emits the backward nodes; returns one gradient per input (null where none is needed or defined). */
  backward(ctx: VjpContext): (string | null)[];
}
