// Implemented by the ONNX adapter work (in progress).
