#!/usr/bin/env bash
# benchmarks/bench.sh: the figures of benchmarks/README.md, measured side by
# side in one run by the Go benchmarks of this directory, repeated, then
# summarised (median, min–max) by benchmarks/benchsum.
#
#   benchmarks/bench.sh [part ...]     parts: build real http calls (default: build http calls)
#
#   build  BenchmarkBuild on testdata/bench: plain, hand-instrumented, wrapper and
#          toolexec-only builds, each cold (empty GOCACHE), then nothing changed,
#          one user file touched (content unchanged), the same file edited, and
#          two plan changes (a handler with a function
#          span; a handler calling another service); binary sizes.
#   real   the same on the large real program $REAL (a main package's
#          importpath@version, fetched through the module proxy), without the
#          hand-instrumented mode.
#   http   BenchmarkHTTP: requests/s, p50 and p99 of the testdata/bench service
#          plain, woven (tracing off, unsampled, sampled) and hand-instrumented
#          (unsampled, sampled), loaded by benchmarks/loadgen on 127.0.0.1.
#   calls  BenchmarkCalls: the cost of one call of a woven function span
#          (off and never-sampled with the hook left unbound; off with the hook
#          bound; unsampled; sampled) against the unwoven function and the same
#          span written by hand.
#
# Environment: ROUNDS (default 3) rounds of build; REAL_ROUNDS (default 2) of
# real; RUNTIME_ROUNDS (default 5) of http and calls; REAL (default the caddy release below); HTTP_DURATION
# (default 5s per service and round); CALLTIME (default 1s, the per-call
# benchmarks' -test.benchtime); OUT (default a new directory under /tmp) for
# the raw go test output and summary.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(build http calls)
rounds=${ROUNDS:-3}
real_rounds=${REAL_ROUNDS:-2}
runtime_rounds=${RUNTIME_ROUNDS:-5}
real=${REAL:-github.com/caddyserver/caddy/v2/cmd/caddy@v2.11.9}
out=${OUT:-$(mktemp -d /tmp/ssaweave-bench-XXXXXX)}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
go build -o "$work/ssaweave" ./cmd/ssaweave
export SSAWEAVE_BENCH_TOOL="$work/ssaweave"

machine() {
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- CPU: $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/{print $2}') GiB"
  echo "- $(go version), $("$work/ssaweave" version)"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- strace: $(command -v strace >/dev/null && strace -V | head -1 || echo 'not installed: packages not counted')"
}
{ echo "# ssaweave benchmarks"; echo; machine; echo; } > "$out/summary.md"

# bench name pattern, then environment settings, then go test flags.
run() {
  local name=$1 pattern=$2; shift 2
  local -a env=()
  while [ $# -gt 0 ] && [[ $1 == *=* ]]; do env+=("$1"); shift; done
  local cmd=(env "${env[@]}" go test -run '^$' -bench "$pattern" -benchtime 1x -timeout 12h "$@" ./benchmarks/)
  echo "== $name: ${cmd[*]}" | tee -a "$out/summary.md"
  "${cmd[@]}" 2>&1 | tee "$out/raw-$name.txt"
  { echo; go run ./benchmarks/benchsum -match '-' "$out/raw-$name.txt"; } >> "$out/summary.md"
}

for part in "${parts[@]}"; do
  case $part in
    build) run build '^BenchmarkBuild$/^server$' SSAWEAVE_BENCH_COLD=1 -count "$rounds" ;;
    real)  run real "^BenchmarkBuild\$/^$(basename "${real%@*}")\$" SSAWEAVE_BENCH_COLD=1 "SSAWEAVE_BENCH_REAL=$real" -count "$real_rounds" ;;
    http)  run http '^BenchmarkHTTP$' "SSAWEAVE_BENCH_HTTP_DURATION=${HTTP_DURATION:-5s}" -count "$runtime_rounds" ;;
    calls) run calls '^BenchmarkCalls$' "SSAWEAVE_BENCH_CALLTIME=${CALLTIME:-1s}" -count "$runtime_rounds" ;;
    *) echo "unknown part $part (want build, real, http or calls)" >&2; exit 2 ;;
  esac
done
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/summary.md"
echo "results: $out/summary.md"
