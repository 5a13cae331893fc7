# tests/cli/lib.sh: helpers shared by the end-to-end scripts (sourced, not run).
# A script calls `wg_begin "$@"` with the arguments ctest gives it (the wangge binary and the
# fixtures folder); it then runs in a fresh temporary folder that is removed on exit. Checks
# record failures and go on, so that one run lists every problem; `wg_end` prints the summary
# and sets the exit status.
set -u

wg_begin()
{
    if [ $# -lt 2 ]; then
        echo "usage: bash $0 /path/to/wangge /path/to/tests/fixtures" >&2
        exit 2
    fi
    case $1 in
    /*) WG=$1 ;;
    *) WG=$PWD/$1 ;;
    esac
    FIX=$(cd "$2" 2>/dev/null && pwd)/cli
    if [ ! -x "$WG" ]; then
        echo "$WG: not an executable" >&2
        exit 2
    fi
    if [ ! -d "$FIX" ]; then
        echo "$FIX: no such fixtures folder" >&2
        exit 2
    fi
    for tool in sqlite3 sha256sum; do
        command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
    done
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/wangge-cli.XXXXXX") || exit 2
    trap wg__cleanup EXIT
    trap 'exit 130' INT TERM HUP
    cd "$TMP" || exit 2
    NFAIL=0
    NCHECK=0
    CASE="(setup)"
    T0=$(date +%s)
}

wg__cleanup()
{
    local p
    for p in $(jobs -p); do # background commands of this script still running
        { kill -9 "$p" && wait "$p"; } 2>/dev/null
    done
    cd / && rm -rf "$TMP"
}

# The name shown in front of failures, until the next call.
wg_case()
{
    CASE=$1
}

fail()
{
    NFAIL=$((NFAIL + 1))
    echo "FAIL [$CASE]: $*"
}

# check DESCRIPTION COMMAND...: counts a check, and fails with DESCRIPTION unless COMMAND
# succeeds.
check()
{
    local what=$1
    shift
    NCHECK=$((NCHECK + 1))
    "$@" || fail "$what"
}

note()
{
    echo "note [$CASE]: $*"
}

wg_end()
{
    local secs=$(($(date +%s) - T0))
    if [ "$NFAIL" -gt 0 ]; then
        echo "$(basename "$0"): $NFAIL of $NCHECK checks FAILED (${secs} s)"
        exit 1
    fi
    echo "$(basename "$0"): all $NCHECK checks passed (${secs} s)"
    exit 0
}

# wg ARGS...: runs wangge; its stdout lands in $TMP/out, stderr in $TMP/err, status in $RC.
wg()
{
    "$WG" "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    return 0
}

# wg_ok ARGS...: runs wangge and fails the case unless it exits 0.
wg_ok()
{
    wg "$@"
    NCHECK=$((NCHECK + 1))
    if [ "$RC" -ne 0 ]; then
        fail "wangge $* exited $RC: $(head -c 600 "$TMP/err")"
        return 1
    fi
    return 0
}

nlines()
{
    # lines of a file, counting a last line without its newline
    awk 'END { print NR }' "$1"
}

sha()
{
    sha256sum <"$1" | cut -d' ' -f1
}

# sql DB SQL: read-only query (no hot-journal rollback, no change to DB) with SpatiaLite.
sql()
{
    sqlite3 -readonly -batch -cmd ".load mod_spatialite" "$1" "$2"
}

# The text of a captured file for a failure message, on one line and not too long.
show()
{
    tr '\n' '|' <"$1" | head -c 400
}

# wg_small_city WS SEED [FILE...]: the small sample city of SEED written to ./city and its
# FILEs (city/communities.gpkg, units, streets, incidents, cameras and workers when none are
# named) imported into a new workspace WS in EPSG:4549.
wg_small_city()
{
    local ws=$1 seed=$2 f l
    shift 2
    [ $# -gt 0 ] || set -- city/communities.gpkg city/units.gpkg city/streets.gpkg \
        city/incidents.fgb city/cameras.gpkg city/workers.csv
    wg_ok demo-data --scale small --seed "$seed" -o city
    wg_ok init -w "$ws" --crs EPSG:4549
    for f in "$@"; do
        l=$(basename "${f%.*}")
        wg_ok --quiet import -w "$ws" "$l" "$f"
    done
}

# The starting workspace both bad_input.sh and kill_import.sh need: EPSG:4549 with the good
# units, incidents and cameras fixtures; `info` of it is left in the file `out`. Ends the
# script (wg_end) when it cannot be made, since nothing else can then be tested.
wg_start_workspace() { # WS
    wg_case "start"
    wg_ok init -w "$1" --crs EPSG:4549 &&
        wg_ok import -w "$1" units "$FIX/units.geojson" &&
        wg_ok import -w "$1" incidents "$FIX/incidents.csv" &&
        wg_ok import -w "$1" cameras "$FIX/cameras.geojson" &&
        wg_ok info -w "$1"
    if [ "$NFAIL" -gt 0 ]; then
        echo "cannot make the starting workspace; nothing else is tested"
        wg_end
    fi
}

# The checks every refused command must pass (the script defines ws_restore and keeps the
# starting `info` in src/info.base). TARGET is the file that must not change (the
# workspace, or the file given as one); NEEDLES are '|'-separated phrases the message must hold.
#   refused NAME TARGET NEEDLES WANGGE-ARGS...
refused()
{
    local name=$1 target=$2 needles=$3
    shift 3
    wg_case "$name"
    local dir before listing
    dir=$(dirname "$target")
    before=$(sha "$target")
    listing=$(ls -A "$dir")
    wg "$@"
    cp err refused.err # the message, kept for checks after this one
    check "exit status $RC, expected 1 (stderr: $(show err))" [ "$RC" -eq 1 ]
    check "stdout is not empty: $(show out)" [ ! -s out ]
    check "stderr has $(nlines err) lines, expected 1: $(show err)" [ "$(nlines err)" -eq 1 ]
    check "stderr does not start with 'wangge: ': $(show err)" \
        [ "$(head -c 8 err)" = "wangge: " ]
    local n parts
    IFS='|' read -r -a parts <<<"$needles"
    for n in "${parts[@]}"; do
        check "the message does not contain '$n': $(show err)" grep -qF -- "$n" err
    done
    check "$target changed (sha256 differs)" [ "$(sha "$target")" = "$before" ]
    check "files beside $target changed: was '$listing', now '$(ls -A "$dir" | tr '\n' ' ')'" \
        [ "$(ls -A "$dir")" = "$listing" ]
    if [ "$target" = "$WS" ]; then
        wg info -w "$WS"
        check "info after the failure exited $RC: $(show err)" [ "$RC" -eq 0 ]
        check "info after the failure differs from before: $(diff src/info.base out | tr '\n' '|')" \
            cmp -s src/info.base out
        [ "$(sha "$WS")" = "$(sha src/base.wangge)" ] || ws_restore
    fi
}

# assignment WS FILE [--plan P]: each incident's cell as `wangge export` gives it (the assignment
# is packed in the workspace, not readable with SQL), one line per incident in fid order:
# id|cell|unassigned, where cell is empty for an incident in none and unassigned is its reason
# (outside, gap, no_location) or empty. Fails the case, leaving FILE empty, when the export
# fails or carries no assignment. The output of the last wangge command (out, err, $RC) is kept.
assignment()
{
    local ws=$1 file=$2 rc=$RC
    shift 2
    : >"$file"
    touch "$TMP/out" "$TMP/err"
    cp "$TMP/out" "$TMP/assignment.out" && cp "$TMP/err" "$TMP/assignment.saved-err"
    wg_ok export -w "$ws" incidents "$TMP/assignment.csv" "$@"
    local ok=$?
    mv "$TMP/assignment.out" "$TMP/out" && mv "$TMP/assignment.saved-err" "$TMP/err"
    RC=$rc
    [ "$ok" -eq 0 ] || return 1
    python3 - "$TMP/assignment.csv" >"$file" 2>"$TMP/assignment.err" <<'PY'
import csv, sys
rows = csv.DictReader(open(sys.argv[1], newline=""))
if "cell" not in rows.fieldnames or "unassigned" not in rows.fieldnames:
    sys.exit("the export has no cell and unassigned columns: %s" % rows.fieldnames)
for r in rows:
    print("%s|%s|%s" % (r["id"], r["cell"], r["unassigned"]))
PY
    if [ $? -ne 0 ]; then
        fail "the assignment could not be read from the export: $(show "$TMP/assignment.err")"
        : >"$file"
        return 1
    fi
    return 0
}
