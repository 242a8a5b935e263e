// archc: the command-line runner of a generated model, with `archc run`'s I/O contract:
//
//   ./runner --weights W.safetensors --inputs IN.safetensors -o OUT.safetensors [--repeat N] [-v]
//
// Inputs and outputs are safetensors files whose tensor names are the model's inputs and
// outputs. `--repeat N` runs the forward N more times and prints the median time per forward.
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "archc_io.h"
#include "archc_model.h"

static int usage(const char* why) {
  fprintf(stderr,
          "runner: %s\nusage: runner --weights W.safetensors --inputs IN.safetensors "
          "-o OUT.safetensors [--repeat N] [-v]\n",
          why);
  return 2;
}

int main(int argc, char** argv) {
  std::string weights, inputs, output;
  long repeat = 0;
  bool verbose = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--weights" && has_value) weights = argv[++i];
    else if (a == "--inputs" && has_value) inputs = argv[++i];
    else if ((a == "-o" || a == "--output") && has_value) output = argv[++i];
    else if (a == "--repeat" && has_value) {
      char* end = nullptr;
      repeat = strtol(argv[++i], &end, 10);
      if (*end != '\0' || repeat < 0 || repeat > 100000) return usage("--repeat takes 0 to 100000");
    } else if (a == "-v") verbose = true;
    else return usage(("unknown or incomplete argument '" + a + "'").c_str());
  }
  if (weights.empty() || inputs.empty() || output.empty())
    return usage("--weights, --inputs and -o are required");
  try {
    cudaDeviceProp prop;
    ARCHC_CUDA(cudaGetDeviceProperties(&prop, 0));
    auto model = archc::create_model(archc::read_safetensors(weights));
    archc::TensorMap in = archc::read_safetensors(inputs);
    cudaStream_t stream;
    ARCHC_CUDA(cudaStreamCreate(&stream));
    archc::TensorMap out = model->forward(in, stream);
    std::vector<double> ms;
    for (long r = 0; r < repeat; r++) {
      cudaEvent_t start, stop;
      ARCHC_CUDA(cudaEventCreate(&start));
      ARCHC_CUDA(cudaEventCreate(&stop));
      ARCHC_CUDA(cudaEventRecord(start, stream));
      model->forward(in, stream);
      ARCHC_CUDA(cudaEventRecord(stop, stream));
      ARCHC_CUDA(cudaEventSynchronize(stop));
      float t = 0;
      ARCHC_CUDA(cudaEventElapsedTime(&t, start, stop));
      ms.push_back(t);
      cudaEventDestroy(start);
      cudaEventDestroy(stop);
    }
    std::vector<archc::Tensor> tensors;
    for (auto& kv : out) tensors.push_back(kv.second);
    archc::write_safetensors(output, tensors);
    ARCHC_CUDA(cudaStreamDestroy(stream));
    if (verbose)
      fprintf(stderr, "runner: %s on %s, %d kernel launches per forward\n", model->name(),
              prop.name, model->dispatches());
    if (!ms.empty()) {
      std::sort(ms.begin(), ms.end());
      printf("forward: %.4f ms (median of %zu; min %.4f, max %.4f)\n", ms[ms.size() / 2],
             ms.size(), ms.front(), ms.back());
    }
  } catch (const std::exception& e) {
    fprintf(stderr, "runner: %s\n", e.what());
    return 1;
  }
  return 0;
}
