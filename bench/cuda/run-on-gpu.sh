#!/usr/bin/env bash
# Builds, checks and times archc's generated CUDA on an NVIDIA GPU (issue 10; bench/cuda/README.md).
#
#   bash bench/cuda/run-on-gpu.sh [OUT]        OUT: what `npm run bench:cuda:prepare` wrote
#                                              (default bench/cuda/out)
#
# For every model directory of OUT: `make` (nvcc, ARCH=sm_90 unless ARCH is set), run the runner on
# inputs.safetensors, compare its outputs with reference.safetensors (compare.cpp), PASS/FAIL.
# Then times every model that passed with `--repeat` (REPEAT, default 100: the median of that many
# forwards, upload and download included) and writes a Markdown table (model, kernel launches per
# forward, median ms) to OUT/results.md and stdout; BenchGPT's row also gets PyTorch eager's time
# and the ratio archc / PyTorch when `python3 -c 'import torch'` works (PYTHON picks the
# interpreter; torch_gpt.py first checks its logits against the reference).
#
# ARCHC_CPU=1 does the same on the CPU emulation (`make runner-cpu`, g++; no nvidia-smi, PyTorch
# on the CPU), so that CI and machines without a GPU can run this script; its timings mean
# nothing (REPEAT defaults to 3 there). Exits 1 if any model fails, 2 on bad usage or setup.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/out}
ARCH=${ARCH:-sm_90}
PYTHON=${PYTHON:-python3}
cpu=0
[[ "${ARCHC_CPU:-0}" == "1" ]] && cpu=1
if ((cpu)); then REPEAT=${REPEAT:-3}; else REPEAT=${REPEAT:-100}; fi

die() {
  echo "run-on-gpu.sh: $*" >&2
  exit 2
}

