#!/usr/bin/env bash
# The first run on a GPU, as one command: eng/gpu-smoke.sh (from anywhere; it works in the repository root).
#
# Needs: Linux, an NVIDIA GPU with its driver (nvidia-smi, libnvidia-ml.so.1), the .NET 10 SDK, nuget.org among the
# NuGet sources (TorchSharp-cuda-linux and its libtorch-cuda packages), and free disk: libtorch's CUDA build is several
# GB, unpacked once in the NuGet cache and copied into each executable project's bin (about ten of them), so the
# default check asks for 60 GiB (LAMDA_SMOKE_MIN_FREE_GIB to change it).
#
# Steps, each stopping the script on failure:
#   1. prerequisites   nvidia-smi sees a GPU, dotnet is there, enough free disk
#   2. build           removes the bin/obj folders beside every project (a CPU libtorch left there would be loaded),
#                      then dotnet build Lamda.sln -c Release -p:LamdaTorchBackend=cuda
#   3. gpu-checks      LAMDA_TEST_DEVICE=cuda: the Gpu.GpuSmokeTests class (CPU and GPU logits of one merged model,
#                      float32 within 1e-4 and bfloat16 within 2e-2; GPU memory in use flat within 64 MiB over 400 steps)
#   4. suite           LAMDA_TEST_DEVICE=cuda: the rest of the test suite on the GPU
#   5. quickstart      the quickstart's quick run with --device cuda (all-MiniLM-L6-v2, LaMDA)
# and prints exactly one verdict line at the end: "GPU SMOKE: PASS ..." or "GPU SMOKE: FAIL <step>".
# Logs of every step: artifacts/gpu-smoke/ (LAMDA_SMOKE_LOGS to change it). Afterwards the outputs hold the CUDA
# build; remove bin/obj again (or build without the switch after removing them) to go back to CPU.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
logs="${LAMDA_SMOKE_LOGS:-$repo/artifacts/gpu-smoke}"
min_free_gib="${LAMDA_SMOKE_MIN_FREE_GIB:-60}"
device="${LAMDA_TEST_DEVICE:-cuda}"
step="prerequisites"
verdict=""

finish() {
  local status=$?
  if [ -z "$verdict" ]; then
    if [ "$status" -eq 0 ]; then status=1; fi
    echo "GPU SMOKE: FAIL $step"
  fi
  exit "$status"
}
trap finish EXIT

fail() { # fail MESSAGE...: explains, then the EXIT trap prints the verdict for the current step
  echo "gpu-smoke: $step: $*" >&2
  exit 1
}

run_logged() { # run_logged NAME COMMAND...: shows the output and keeps it in $logs/NAME.log
  local name="$1"
  shift
  "$@" 2>&1 | tee "$logs/$name.log"
}

# 1. Prerequisites -------------------------------------------------------------------------------------------------
if ! command -v nvidia-smi > /dev/null 2>&1; then
  fail "nvidia-smi not found: this script needs a machine with an NVIDIA GPU and its driver (nvidia-smi comes with the driver). On a CPU-only machine run the ordinary tests: dotnet test Lamda.sln -c Release"
fi
if ! gpus="$(nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader 2>&1)" || [ -z "$gpus" ]; then
  fail "nvidia-smi found no usable GPU: ${gpus:-no output}"
fi
case "$device" in
  cuda | cuda:[0-9]*) ;;
  *) fail "LAMDA_TEST_DEVICE='$device' is not a GPU device; leave it unset (cuda) or use cuda:N." ;;
esac
command -v dotnet > /dev/null 2>&1 || fail "dotnet not found: install the .NET 10 SDK."
nuget_cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
mkdir -p "$nuget_cache" "$logs"
for folder in "$repo" "$nuget_cache"; do
  free_kib="$(df -Pk "$folder" | awk 'NR == 2 { print $4 }')"
  if [ "$((free_kib / 1024 / 1024))" -lt "$min_free_gib" ]; then
    fail "only $((free_kib / 1024 / 1024)) GiB free under $folder, at least $min_free_gib GiB needed (libtorch's CUDA build is several GB, copied into each executable's bin); free some space or set LAMDA_SMOKE_MIN_FREE_GIB."
  fi
done
echo "gpu-smoke: GPU(s): $gpus"
echo "gpu-smoke: device $device, logs in $logs"

# 2. Build ------------------------------------------------------------------------------------------------------------
step="build"
echo "gpu-smoke: removing the build outputs (bin, obj) beside every project, then building with -p:LamdaTorchBackend=cuda"
while IFS= read -r project; do
  rm -rf "$(dirname "$project")/bin" "$(dirname "$project")/obj"
done < <(find "$repo/src" "$repo/samples" "$repo/eng" "$repo/test" -name '*.csproj' -not -path '*/bin/*' -not -path '*/obj/*')
run_logged build dotnet build Lamda.sln -c Release -p:LamdaTorchBackend=cuda || fail "the CUDA build failed (is TorchSharp-cuda-linux reachable from your NuGet sources?); see $logs/build.log"
ls test/Microsoft.ML.Lamda.Tests/bin/Release/net10.0/libtorch_cuda.so > /dev/null 2>&1 ||
  fail "the build has no libtorch_cuda.so in the test output: the CPU libtorch was restored"

export LAMDA_TEST_DEVICE="$device"

# 3. GPU checks: logits CPU vs GPU, memory flat -----------------------------------------------------------------------
step="gpu-checks"
run_logged gpu-checks dotnet test test/Microsoft.ML.Lamda.Tests -c Release --no-build \
  --filter "FullyQualifiedName~Microsoft.ML.Lamda.Tests.Gpu.GpuSmokeTests" --logger "console;verbosity=detailed" ||
  fail "see $logs/gpu-checks.log"
passed="$(grep -Ec '^[[:space:]]*Passed Microsoft\.ML\.Lamda\.Tests\.Gpu\.GpuSmokeTests\.' "$logs/gpu-checks.log" || true)"
if [ "$passed" -ne 2 ]; then
  fail "$passed of the 2 GPU checks passed (a skipped one means LAMDA_TEST_DEVICE did not reach the tests); see $logs/gpu-checks.log"
fi

# 4. The rest of the suite on the GPU ------------------------------------------------------------------------------------
step="suite"
run_logged suite dotnet test test/Microsoft.ML.Lamda.Tests -c Release --no-build \
  --filter "FullyQualifiedName!~Microsoft.ML.Lamda.Tests.Gpu.GpuSmokeTests" || fail "see $logs/suite.log"

# 5. The quickstart on the GPU ----------------------------------------------------------------------------------------
step="quickstart"
run_logged quickstart dotnet samples/Quickstart/bin/Release/net10.0/Quickstart.dll --quick --device "$device" \
  --output "$repo/artifacts/gpu-smoke/quickstart" || fail "see $logs/quickstart.log"
grep -q 'peak GPU memory' "$logs/quickstart.log" || fail "the quickstart reported no GPU memory: did it train on the GPU? See $logs/quickstart.log"

figures="$(grep -Eh 'largest CPU/GPU logit difference|GPU memory in use:' "$logs/gpu-checks.log" | sed -E 's/^[[:space:]]+//' | tr '\n' ';' || true)"
echo "gpu-smoke: $figures"
verdict="pass"
echo "GPU SMOKE: PASS ($(echo "$gpus" | head -n 1 | cut -d, -f2 | sed -E 's/^ +//'), $device: build, gpu-checks, suite, quickstart)"
