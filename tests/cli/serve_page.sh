#!/usr/bin/env bash
# tests/cli/serve_page.sh: the page's files as `wangge serve` serves them from the binary: MIME
# types, nosniff, the Content-Security-Policy, ETag and 304, gzip that inflates to the same
# bytes, and no way out of the embedded table (traversal, hidden names, other methods). The
# server runs in a folder far from the build tree, so nothing can come from a file beside it.
#   usage: bash tests/cli/serve_page.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 2; }

. "$(dirname "$0")/serve_lib.sh"
wg_case "start"
wg_ok init -w ws.wangge --crs EPSG:4549
WS=ws.wangge
start_server serve
check "the server did not say where it listens: $(show serve.err)" [ -n "$URL" ]
[ -n "$URL" ] || wg_end

# fetch NAME PATH [CURL ARGS...]: headers into NAME.h, body into NAME.b, status into $CODE
fetch() {
    local name=$1 path=$2
    shift 2
    CODE=$(curl -s --path-as-is -D "$name.h" -o "$name.b" -w '%{http_code}' --max-time 20 "$@" "$URL$path")
}
# header NAME FIELD: the value of a header of NAME.h, without the CR
header() {
    grep -i "^$2:" "$1.h" | head -1 | cut -d' ' -f2- | tr -d '\r'
}

wg_case "the page"
fetch page /
if [ "$CODE" = 404 ] && grep -q 'not built' page.b; then
    echo "skipped: this wangge was built without the page (WG_WEB=OFF)"
    kill -TERM "$PID"
    wait "$PID"
    exit 77
fi
check "GET / answered $CODE" [ "$CODE" = 200 ]
check "/ is $(header page Content-Type)" [ "$(header page Content-Type)" = "text/html; charset=utf-8" ]
check "/ has no nosniff" [ "$(header page X-Content-Type-Options)" = nosniff ]
csp=$(header page Content-Security-Policy)
check "the CSP does not keep to this server: '$csp'" grep -q "default-src 'self'; script-src 'self'" <<<"$csp"
check "the CSP names another host: '$csp'" bash -c '! grep -qE "https?:|\*" <<<"$1"' _ "$csp"
check "the page names another host: $(grep -oE 'https?://[^"]*' page.b | head -3 | tr '\n' ' ')" \
    bash -c '! grep -qE "(src|href)=\"(https?:)?//" page.b'
fetch index /index.html
check "/index.html is not the page" cmp -s page.b index.b

wg_case "the assets"
mapfile -t assets < <(grep -oE '/assets/[A-Za-z0-9._-]+' page.b | sort -u)
check "the page names no script and style: $(show page.b)" [ "${#assets[@]}" -ge 2 ]
for a in "${assets[@]}"; do
    fetch asset "$a"
    check "$a answered $CODE" [ "$CODE" = 200 ]
    case $a in
    *.js) want="text/javascript; charset=utf-8" ;;
    *.css) want="text/css; charset=utf-8" ;;
    *) want="?" ;;
    esac
    check "$a is '$(header asset Content-Type)', expected '$want'" [ "$(header asset Content-Type)" = "$want" ]
    check "$a has no nosniff" [ "$(header asset X-Content-Type-Options)" = nosniff ]
    check "$a is empty" [ -s asset.b ]
    etag=$(header asset ETag)
    check "$a has no ETag" [ -n "$etag" ]
    fetch again "$a" -H "If-None-Match: $etag"
    check "$a with its ETag answered $CODE, expected 304" [ "$CODE" = 304 ]
    fetch gz "$a" -H 'Accept-Encoding: gzip'
    if [ "$(header gz Content-Encoding)" = gzip ]; then
        check "$a gzipped is not smaller" [ "$(stat -c %s gz.b)" -lt "$(stat -c %s asset.b)" ]
        check "$a gzipped does not inflate to the same bytes" cmp -s asset.b <(gzip -dc gz.b)
        check "$a's gzip form has the identity's ETag" [ "$(header gz ETag)" != "$etag" ]
        check "$a does not vary by Accept-Encoding" [ "$(header gz Vary)" = Accept-Encoding ]
    else
        check "$a (over 10 kB) is not served gzipped" [ "$(stat -c %s asset.b)" -lt 10000 ]
    fi
    fetch nogz "$a" -H 'Accept-Encoding: gzip;q=0, identity'
    check "$a is gzipped for a client that refuses gzip" [ -z "$(header nogz Content-Encoding)" ]
done

wg_case "nothing else"
for p in /assets/../etc/passwd /assets/..%2f..%2fetc%2fpasswd /assets/%2e%2e/x /assets/.hidden \
    /assets/ /assets/nothing.js /assets/app.js/x /../../etc/passwd /index.htm; do
    fetch out "$p"
    check "$p answered $CODE, expected 404" [ "$CODE" = 404 ]
done
CODE=$(curl -s -o out.b -w '%{http_code}' -X POST --data x "$URL/")
check "POST / answered $CODE, expected 405" [ "$CODE" = 405 ]
CODE=$(curl -s -o out.b -w '%{http_code}' -X DELETE "$URL/assets/app.js")
check "DELETE of an asset answered $CODE, expected 405" [ "$CODE" = 405 ]
CODE=$(curl -s -I -o head.h -w '%{http_code}' "$URL/")
check "HEAD / answered $CODE" [ "$CODE" = 200 ]

wg_case "stop"
kill -TERM "$PID"
wait "$PID"
rc=$?
check "the server exited $rc after SIGTERM" [ "$rc" -eq 0 ]
wg_end
