#include <cstdio>
#include "dcz/codec.h"
#include "dcz/file_io.h"
// A user program: decodes a .dcz file through the installed dcz package.
int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto in = dcz::InputFile::open(argv[1]);
  if (!in) return 2;
  auto m = dcz::decode_model(in->bytes(), in->name());
  if (!m) { std::puts(m.status().to_string().c_str()); return 1; }
  std::printf("%zu tensors\n", m->tensor_count());
}
