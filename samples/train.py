#!/usr/bin/python3
"""Trains the two Deep Compression sample models on Fashion-MNIST and exports them to ONNX.

Run with Debian's interpreter (torch 1.13, onnx 1.12):
    scripts/setup --train && /usr/bin/python3 samples/train.py

Writes, next to this script (or to --out-dir):
    lenet300100.onnx, lenet300100.expected.json   784-300-100-10 MLP (Han et al. 2016, table 1)
    lenet5.onnx,      lenet5.expected.json        Caffe's LeNet-5 (Han et al. 2016, table 2)

The expected.json files are measured on the *exported ONNX file*, not on the torch model: a small
numpy interpreter below runs the graph's nodes (Conv, MaxPool, Relu, Flatten, Gemm) in float64
from the initializers stored in the file, so C++ evaluators can be checked against it.

Same machine, same options -> byte-identical .onnx and .json files: fixed seeds, deterministic
algorithms, a fixed intra-op thread count (default 1, so the result does not depend on the
number of cores), and an export that names every node and tensor itself.
"""

import argparse
import gzip
import json
import os
import re
import struct
import sys
import time

import numpy as np
import onnx
import onnx.checker
import onnx.numpy_helper
import torch
import torch.nn as nn

DATA_DIR = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
SAMPLES_DIR = os.path.dirname(os.path.abspath(__file__))
OPSET = 13
SEED = 20160201  # ICLR 2016; any fixed value works
# Preprocessing shared by training, the reference evaluation and dcz-eval: x = pixel * SCALE,
# pixel in 0..255 (uint8), x rounded to float32, layout NCHW [N,1,28,28], no mean/std.
SCALE = 1.0 / 255.0
FIRST_LOGITS_COUNT = 8

# Per model: constructor, epochs, Adam learning rate per epoch, batch size.
TRAINING = {
    "lenet300100": {"epochs": 10, "lr": [1e-3] * 7 + [3e-4] * 2 + [1e-4], "batch": 64},
    "lenet5": {"epochs": 3, "lr": [1e-3, 3e-4, 1e-4], "batch": 64},
}


# ----------------------------------------------------------------------------------- data

def read_idx(path, magic, ndim):
    """Reads a gzip'ed IDX file (big-endian header: magic, then ndim uint32 sizes; uint8 data)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: {len(raw)} bytes, shorter than the {header}-byte IDX header")
    found, *dims = struct.unpack(">" + "I" * (1 + ndim), raw[:header])
    if found != magic:
        raise ValueError(f"{path}: magic 0x{found:08x} at byte 0, expected 0x{magic:08x}")
    count = int(np.prod(dims, dtype=np.int64))
    if len(raw) - header != count:
        raise ValueError(f"{path}: {len(raw) - header} data bytes after the header, "
                         f"dims {dims} need {count}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def load_split(data_dir, prefix):
    """Returns (uint8 images [N,28,28], int64 labels [N]) of 'train' or 't10k'."""
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), 0x803, 3)
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), 0x801, 1)
    if images.shape[0] != labels.shape[0] or images.shape[1:] != (28, 28):
        raise ValueError(f"{data_dir}/{prefix}: images {images.shape} vs labels {labels.shape}")
    if labels.max() > 9:
        raise ValueError(f"{data_dir}/{prefix}: label {labels.max()} out of range 0..9")
    return images, labels.astype(np.int64)


def preprocess(images):
    """uint8 [N,28,28] -> float32 [N,1,28,28], x = float32(pixel * SCALE) computed in double."""
    return (images.astype(np.float64) * SCALE).astype(np.float32)[:, None, :, :]


def check_scale_matches_division():
    """pixel * (1/255) must equal pixel / 255 after rounding to float32, so dcz-eval's
    `--scale` and the usual `/ 255` give the same input tensors bit for bit."""
    pixels = np.arange(256, dtype=np.float64)
    by_scale = (pixels * SCALE).astype(np.float32)
    by_division = (pixels / 255.0).astype(np.float32)
    if not np.array_equal(by_scale.view(np.uint32), by_division.view(np.uint32)):
        raise AssertionError("pixel * (1/255) and pixel / 255 differ in float32")
    by_float_math = pixels.astype(np.float32) * np.float32(SCALE)
    return int(np.count_nonzero(by_float_math.view(np.uint32) != by_scale.view(np.uint32)))


# ---------------------------------------------------------------------------------- models

class LeNet300100(nn.Module):
    """784-300-100-10 fully connected with ReLU; flattens its [N,1,28,28] input itself."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 300)
        self.fc2 = nn.Linear(300, 100)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x):
        x = self.flatten(x)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


