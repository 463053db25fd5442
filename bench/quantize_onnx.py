#!/usr/bin/python3
"""quantize_onnx.py - the int8 peer for the embedding benchmark: rewrites an fp32 ONNX graph the
way onnxruntime.quantization.quantize_dynamic(model, weight_type=QuantType.QInt8) does (that is
how transformers.js's model_quantized.onnx files are made), with Debian's python3-onnx only (the
onnxruntime Python package is not available here). Written from the ONNX operator specs:

  every MatMul whose second input is a constant 2-D initializer W (K x N) becomes
    DynamicQuantizeLinear(A) -> A_q (uint8), A_scale, A_zero      (per tensor, asymmetric)
    MatMulInteger(A_q, W_q, A_zero, W_zero) -> int32                 (W_q int8, symmetric)
    Cast(to float) -> Mul(A_scale * W_scale) -> the MatMul's output
  W_q = round(W / W_scale) with W_scale = max|W| / 127 over the whole tensor and W_zero = 0
  (quantize_dynamic's defaults: per_channel=False, reduce_range=False, symmetric int8 weights;
  --per-channel gives one scale per output column, which MatMulInteger takes as a 1-D zero point
  and the Mul as a 1-D scale). ONNX Runtime's optimizer fuses the chain into
  DynamicQuantizeMatMul / MatMulIntegerToFloat. Gather (the embedding table) stays fp32, as
  brass keeps it.

  /usr/bin/python3 bench/quantize_onnx.py in.onnx out.onnx [--per-channel]
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize(model, per_channel):
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    new_nodes, new_inits, count = [], [], 0
    for node in g.node:
        w = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if w is None or len(w.dims) != 2:
            new_nodes.append(node)
            continue
        W = numpy_helper.to_array(w).astype(np.float32)
        if per_channel:
            scale = np.abs(W).max(axis=0) / 127.0
        else:
            scale = np.array(np.abs(W).max() / 127.0, dtype=np.float32)
        scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
        Wq = np.clip(np.rint(W / scale), -127, 127).astype(np.int8)
        p = "%s_q%d" % (node.name or "matmul", count)
        count += 1
        zero_shape = scale.shape
        new_inits += [
            numpy_helper.from_array(Wq, p + "_W"),
            numpy_helper.from_array(scale.astype(np.float32), p + "_Wscale"),
            numpy_helper.from_array(np.zeros(zero_shape, dtype=np.int8), p + "_Wzero"),
        ]
        a = node.input[0]
        new_nodes += [
            helper.make_node("DynamicQuantizeLinear", [a], [p + "_A", p + "_Ascale", p + "_Azero"],
                             name=p + "_dql"),
            helper.make_node("MatMulInteger", [p + "_A", p + "_W", p + "_Azero", p + "_Wzero"],
                             [p + "_I"], name=p + "_mmi"),
            helper.make_node("Cast", [p + "_I"], [p + "_F"], to=TensorProto.FLOAT, name=p + "_cast"),
            helper.make_node("Mul", [p + "_Ascale", p + "_Wscale"], [p + "_S"], name=p + "_scale"),
            helper.make_node("Mul", [p + "_F", p + "_S"], [node.output[0]], name=p + "_mul"),
        ]
    used = {i for n in new_nodes for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.node[:]
    g.node.extend(new_nodes)
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--per-channel", action="store_true")
    a = ap.parse_args()
    model = onnx.load(a.src)
    n = quantize(model, a.per_channel)
    if n == 0:
        print("quantize_onnx: no MatMul with a constant weight in %s" % a.src, file=sys.stderr)
        return 1
    onnx.checker.check_model(model)
    onnx.save(model, a.dst)
    print("quantize_onnx: %d MatMuls quantized (%s weights) -> %s" %
          (n, "per-channel" if a.per_channel else "per-tensor", a.dst), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
