#!/usr/bin/env bash
# The GPU device check as one prepared script (see tools/gpu/README.md). On the device machine
# (GPU, CUDA, PyTorch, Transformers, PEFT; no JDK, no network), from the repository root, with the
# parts made by tools/gpu/bundle.sh carried in gpu-bundle/:
#   call 1, carrying gpu-bundle/part1:  bash tools/gpu/device-check.sh unpack
#   call 2, carrying gpu-bundle/part2:  bash tools/gpu/device-check.sh unpack all
# Results go to $OUT (the device tool's folder), else gpu-bundle/out. Rehearsal without a GPU:
#   TEST_SELECT=--select-class=dev.lorillama.gpu.KernelsTest BENCH_SHAPES=1b BENCH_LAYERS=2 BENCH_TYPES=q8_0 \
#   BENCH_P=16 BENCH_N=4 BENCH_R=1 bash tools/gpu/device-check.sh unpack all
# Knobs: STEPS (default "devices tests transformers bench"), TEST_SELECT (JUnit selector, default
# --select-package dev.lorillama.gpu), COMPARE_ARGS (e.g. --only 'gqa_f32'), BENCH_SHAPES (1b 8b), BENCH_TYPES
# (f16 q8_0), BENCH_LAYERS (the shape's own), BENCH_P/N/R (512/128/3), BANDWIDTH (bytes/s, 4.8e12:
# H200), STEP_TIMEOUT (seconds per step, 900).
set -uo pipefail
root=$(pwd)
bundle=$root/gpu-bundle
run=$bundle/run
out=${OUT:-$bundle/out}
mkdir -p "$run" "$out"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$out/summary.txt"; }

unpack() {
  for part in "$bundle"/part1/*.tar.xz "$bundle"/part2/*.tar.xz; do
    [ -f "$part" ] || continue
    tar -C "$run" -xJf "$part" && rm -f "$part" && log "unpacked $(basename "$part")"
  done
}

setup() {
  export JAVA_HOME=$run/jdk PATH=$run/jdk/bin:$PATH TORNADOVM_HOME=$run/sdk
  export LD_LIBRARY_PATH=$run/app/lib:${LD_LIBRARY_PATH:-}
  # The NVIDIA driver ships its OpenCL library; register it with the carried ICD loader when the
  # machine has no /etc/OpenCL/vendors entry for it.
  if ! ls /etc/OpenCL/vendors/*.icd > /dev/null 2>&1; then
    lib=$( (ldconfig -p 2>/dev/null | grep -o '/[^ ]*libnvidia-opencl.so.1' ; find /usr/lib* /usr/local -name 'libnvidia-opencl.so.1' 2>/dev/null) | head -1)
    if [ -n "$lib" ]; then
      mkdir -p "$run/icd" && echo "$lib" > "$run/icd/nvidia.icd" && export OCL_ICD_VENDORS=$run/icd
      log "OpenCL ICD: $lib"
    fi
  fi
  "$TORNADOVM_HOME/bin/tornado" --generate-argfile > "$out/argfile.txt" 2>&1 || log "tornado --generate-argfile failed"
  # chat.jar's launcher finds lorillama-gpu.jar beside itself; the tests find chat.jar here too.
  mkdir -p chat/target && cp "$run"/app/chat.jar "$run"/app/lorillama-gpu.jar chat/target/
}

step() { # name, command... (a command may be one of this script's functions)
  local name=$1; shift
  log "step $name: $*"
  timeout "${STEP_TIMEOUT:-900}" bash -c "$(declare -f tests kernel_flags); run='$run' out='$out'; \"\$@\"" step "$@" > "$out/$name.txt" 2>&1
  log "step $name: exit $? ($(tail -1 "$out/$name.txt" | cut -c1-160))"
}

kernel_flags() { # what the tests' JVM needs beside TornadoVM's argfile (the CPU reference uses the Vector API)
  echo "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
}

tests() {
  local a=$run/app cp
  cp="$a/junit-platform-console-standalone-1.11.4.jar:$a/chat.jar:$a/lorillama-gpu.jar:$a/gpu-test-classes:$a/tests-test-classes:$a/runtime-test-classes"
  (cd tests && java @"$TORNADOVM_HOME/tornado-argfile" $(kernel_flags) -Dtornado.recover.bailout=False -Xmx16g -cp "$cp" \
      org.junit.platform.console.ConsoleLauncher ${TEST_SELECT:---select-package dev.lorillama.gpu} --include-classname '.*(Test|IT)$' \
      --details summary --reports-dir "$out/junit")
}

bench() {
  local scratch=$run/models
  mkdir -p "$scratch"
  for shape in ${BENCH_SHAPES:-1b 8b}; do
    local layers=() && [ -n "${BENCH_LAYERS:-}" ] && layers=(--layers "$BENCH_LAYERS")
    step "random-$shape" java -jar chat/target/chat.jar random-model --shape "$shape" "${layers[@]}" --out "$scratch/$shape-bf16"
    for type in ${BENCH_TYPES:-f16 q8_0}; do
      local gguf=$scratch/$shape.$type.gguf
      step "convert-$shape-$type" java -jar chat/target/chat.jar convert --model "$scratch/$shape-bf16" --out "$gguf" --type "$type"
      step "bench-$shape-$type" java -jar chat/target/chat.jar bench --model "$gguf" --device gpu -p "${BENCH_P:-512}" \
          -n "${BENCH_N:-128}" -r "${BENCH_R:-3}" --json
      python3 - "$out/bench-$shape-$type.txt" "${BANDWIDTH:-4.8e12}" <<'PY' | tee -a "$out/summary.txt"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
if not lines:
    print("  no bench result in", sys.argv[1]); sys.exit()
b = json.loads(lines[-1]); bw = float(sys.argv[2])
print("  %s on %s: pp %.1f tok/s, tg %.2f tok/s, %.2f GB/token -> %.1f GB/s = %.1f%% of %.1f TB/s"
      % (b["model"], b["device"], b["pp_tokens_per_s"], b["tg_tokens_per_s"], b["weight_bytes_per_token"] / 1e9,
         b["tg_weight_gb_per_s"], 100 * b["tg_weight_gb_per_s"] * 1e9 / bw, bw / 1e12))
PY
      rm -f "$gguf"
    done
    rm -rf "$scratch/$shape-bf16"
  done
}

for what in "${@:-all}"; do
  case $what in
    unpack) unpack ;;
    all)
      setup
      for s in ${STEPS:-devices tests transformers bench}; do
        case $s in
          devices) step devices "$TORNADOVM_HOME/bin/tornado" --devices ;;
          tests) step tests tests ;;
          transformers) step transformers python3 tools/gpu/compare_transformers.py --jar chat/target/chat.jar ${COMPARE_ARGS:-} ;;
          bench) bench ;;
        esac
      done
      cp "$out/summary.txt" "$out/summary.final.txt" 2>/dev/null
      ;;
    *) echo "usage: device-check.sh [unpack] [all]"; exit 2 ;;
  esac
done
