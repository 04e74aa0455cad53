"""Shared machinery for the per-op gradient fixtures.

A case is a tiny ONNX graph (float32) plus a PyTorch float64 function that computes the same thing. The generator
checks nothing itself: it records the inputs, the torch forward output, a random cotangent and the torch autograd
vector-Jacobian product. The TypeScript test runs gcam's explain model on the ONNX graph and compares both the
forward output (which proves the torch function models the ONNX op) and the gradients.
"""
import base64
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper
import torch

torch.set_default_dtype(torch.float64)


def rand(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float64)


def make_case(name, nodes, inputs, targets, torch_fn, initializers=None, opset=17, output=None, rng=None,
              tol=1e-4, cotangent=None):
    """nodes: list of onnx NodeProto; inputs: {name: float64 array} (graph inputs, all fed);
    targets: input names whose gradient is checked; torch_fn(t: dict[str, Tensor]) -> Tensor (inputs and
    initializers by name, float64); initializers: {name: np array (float → float32, int → int64)}."""
    initializers = initializers or {}
    rng = rng or np.random.default_rng(0)
    output = output or nodes[-1].output[0]
    tvals = {}
    for k, v in inputs.items():
        tvals[k] = torch.tensor(v, dtype=torch.float64, requires_grad=k in targets)
    for k, v in initializers.items():
        tvals[k] = torch.tensor(v) if np.issubdtype(v.dtype, np.integer) else torch.tensor(v, dtype=torch.float64)
    out = torch_fn(tvals)
    cot = rng.standard_normal(tuple(out.shape)) if cotangent is None else np.asarray(cotangent, dtype=np.float64)
    out.backward(torch.tensor(cot))
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, list(v.shape)) for k, v in inputs.items()],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, list(out.shape))],
        [numpy_helper.from_array(v.astype(np.int64) if np.issubdtype(v.dtype, np.integer) else v.astype(np.float32), k)
         for k, v in initializers.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)], producer_name='gcam-tools')
    model.ir_version = 8 if opset >= 15 else 7
    onnx.checker.check_model(model)

    def arr(a):
        a = np.asarray(a, dtype=np.float64)
        return {'dims': list(a.shape), 'data': a.reshape(-1).tolist()}

    return {
        'name': name,
        'op': nodes[-1].op_type if len(nodes) == 1 else nodes[-1].op_type,
        'ops': sorted({n.op_type for n in nodes}),
        'opset': opset,
        'model': base64.b64encode(model.SerializeToString()).decode(),
        'inputs': {k: arr(v) for k, v in inputs.items()},
        'targets': list(targets),
        'output': output,
        'outputValue': arr(out.detach().numpy()),
        'cotangent': arr(cot),
        'grads': {k: arr(tvals[k].grad.numpy()) for k in targets},
        'tol': tol,
    }
