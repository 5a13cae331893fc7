# examples/lib.sh: what every recipe shares (sourced, not run). A recipe is run as
#   examples/NAME.sh [OUT_DIR]
# with wangge from $WANGGE (default: build/release/cli/wangge beside this folder) and the real
# data sets from $REALDATA (default: ../shared/realdata beside the project). It writes its
# workspace, report and maps into OUT_DIR (default: out/NAME), checks that the figures
# reconcile, prints one `figures` line, and exits 0; 77 when its data set is absent (skipped),
# 1 when a step fails or a figure does not reconcile.
set -u

ex_begin() { # NAME
    EX=$1
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    WG=${WANGGE:-$root/build/release/cli/wangge}
    DATA=${REALDATA:-$root/../shared/realdata}
    OUT=${2:-$root/out/$EX}
    [ -x "$WG" ] || { echo "$EX: no wangge at $WG (build it, or set WANGGE)" >&2; exit 1; }
    rm -rf "$OUT" && mkdir -p "$OUT" || exit 1
    WS=$OUT/$EX.wangge
    T0=$(date +%s%N)
    NBAD=0
}

# need FILE...: the recipe's data. Without the real data folder at all the recipe is skipped
# (77); a file missing from it is a failure.
need() {
    local f
    if [ ! -d "$DATA" ]; then
        echo "$EX: skipped: the real data folder $DATA is absent"
        exit 77
    fi
    for f in "$@"; do
        [ -e "$DATA/$f" ] || { echo "$EX: $DATA/$f is missing" >&2; exit 1; }
    done
}

# expect WHAT A B: one more reconciliation of the recipe's own (A must equal B).
expect() {
    [ "$2" = "$3" ] || bad "$1: $2 <> $3"
}

# wg ARGS...: runs wangge, echoing the command; a failure ends the recipe.
wg() {
    echo "\$ wangge $*"
    "$WG" "$@" || { echo "$EX: FAILED: wangge $*" >&2; exit 1; }
}

# sql SQL: a read-only query of the workspace.
sql() {
    sqlite3 -readonly -batch -cmd ".load mod_spatialite" "$WS" "$1"
}

bad() {
    echo "$EX: DOES NOT RECONCILE: $*" >&2
    NBAD=$((NBAD + 1))
}

# ex_end: the reconciliations every recipe owes, then its figures line.
#   units over cells = units over units (their weight: households, residents, ...);
#   incidents assigned + unassigned = incidents imported;
#   every cell in one piece, or its pieces recorded as an issue with a cause.
ex_end() {
    local plan units cells inrange hh_cells hh_units inc assigned unassigned pieces recorded
    "$WG" --quiet report -w "$WS" --by cell --format json -o "$OUT/report.json" ||
        { echo "$EX: FAILED: report" >&2; exit 1; }
    plan=$(sql "SELECT id FROM plans WHERE active = 1")
    units=$(sql "SELECT count(*) FROM units")
    cells=$(sql "SELECT count(*) FROM cells WHERE plan = $plan")
    inrange=$(sql "SELECT round(100.0 * sum(households BETWEEN json_extract(p.params, '$.min') AND json_extract(p.params, '$.max')) / count(*), 1) FROM cells c JOIN plans p ON p.id = c.plan WHERE c.plan = $plan")
    hh_cells=$(sql "SELECT total(households) FROM cells WHERE plan = $plan" | sed 's/\.0$//')
    hh_units=$(sql "SELECT total(u.households) FROM units u JOIN cell_units cu ON cu.unit = u.id AND cu.plan = $plan" | sed 's/\.0$//')
    [ "$hh_cells" = "$hh_units" ] || bad "weight over cells $hh_cells, over their units $hh_units"
    read -r inc assigned unassigned < <(sqlite3 -batch -separator ' ' :memory: "SELECT json_extract(j, '$.reconciliation.incidents'), json_extract(j, '$.reconciliation.assigned'), json_extract(j, '$.reconciliation.unassigned') FROM (SELECT readfile('$OUT/report.json') AS j)")
    local imported
    imported=$(sql "SELECT count(*) FROM incidents")
    [ "$inc" = "$imported" ] || bad "the report counts $inc incidents, the layer holds $imported"
    [ $((assigned + unassigned)) = "$imported" ] ||
        bad "assigned $assigned + unassigned $unassigned <> imported $imported"
    pieces=$(sql "SELECT count(*) FROM cells WHERE plan = $plan AND ST_NumGeometries(geom) > 1")
    recorded=$(sql "SELECT count(DISTINCT cell) FROM plan_issues WHERE plan = $plan AND kind = 'pieces' AND length(cause) > 10")
    [ "$pieces" = "$recorded" ] || bad "$pieces cells in pieces, $recorded recorded with a cause"
    local cams linked cover secs
    cams=$(sql "SELECT count(*) FROM cameras")
    "$WG" info -w "$WS" >"$OUT/info.txt" || { echo "$EX: FAILED: info" >&2; exit 1; }
    linked=$(sed -n 's/.*cameras  *[0-9,]*, \([0-9,]*\) of them seeing a cell (\([0-9,]*\) camera-cell links).*/\1 cameras, \2 links/p' "$OUT/info.txt")
    cover=$(sed -n 's/.*open ground seen  *\([0-9.]* %\).*/\1/p' "$OUT/info.txt")
    secs=$((($(date +%s%N) - T0) / 100000000))
    secs="$((secs / 10)).$((secs % 10))"
    printf 'figures %s: units=%s cells=%s in_range=%s%% cells_in_pieces=%s incidents=%s assigned=%s unassigned=%s cameras=%s linked=[%s] open_ground_seen=[%s] seconds=%s\n' \
        "$EX" "$units" "$cells" "$inrange" "$pieces" "$imported" "$assigned" "$unassigned" \
        "$cams" "${linked:-0 cameras, 0 links}" "${cover:-none}" "$secs" | tee "$OUT/figures.txt"
    [ "$NBAD" -eq 0 ] || exit 1
    exit 0
}