class LeNet5(nn.Module):
    """Caffe's LeNet (examples/mnist/lenet.prototxt): no ReLU after the convolutions."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, kernel_size=5)
        self.pool1 = nn.MaxPool2d(2, stride=2)
        self.conv2 = nn.Conv2d(20, 50, kernel_size=5)
        self.pool2 = nn.MaxPool2d(2, stride=2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(800, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        x = self.pool1(self.conv1(x))
        x = self.pool2(self.conv2(x))
        x = torch.relu(self.fc1(self.flatten(x)))
        return self.fc2(x)


MODELS = {"lenet300100": LeNet300100, "lenet5": LeNet5}


# -------------------------------------------------------------------------------- training

def train(name, model, images, labels, log):
    plan = TRAINING[name]
    x_all = torch.from_numpy(preprocess(images))
    y_all = torch.from_numpy(labels)
    order_rng = torch.Generator().manual_seed(SEED + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=plan["lr"][0])
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(plan["epochs"]):
        for group in optimizer.param_groups:
            group["lr"] = plan["lr"][epoch]
        order = torch.randperm(len(y_all), generator=order_rng)
        total_loss = 0.0
        start = time.monotonic()
        for first in range(0, len(order), plan["batch"]):
            batch = order[first:first + plan["batch"]]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_all[batch]), y_all[batch])
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(batch)
        log(f"{name}: epoch {epoch + 1}/{plan['epochs']} lr {plan['lr'][epoch]:g} "
            f"loss {total_loss / len(order):.4f} ({time.monotonic() - start:.1f} s)")
    model.eval()


def torch_logits(model, images):
    with torch.no_grad():
        return model(torch.from_numpy(preprocess(images))).numpy()


# ---------------------------------------------------------------------------------- export

def export_onnx(model, name):
    """Exports to an in-memory ModelProto with stable, meaningful node and tensor names."""
    import io
    buffer = io.BytesIO()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), buffer, opset_version=OPSET,
                      do_constant_folding=True, export_params=True,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    proto = onnx.load_from_string(buffer.getvalue())
    rename_nodes(proto.graph, name)
    proto.graph.name = name
    proto.doc_string = (f"dcz sample {name}, trained on Fashion-MNIST by samples/train.py. "
                        f"Input: x = pixel * {SCALE!r} (float32, NCHW [N,1,28,28], no mean/std).")
    onnx.checker.check_model(proto, full_check=True)
    return proto


def rename_nodes(graph, model_name):
    """Names each node after its layer (fc1, relu1, pool1, ...) and its output tensor alike.

    torch 1.13 derives names from module paths (`/fc1/Gemm`, `/Relu`); ours are shorter, stable
    across torch versions and usable as OpenCV layer names (`onnx_node!fc1`).
    """
    layer_of = {"Gemm": "fc", "Conv": "conv", "MaxPool": "pool", "Relu": "relu",
                "Flatten": "flatten"}
    seen = {}
    renamed = {}
    for node in graph.node:
        if node.op_type not in layer_of:
            raise ValueError(f"{model_name}: exported op {node.op_type} ({node.name}) is not "
                             f"in the set OpenCV 4.6 dnn imports that this script expects")
        base = layer_of[node.op_type]
        seen[base] = seen.get(base, 0) + 1
        node.name = base if base == "flatten" else f"{base}{seen[base]}"
        for inp_index, inp in enumerate(node.input):
            if inp in renamed:
                node.input[inp_index] = renamed[inp]
        if len(node.output) != 1:
            raise ValueError(f"{model_name}: node {node.name} has {len(node.output)} outputs")
        if node.output[0] != "logits":
            renamed[node.output[0]] = node.name
            node.output[0] = node.name
    for value in graph.value_info:
        value.name = renamed.get(value.name, value.name)


# ----------------------------------------------------- reference evaluation of the ONNX file

def attribute_values(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def require(condition, node, what):
    if not condition:
        raise ValueError(f"reference: node {node.name} ({node.op_type}): unsupported {what}")


def run_gemm(node, a, b, c):
    attrs = attribute_values(node)
    require(attrs.get("alpha", 1.0) == 1.0 and attrs.get("beta", 1.0) == 1.0, node, "alpha/beta")
    if attrs.get("transA", 0):
        a = a.T
    if attrs.get("transB", 0):
        b = b.T
    return a @ b + c


def run_conv(node, x, w, b):
    attrs = attribute_values(node)
    kh, kw = w.shape[2:]
    require(attrs.get("group", 1) == 1, node, "group")
    require(list(attrs.get("strides", [1, 1])) == [1, 1], node, "strides")
    require(list(attrs.get("dilations", [1, 1])) == [1, 1], node, "dilations")
    require(list(attrs.get("pads", [0, 0, 0, 0])) == [0, 0, 0, 0], node, "pads")
    require(attrs.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET"), node, "auto_pad")
    require(list(attrs.get("kernel_shape", [kh, kw])) == [kh, kw], node, "kernel_shape")
    # windows: [N, C, OH, OW, KH, KW]; contract C, KH, KW with w [M, C, KH, KW].
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    y = np.einsum("nchwij,mcij->nmhw", windows, w, optimize=True)
    return y + b[None, :, None, None]


def run_maxpool(node, x):
    attrs = attribute_values(node)
    kernel = list(attrs["kernel_shape"])
    require(kernel == [2, 2] and list(attrs.get("strides", [1, 1])) == [2, 2], node,
            "kernel/strides (only 2x2 stride 2)")
    require(list(attrs.get("pads", [0, 0, 0, 0])) == [0, 0, 0, 0], node, "pads")
    require(attrs.get("ceil_mode", 0) == 0 and attrs.get("storage_order", 0) == 0, node, "mode")
    n, c, h, w = x.shape
    x = x[:, :, :h // 2 * 2, :w // 2 * 2]
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def run_flatten(node, x):
    axis = attribute_values(node).get("axis", 1)
    require(axis == 1, node, "axis")
    return x.reshape(x.shape[0], -1)


def reference_logits(proto, inputs):
    """Runs the graph in float64 on float32 inputs; returns float64 logits."""
    values = {t.name: onnx.numpy_helper.to_array(t).astype(np.float64)
              for t in proto.graph.initializer}
    values["input"] = inputs.astype(np.float64)
    for node in proto.graph.node:
        args = [values[name] for name in node.input]
        if node.op_type == "Gemm":
            out = run_gemm(node, *args)
        elif node.op_type == "Conv":
            out = run_conv(node, *args)
        elif node.op_type == "MaxPool":
            out = run_maxpool(node, *args)
        elif node.op_type == "Relu":
            out = np.maximum(args[0], 0.0)
        elif node.op_type == "Flatten":
            out = run_flatten(node, *args)
        else:
            raise ValueError(f"reference: op {node.op_type} of node {node.name} not supported")
        values[node.output[0]] = out
    return values[proto.graph.output[0].name]


def reference_logits_batched(proto, images, batch=500):
    parts = [reference_logits(proto, preprocess(images[i:i + batch]))
             for i in range(0, len(images), batch)]
    return np.concatenate(parts)


# ------------------------------------------------------------------------------------ main

def parameter_counts(proto):
    return {t.name: int(np.prod(t.dims)) for t in proto.graph.initializer}


def expected_record(name, logits, labels, float_math_mismatches):
    predictions = logits.argmax(axis=1)
    correct = int(np.count_nonzero(predictions == labels))
    top2 = np.sort(logits, axis=1)[:, -2:]
    first = logits[:FIRST_LOGITS_COUNT].astype(np.float32)
    return {
        "model": f"{name}.onnx",
        "dataset": "Fashion-MNIST t10k (Debian dataset-fashion-mnist)",
        "correct": correct,
        "total": int(len(labels)),
        "top1": round(100.0 * correct / len(labels), 2),
        "preprocessing": {
            "input": "input",
            "layout": "NCHW [N,1,28,28]",
            "pixel": "uint8 0..255 from the IDX file, row-major",
            "scale": SCALE,
            "mean": 0.0,
            "std": 1.0,
            "formula": "x = float32(pixel * scale), computed in double",
            "float32_math_differs_for_pixels": float_math_mismatches,
        },
        "reference": "float64 numpy forward of the ONNX graph's nodes and initializers",
        "min_top1_margin": float(np.float32((top2[:, 1] - top2[:, 0]).min())),
        "first_labels": [int(v) for v in labels[:FIRST_LOGITS_COUNT]],
        # float32 values; Python's repr round-trips each one exactly.
        "first_logits": [[float(v) for v in row] for row in first],
    }


def to_json(record):
    """Indented JSON with each list of numbers on one line (one row of logits a line)."""
    text = json.dumps(record, indent=1)
    flat_list = re.compile(r"\[\s+([^\[\]{}]*?)\s+\]")
    return flat_list.sub(lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]",
                         text) + "\n"


def build_model(name, train_split, test_split, out_dir, log):
    torch.manual_seed(SEED)
    model = MODELS[name]()
    start = time.monotonic()
    train(name, model, *train_split, log)
    seconds = time.monotonic() - start
    proto = export_onnx(model, name)
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    onnx.save(proto, onnx_path)

    reloaded = onnx.load(onnx_path)
    onnx.checker.check_model(onnx_path, full_check=True)
    test_images, test_labels = test_split
    float_math_mismatches = check_scale_matches_division()
    logits = reference_logits_batched(reloaded, test_images)
    record = expected_record(name, logits, test_labels, float_math_mismatches)
    with open(os.path.join(out_dir, f"{name}.expected.json"), "w") as f:
        f.write(to_json(record))

    torch_out = torch_logits(model, test_images)
    torch_correct = int(np.count_nonzero(torch_out.argmax(axis=1) == test_labels))
    log(f"{name}: trained in {seconds:.1f} s; ONNX reference {record['correct']}/"
        f"{record['total']} = {record['top1']} %; torch float32 {torch_correct}; "
        f"max |torch - reference| = {np.abs(torch_out - logits).max():.3g}; "
        f"{os.path.getsize(onnx_path)} bytes")
    for tensor, count in parameter_counts(reloaded).items():
        log(f"{name}:   {tensor:12s} {count:8d}")
    log(f"{name}:   {'total':12s} {sum(parameter_counts(reloaded).values()):8d}")
    if torch_correct != record["correct"]:
        log(f"{name}: note: torch float32 and the float64 reference disagree on "
            f"{abs(torch_correct - record['correct'])} net correct predictions")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=DATA_DIR)
    parser.add_argument("--out-dir", default=SAMPLES_DIR)
    parser.add_argument("--model", choices=["all", *MODELS], default="all")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch intra-op threads; the files depend on it (default 1)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731

    train_split = load_split(args.data_dir, "train")
    test_split = load_split(args.data_dir, "t10k")
    names = list(MODELS) if args.model == "all" else [args.model]
    for name in names:
        build_model(name, train_split, test_split, args.out_dir, log)


if __name__ == "__main__":
    main()
