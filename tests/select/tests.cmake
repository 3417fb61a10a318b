# Weight selection and recipes. The pure tests run on hand-made TensorInfo lists; the model-level
# test (select_model_test.cpp) uses the ONNX fixtures of dcz_test_support.
dcz_gtest(test_select SOURCES select/selection_test.cpp select/recipe_test.cpp LIBS dcz)
