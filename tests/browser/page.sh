#!/usr/bin/env bash
# tests/browser/page.sh: the page in a real browser. Makes the small sample city's workspace,
# starts `wangge serve` on it (any free port, a token file), and runs page.cjs (playwright-core
# driving Debian's chromium) against it; the screenshots land in OUT_DIR.
#   usage: bash tests/browser/page.sh WANGGE FIXTURES NODE_MODULES OUT_DIR
# Exit 77 (skipped) when chromium or node is not installed: scripts/install-deps.sh installs
# them, and CI runs it.
set -u
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null; then
    echo "skipped: $CHROMIUM or node is not installed (scripts/install-deps.sh installs them)"
    exit 77
fi
MODULES=${3:?usage: page.sh WANGGE FIXTURES NODE_MODULES OUT_DIR}
OUT=${4:?usage: page.sh WANGGE FIXTURES NODE_MODULES OUT_DIR}
if [ ! -d "$MODULES/playwright-core" ]; then
    echo "$MODULES/playwright-core is missing: the web target installs it (npm ci)" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../cli/lib.sh"
wg_begin "$1" "$2"
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 2; }

. "$HERE/../cli/serve_lib.sh"
wg_case "workspace"
serve_city
[ "$NFAIL" -eq 0 ] || wg_end

wg_case "server"
TOKEN=browser-test-token-0123456789
printf '%s\n' "$TOKEN" >token
chmod 600 token
start_server serve --token-file token --threads 4
check "the server did not say where it listens: $(show serve.err)" [ -n "$URL" ]
[ -n "$URL" ] || wg_end

wg_case "page"
# where page.cjs posts its case: the place of an incident of the sample, in the workspace's CRS
CASE_XY=$(sql "$WS" "SELECT X(geom) || ',' || Y(geom) FROM incidents LIMIT 1")
export CASE_XY CASE_CRS=EPSG:4549
NODE_PATH=$MODULES timeout 300 node "$HERE/page.cjs" "$URL" "$TOKEN" "$OUT"
rc=$?
check "the page's checks failed (page.cjs exited $rc; server stderr: $(show serve.err))" [ "$rc" -eq 0 ]

wg_case "stop"
kill -TERM "$PID"
wait "$PID"
rc=$?
check "the server exited $rc after SIGTERM" [ "$rc" -eq 0 ]
wg_end
