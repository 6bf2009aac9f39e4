#!/usr/bin/env bash
# editloop.sh: the edit loop of a developer, plain `go build` against
# `ssaweave go build` with its plan server, interleaved round by round.
#
#   benchmarks/editloop.sh [module dir] [package] [rounds] [file to edit]
#   benchmarks/editloop.sh testdata/bench ./cmd/server 8 internal/users/users.go
#
# Each round appends a comment to the file (so both builds recompile it and
# ssaweave re-plans), times a plain build, appends another and times the
# woven build. Before the rounds, one woven build and one edit start the
# configuration's plan server, as a developer's first edit after a build
# does. It prints each round's wall times and their ratio, the server's
# log line for each plan (reload, call graphs, planning) and the server's
# memory, then stops the server. The tool is built from this checkout.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
src=$(cd "${1:-$repo/testdata/bench}" && pwd)
pkg=${2:-./cmd/server}
rounds=${3:-8}
file=${4:-internal/users/users.go}

work=$(mktemp -d)
trap 'SSAWEAVE_CACHE=$work/cache "$work/ssaweave" clean >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
(cd "$repo" && go build -o "$work/ssaweave" ./cmd/ssaweave)
cp -r "$src" "$work/src"
cd "$work/src"
export SSAWEAVE_CACHE=$work/cache SSAWEAVE_PLAN_SERVER=auto

seconds() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
go build -o "$work/plain" "$pkg"
"$work/ssaweave" go build -o "$work/woven" "$pkg"
echo "// warm-up $RANDOM" >>"$file"
"$work/ssaweave" plan "$pkg" >/dev/null

for i in $(seq "$rounds"); do
  echo "// plain $i $RANDOM" >>"$file"
  p=$(seconds go build -o "$work/plain" "$pkg")
  echo "// woven $i $RANDOM" >>"$file"
  w=$(seconds "$work/ssaweave" go build -o "$work/woven" "$pkg")
  echo "round $i: plain ${p}s, woven ${w}s, woven/plain $(echo "scale=1; $w/$p" | bc)x, load $(cut -d' ' -f1 /proc/loadavg)"
done
grep -ho 'plan .*' "$work"/cache/server/*.log | tail -n "$rounds"
pid=$(pgrep -f "plan-server $work/cache" || true)
[ -n "$pid" ] && ps -o rss= -p "$pid" | awk '{printf "plan server RSS %.0f MB after the last plan\n", $1/1024}'
# An idle server returns what the last plan no longer uses (serverRelease).
sleep 5
[ -n "$pid" ] && ps -o rss= -p "$pid" | awk '{printf "plan server RSS %.0f MB idle\n", $1/1024}'
