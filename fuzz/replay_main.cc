// A main() for the fuzz targets in builds without libFuzzer (the gcc sanitizer builds): runs the
// target once on every file of the corpora named on the command line, so every checked-in seed and
// every past finding is replayed under ASan+UBSan by `make test`. Finding new inputs is libFuzzer's
// job (`make fuzz`).
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<uint8_t> read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  // The storage targets write segment files; keep them in a directory removed at the end.
  std::string scratch = (fs::temp_directory_path() / "samsa-replay-XXXXXX").string();
  if (::mkdtemp(scratch.data()) == nullptr) return 2;
  ::setenv("SAMSA_FUZZ_SCRATCH", scratch.c_str(), 1);
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    if (fs::is_directory(arg)) {
      for (const auto& entry : fs::directory_iterator(arg)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
      }
    } else {
      inputs.push_back(arg);
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: %s <corpus dir or file>...: no inputs found\n", argv[0]);
    return 2;
  }
  for (const auto& input : inputs) {
    const auto bytes = read_all(input);
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  fs::remove_all(scratch);
  std::printf("replayed %zu inputs\n", inputs.size());
  return 0;
}