(($# <= 1)) || die "usage: bash bench/cuda/run-on-gpu.sh [OUT]"
if ! [[ "$REPEAT" =~ ^[1-9][0-9]*$ ]]; then die "REPEAT must be a positive integer, got '$REPEAT'"; fi
[[ -d "$out" && -f "$out/compare.cpp" && -f "$out/archc_io.h" ]] ||
  die "$out is not a prepared directory (no compare.cpp and archc_io.h): run 'npm run build && npm run bench:cuda:prepare' first (see bench/cuda/README.md)"
out=$(cd "$out" && pwd)

models=()
for d in "$out"/*/; do
  d=${d%/}
  [[ -f "$d/model.cu" ]] && models+=("$(basename "$d")")
done
((${#models[@]} > 0)) || die "no model directories (with a model.cu) in $out"

command -v make >/dev/null || die "make is not installed"
CXX=${CXX:-g++}
command -v "$CXX" >/dev/null || die "$CXX (the host C++ compiler) is not installed"
if ((cpu)); then
  device="archc CPU emulation (ARCHC_CPU=1; timings mean nothing)"
  target=runner-cpu
else
  command -v nvidia-smi >/dev/null ||
    die "nvidia-smi not found: this needs a machine with an NVIDIA GPU and its driver (or ARCHC_CPU=1 for the CPU emulation)"
  gpus=$(nvidia-smi -L 2>&1) || die "nvidia-smi -L failed, no usable NVIDIA GPU: $gpus"
  [[ -n "$gpus" ]] || die "nvidia-smi -L lists no GPU"
  command -v nvcc >/dev/null || die "nvcc not found: install the CUDA toolkit or put its bin/ on PATH"
  device=$(nvidia-smi --query-gpu=name --format=csv,noheader | sed -n 1p)
  target=runner
fi
echo "device: $device"
((cpu)) || echo "nvcc: $(nvcc --version | tail -n 1), ARCH=$ARCH"
echo "models: ${models[*]}"

echo "building compare"
"$CXX" -O2 -std=c++17 -o "$out/compare" "$out/compare.cpp"

declare -A status launches ms
failed=0
for m in "${models[@]}"; do
  d="$out/$m"
  echo
  echo "== $m"
  if ! make -s -C "$d" "$target" ARCH="$ARCH" >"$d/build.log" 2>&1; then
    cat "$d/build.log"
    echo "FAIL $m: make $target failed (log: $d/build.log)"
    status[$m]=FAIL
    failed=1
    continue
  fi
  rm -f "$d/got.safetensors"
  if ! (cd "$d" && "./$target" --weights weights.safetensors --inputs inputs.safetensors \
    -o got.safetensors -v) 2>"$d/run.log"; then
    cat "$d/run.log"
    echo "FAIL $m: the runner failed (log: $d/run.log)"
    status[$m]=FAIL
    failed=1
    continue
  fi
  cat "$d/run.log"
  launches[$m]=$(sed -n 's/.*, \([0-9][0-9]*\) kernel launches per forward.*/\1/p' "$d/run.log")
  if "$out/compare" "$d/got.safetensors" "$d/reference.safetensors"; then
    echo "PASS $m"
    status[$m]=PASS
  else
    echo "FAIL $m: outputs differ from the reference"
    status[$m]=FAIL
    failed=1
  fi
done

echo
echo "== timing: --repeat $REPEAT"
for m in "${models[@]}"; do
  [[ "${status[$m]}" == PASS ]] || continue
  d="$out/$m"
  line=$(cd "$d" && "./$target" --weights weights.safetensors --inputs inputs.safetensors \
    -o timed.safetensors --repeat "$REPEAT") || {
    echo "FAIL $m: the timed run failed"
    status[$m]=FAIL
    failed=1
    continue
  }
  echo "$m: $line"
  ms[$m]=$(sed -n 's/^forward: \([0-9.][0-9.]*\) ms.*/\1/p' <<<"$line")
done

torch_ms=""
torch_note=""
if [[ "${status[BenchGPT]:-}" == PASS ]]; then
  echo
  if "$PYTHON" -c 'import torch' 2>/dev/null; then
    echo "== PyTorch eager: $PYTHON $here/torch_gpt.py"
    if ((cpu)); then torch_device=cpu; else torch_device=cuda; fi
    if torch_out=$("$PYTHON" "$here/torch_gpt.py" "$out/BenchGPT" --device "$torch_device" \
      --repeat "$REPEAT"); then
      echo "$torch_out"
      torch_ms=$(sed -n 's/^pytorch eager: \([0-9.][0-9.]*\) ms.*/\1/p' <<<"$torch_out")
    else
      echo "$torch_out"
      echo "FAIL BenchGPT (PyTorch): torch_gpt.py failed (see above)"
      torch_note="torch_gpt.py failed: no PyTorch figure."
      failed=1
    fi
  else
    echo "PyTorch not installed ($PYTHON -c 'import torch' failed): no PyTorch comparison"
    torch_note="PyTorch not installed ($PYTHON): no PyTorch comparison."
  fi
fi

# BenchGPT first, then the tiny models in directory order.
order=()
for m in "${models[@]}"; do [[ "$m" == BenchGPT ]] && order+=("$m"); done
for m in "${models[@]}"; do [[ "$m" != BenchGPT ]] && order+=("$m"); done

results="$out/results.md"
{
  echo "# archc CUDA results"
  echo
  echo "$(date -u +%Y-%m-%d), $device$( ((cpu)) || echo ", ARCH=$ARCH"); bash bench/cuda/run-on-gpu.sh."
  echo "Median of $REPEAT forwards (\`runner --repeat $REPEAT\`), each with its input upload and output download."
  if ((cpu)); then
    echo
    echo "**CPU emulation (ARCHC_CPU=1): the code runs one thread at a time on the CPU; these timings mean nothing.**"
  fi
  echo
  echo "| model | check | launches per forward | median ms | PyTorch eager ms | archc / PyTorch |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for m in "${order[@]}"; do
    t=${ms[$m]:-—}
    p="—"
    r="—"
    if [[ "$m" == BenchGPT && -n "$torch_ms" && -n "${ms[$m]:-}" ]]; then
      p=$torch_ms
      r=$(awk -v a="${ms[$m]}" -v b="$torch_ms" 'BEGIN { printf "%.2f", a / b }')
    fi
    echo "| $m | ${status[$m]} | ${launches[$m]:-—} | $t | $p | $r |"
  done
  if [[ -n "$torch_note" ]]; then
    echo
    echo "$torch_note"
  fi
} >"$results"
echo
cat "$results"
echo
echo "wrote $results"

npass=0
for m in "${models[@]}"; do [[ "${status[$m]}" == PASS ]] && npass=$((npass + 1)); done
if ((failed)); then
  echo "run-on-gpu.sh: FAILED: $npass of ${#models[@]} models passed" >&2
  exit 1
fi
echo "all ${#models[@]} models passed"
