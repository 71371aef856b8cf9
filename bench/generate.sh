#!/usr/bin/env bash
# Times `migfsm generate` for Specs/vfio-v2.fsm in a release build: wall
# time of the whole process (start, spec, proofs, emitters, diff or writes).
# Target: under 100 ms each. Exit 1 when a median misses it.
#
#   bench/generate.sh            # 20 runs per case
#   RUNS=50 bench/generate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${SCRATCH:-.build-generate}
runs=${RUNS:-20}
limit_ms=100
spec=Specs/vfio-v2.fsm

swift build -c release --product migfsm --scratch-path "$scratch" >/dev/null
bin="$scratch/release/migfsm"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" generate "$spec" --out "$out/current" >/dev/null

now_us() { echo $(( $(date +%s%N) / 1000 )); }

# case LABEL SETUP COMMAND...: SETUP runs untimed before each run.
failed=0
bench_case() {
    local label=$1 setup=$2
    shift 2
    local times=() start end
    for _ in $(seq "$runs"); do
        eval "$setup"
        start=$(now_us)
        "$@" >/dev/null 2>&1 || true
        end=$(now_us)
        times+=($((end - start)))
    done
    local sorted median max
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    median=$(echo "$sorted" | awk -v n="$runs" 'NR == int((n + 1) / 2)')
    max=$(echo "$sorted" | tail -1)
    local verdict=ok
    if [ $((median / 1000)) -ge $limit_ms ]; then verdict="OVER ${limit_ms} ms"; failed=1; fi
    printf '  %-34s median %6.1f ms   max %6.1f ms   %s\n' "$label" \
        "$(echo "$median / 1000" | bc -l)" "$(echo "$max / 1000" | bc -l)" "$verdict"
}

echo "migfsm generate $spec, release build, wall time with process start ($runs runs each):"
bench_case "migfsm --version (process start)" ':' "$bin" --version
bench_case "generate (writes every file)" 'rm -rf "$out/fresh"' "$bin" generate "$spec" --out "$out/fresh"
bench_case "generate (every file unchanged)" ':' "$bin" generate "$spec" --out "$out/current"
bench_case "generate --check (current)" ':' "$bin" generate "$spec" --out "$out/current" --check
bench_case "generate --check (every file missing)" ':' "$bin" generate "$spec" --out "$out/none" --check
bench_case "check --format sarif" ':' "$bin" check "$spec" --format sarif
# The kernel patch reads the tree's vfio_main.c (scripts/kernel-source).
if tree=$(scripts/kernel-source 2>/dev/null); then
    bench_case "generate --kernel-patch (6.12)" ':' "$bin" generate "$spec" --kernel-patch "$tree"
fi
exit $failed
