# Writes the small hand-made ONNX models the eval tests use. Run with /usr/bin/python3 (onnx 1.12):
#   /usr/bin/python3 tests/eval/data/make_models.py
# The outputs are checked in; this script documents how they were made.
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import os

here = os.path.dirname(os.path.abspath(__file__))


def save(model, name):
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(here, name))


def tiny_mlp():
    # [N,1,2,2] -> Flatten -> Gemm(4x3) : logits for 3 classes. Class k wins when pixel k is brightest.
    # Stored [out, in] with transB=1, the layout torch exports (OpenCV 4.6 rejects a bias on
    # Gemm with transB=0).
    w = np.array([[1, 0, 0, 0.1], [0, 1, 0, 0.1], [0, 0, 1, 0.1]], dtype=np.float32)
    b = np.array([0, 0, 0], dtype=np.float32)
    nodes = [helper.make_node("Flatten", ["input"], ["flat"], name="flatten", axis=1),
             helper.make_node("Gemm", ["flat", "w", "b"], ["logits"], name="fc", transB=1)]
    graph = helper.make_graph(
        nodes, "tiny_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 2, 2])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 3])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "tiny_mlp.onnx")


def int_input():
    # A model whose only input is int64: dcz-eval must refuse it.
    nodes = [helper.make_node("Cast", ["ids"], ["out"], name="cast", to=TensorProto.FLOAT)]
    graph = helper.make_graph(
        nodes, "int_input",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["N", 4])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", 4])])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "int_input.onnx")


def unsupported_op():
    # A float model with an op OpenCV 4.6 dnn does not import (Det).
    nodes = [helper.make_node("Reshape", ["input", "shape"], ["m"], name="reshape"),
             helper.make_node("Det", ["m"], ["out"], name="determinant")]
    graph = helper.make_graph(
        nodes, "unsupported_op",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 2, 2])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1])],
        [numpy_helper.from_array(np.array([1, 2, 2], dtype=np.int64), "shape")])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "unsupported_op.onnx")


tiny_mlp()
int_input()
unsupported_op()
