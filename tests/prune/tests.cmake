# Pruning: the kernels alone (dcz_core, no ONNX) and the model-level pruning over ONNX fixtures.
dcz_gtest(test_prune_kernels SOURCES prune/kernels_test.cpp LIBS dcz_core)
