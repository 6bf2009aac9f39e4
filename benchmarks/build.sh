#!/usr/bin/env bash
# benchmarks/build.sh: build-time figures for testdata/httpserver, measured side
# by side in one run: plain go build, ssaweave go build (wrapper) and
# go build -toolexec=ssaweave, each cold (empty GOCACHE; the module cache is
# kept), warm (nothing changed) and after editing one user file; plus the
# plan cache (miss vs hit). Usage: benchmarks/build.sh [runs]
set -euo pipefail
runs=${1:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/ssaweave" ./cmd/ssaweave)
cp -r "$root/testdata/httpserver" "$work/prog"
cd "$work/prog"
export SSAWEAVE_CACHE="$work/swcache"

now() { date +%s.%N; }
measure() { # name, then the command
  local name=$1; shift
  local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
  awk -v n="$name" -v a="$t0" -v b="$t1" 'BEGIN{printf "%s %.2f\n", n, b-a}'
}

for i in $(seq "$runs"); do
  for mode in plain wrapper toolexec; do
    export GOCACHE="$work/gocache-$mode-$i"
    case $mode in
      plain)    build() { go build -o "$work/bin-$mode" ./cmd/server; } ;;
      wrapper)  build() { "$work/ssaweave" go build -o "$work/bin-$mode" ./cmd/server; } ;;
      toolexec) build() { go build -toolexec="$work/ssaweave" -o "$work/bin-$mode" ./cmd/server; } ;;
    esac
    measure "$mode cold" build
    measure "$mode warm" build
    echo "// edit $i" >> internal/users/users.go
    measure "$mode edit" build
  done
done
for mode in plain wrapper toolexec; do
  printf 'size %s %s\n' "$mode" "$(stat -c %s "$work/bin-$mode")"
done
unset GOCACHE
rm -rf "$SSAWEAVE_CACHE/plans"
measure "plan miss" "$work/ssaweave" plan ./cmd/server
for i in $(seq "$runs"); do measure "plan hit" "$work/ssaweave" plan ./cmd/server; done
