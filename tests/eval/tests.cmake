# dcz-eval: datasets, the OpenCV engine, evaluation and sensitivity; plus the ONNX Runtime check.
if(TARGET dcz_eval)
  find_package(ZLIB REQUIRED)
  find_package(nlohmann_json 3 CONFIG REQUIRED)
  dcz_gtest(eval_test
    SOURCES eval/dataset_test.cpp eval/engine_test.cpp eval/real_data_test.cpp
            eval/sensitivity_test.cpp eval/samples_test.cpp eval/cli_test.cpp
            eval/tradeoff_search_test.cpp
    LIBS dcz_eval ZLIB::ZLIB nlohmann_json::nlohmann_json)
endif()

# ONNX Runtime check (tests/ort): decoded models in ONNX Runtime vs OpenCV and vs the original.
# Runs where node exists (skips otherwise) and installs onnxruntime-node via scripts/setup-ort.
function(dcz_ort_check name model data limit)
  set(lossy_tools - -)
  if(TARGET dcz-prune AND TARGET dcz-quantize)
    set(lossy_tools $<TARGET_FILE:dcz-prune> $<TARGET_FILE:dcz-quantize>)
  endif()
  add_test(NAME ort_check_${name}
    COMMAND ${PROJECT_SOURCE_DIR}/tests/ort/run.sh $<TARGET_FILE:dcz-eval> $<TARGET_FILE:dcz-encode>
            ${lossy_tools} ${PROJECT_BINARY_DIR}/ort_check/${name} ${model} ${data} ${limit} ${ARGN})
  set_tests_properties(ort_check_${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endfunction()

if(TARGET dcz-eval AND TARGET dcz-encode)
  set(DCZ_FASHION /usr/share/datasets/fashion-mnist)
  set(DCZ_FASHION_TEST idx:${DCZ_FASHION}/t10k-images-idx3-ubyte.gz,${DCZ_FASHION}/t10k-labels-idx1-ubyte.gz)
  foreach(sample lenet300100 lenet5)
    if(EXISTS ${PROJECT_SOURCE_DIR}/samples/${sample}.onnx)
      dcz_ort_check(${sample} ${PROJECT_SOURCE_DIR}/samples/${sample}.onnx ${DCZ_FASHION_TEST} 500
                    --scale 0.00392156862745098)
    endif()
  endforeach()
  set(DCZ_SHARED ${PROJECT_SOURCE_DIR}/../shared)
  if(EXISTS ${DCZ_SHARED}/models/mnist_cnn.onnx)
    dcz_ort_check(mnist_cnn ${DCZ_SHARED}/models/mnist_cnn.onnx
      idx:${DCZ_SHARED}/data/mnist/t10k-images-idx3-ubyte.gz,${DCZ_SHARED}/data/mnist/t10k-labels-idx1-ubyte.gz 500
      --scale 0.00392156862745098 --mean 0.5 --std 0.5)
  endif()
  if(EXISTS ${DCZ_SHARED}/models/cifar10_resnet20.onnx)
    dcz_ort_check(cifar10_resnet20 ${DCZ_SHARED}/models/cifar10_resnet20.onnx
      cifar:${DCZ_SHARED}/data/cifar10/test_batch_from_jpeg.bin 100
      --scale 0.00392156862745098 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225)
  endif()
endif()
# Sensitivity statistics for the rate-aware quantizer (dcz/rate_quantize.h), measured by OpenCV.
if(TARGET dcz_eval)
  dcz_gtest(rate_sensitivity_test
    SOURCES eval/sensitivity_stats_test.cpp
    LIBS dcz_eval nlohmann_json::nlohmann_json)
  if(TARGET dcz-quantize)
    add_dependencies(rate_sensitivity_test dcz-quantize)
  endif()
endif()
