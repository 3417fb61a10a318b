// A user program of the evaluation library: parses a dataset spec (links dcz_eval and its
// OpenCV / zlib dependencies through the installed package).
#include <cstdio>

#include "dcz/dataset.h"

int main() {
  auto spec = dcz::parse_dataset_spec("cifar:data.bin");
  std::puts(spec.is_ok() ? "ok" : spec.status().to_string().c_str());
  return spec.is_ok() ? 0 : 1;
}
