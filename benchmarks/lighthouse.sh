#!/usr/bin/env bash
# Lighthouse (mobile emulation, Debian's Chromium) on the public home page, an item page and the member's capture
# page, signed in. Starts its own server on a free port with demo data unless KIM_URL points at a running one.
# Targets: performance ≥ 95, accessibility 100, best practices 100. Final line: one JSON object.
set -euo pipefail
cd "$(dirname "$0")/.."
here=benchmarks/lighthouse
chrome=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$here/node_modules/.bin/lighthouse" ] || (cd "$here" && npm install --no-audit --no-fund --loglevel=error)
work=$(mktemp -d)
trap 'kill ${server_pid:-0} 2>/dev/null || true; rm -rf "$work"' EXIT

if [ -z "${KIM_URL:-}" ]; then
  port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export KIM_INSTANCE_PATH="$work/instance" FLASK_APP=kim_app
  .venv/bin/flask db upgrade >/dev/null 2>&1
  .venv/bin/flask kim seed-demo >/dev/null
  .venv/bin/flask run --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
  server_pid=$!
  KIM_URL="http://127.0.0.1:$port"
  until curl -fs "$KIM_URL/healthz" >/dev/null; do kill -0 $server_pid || exit 1; sleep 0.2; done
fi

# Sign in as the demo member the way a browser does (form + CSRF token) and keep the session cookie.
jar="$work/cookies"
token=$(curl -fs -c "$jar" "$KIM_URL/masuk" | sed -n 's/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p')
curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$token" \
  --data-urlencode username=anggota --data-urlencode password=demo12345 "$KIM_URL/masuk"
session=$(awk '$6 == "session" {print $7}' "$jar")

flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync"
audit() {  # name url [cookie]
  local extra=()
  [ -n "${3:-}" ] && extra=(--extra-headers "{\"Cookie\": \"session=$3\"}")
  CHROME_PATH="$chrome" "$here/node_modules/.bin/lighthouse" "$2" --quiet --form-factor=mobile \
    --only-categories=performance,accessibility,best-practices --chrome-flags="$flags" \
    --output=json --output-path="$work/$1.json" "${extra[@]}"
}
audit home "$KIM_URL/"
# An item page: the newest berita the home page links.
item=$(curl -fs "$KIM_URL/" | sed -n 's/.*href="\(\/berita\/[0-9]*\)".*/\1/p' | head -1)
audit item "$KIM_URL$item"
audit capture "$KIM_URL/app" "$session"

.venv/bin/python - "$work" <<'PY'
import json, sys
from pathlib import Path
scores = {}
for name in ("home", "item", "capture"):
    report = json.loads((Path(sys.argv[1]) / f"{name}.json").read_text())
    scores[name] = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
    print(name, scores[name])
    for category in report["categories"].values():
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                print(f"  {category['id']}: {ref['id']} {audit['score']} {audit.get('displayValue', '')}")
lowest = min(score for page in scores.values() for score in page.values())
print(json.dumps({"metric": "lighthouse_lowest_score", "value": lowest, "unit": "score", "pages": scores}))
PY
