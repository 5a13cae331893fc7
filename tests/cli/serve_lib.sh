# tests/cli/serve_lib.sh: what the tests of `wangge serve` share (sourced after lib.sh): a small
# sample city's workspace, a server started on it in the background, and reading its answers.

# serve_city: the small sample city (seed 2) imported into $WS, partitioned into p1, assigned.
WS=ws/city.wangge
serve_city() {
    mkdir -p ws
    wg_ok demo-data --scale small --seed 2 -o city
    wg_ok init -w "$WS" --crs EPSG:4549
    local f l
    for f in city/communities.gpkg city/units.gpkg city/incidents.fgb city/cameras.gpkg; do
        l=$(basename "${f%.*}")
        wg_ok import -w "$WS" "$l" "$f"
    done
    wg_ok --quiet partition -w "$WS" --name p1
    wg_ok --quiet assign -w "$WS"
}

# start_server NAME ARGS...: `wangge serve -w WS --listen 127.0.0.1:0 ARGS` in the background,
# its output in NAME.out and NAME.err; sets PID, and URL once it says where it listens (up to
# 10 s; empty when it does not)
start_server() {
    local name=$1
    shift
    "$WG" serve -w "$WS" --listen 127.0.0.1:0 "$@" >"$name.out" 2>"$name.err" &
    PID=$!
    wait_url "$name"
}

# wait_url NAME: URL once the server writing NAME.out says where it listens (up to 10 s)
wait_url() {
    URL=""
    for _ in $(seq 1 100); do
        URL=$(sed -n 's/^serving .* on \(http:\/\/127\.0\.0\.1:[0-9]*\) (Ctrl-C stops)$/\1/p' "$1.out")
        [ -n "$URL" ] && break
        sleep 0.1
    done
}

# get PATH FILE: the body into FILE, the status into $CODE
get() {
    CODE=$(curl -s -o "$2" -w '%{http_code}' --max-time 60 "$URL$1")
}

# jq-less: a JSON value of FILE by path, through SQLite
js() {
    sqlite3 -batch :memory: "SELECT json_extract(readfile('$1'), '$2')"
}
