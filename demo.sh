#!/usr/bin/env bash
# demo.sh: build ssaweave, weave the bundled demo service (testdata/httpserver,
# which has no tracing code), run it with the console exporter, send it a few
# requests, stop it, and show the spans it produced.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
addr=127.0.0.1:${PORT:-18080}

echo "== building ssaweave"
(cd "$root" && go build -o "$work/ssaweave" ./cmd/ssaweave)

cd "$root/testdata/httpserver"
echo "== ssaweave plan ./cmd/server"
"$work/ssaweave" plan ./cmd/server
echo
echo "== ssaweave go build -o server ./cmd/server"
"$work/ssaweave" go build -o "$work/server" ./cmd/server

echo "== running it (OTEL_TRACES_EXPORTER=console) and sending requests"
ADDR=$addr OTEL_TRACES_EXPORTER=console OTEL_SERVICE_NAME=demo "$work/server" >"$work/spans.json" 2>"$work/server.log" &
pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://$addr/health" && break; sleep 0.1; done
curl -s -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' "http://$addr/users/42"; echo
curl -s "http://$addr/users/1"
curl -s "http://$addr/health"
echo "== SIGTERM: the woven program flushes its spans before it dies"
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=

echo "== spans (stdout exporter JSON), one line each: name, trace, parent, route, status"
if command -v python3 >/dev/null; then
  python3 - "$work/spans.json" <<'PY'
import json, sys
dec, text, i = json.JSONDecoder(), open(sys.argv[1]).read(), 0
while i < len(text):
    if text[i].isspace(): i += 1; continue
    s, i = dec.raw_decode(text, i)
    a = {x["Key"]: x["Value"]["Value"] for x in s.get("Attributes") or []}
    print(f'{s["Name"]:<18} trace={s["SpanContext"]["TraceID"]} parent={s["Parent"]["SpanID"]} route={a.get("http.route")} status={a.get("http.response.status_code")}')
PY
fi
echo "== full output of the console exporter"
cat "$work/spans.json"
