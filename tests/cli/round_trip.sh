#!/usr/bin/env bash
# tests/cli/round_trip.sh: export -> import gives back the same rows. Units (polygons, one with a
# hole, one multipolygon, non-ASCII and quoted names), incidents (with times) and cameras go
# from the fixtures into workspace A; each layer is exported to .gpkg .geojson .fgb .shp .csv
# and each file imported into a fresh workspace; the rows of A and of the copy must be
# identical: id, every attribute (quote(): the type too) and hex(AsBinary(geom)). A CSV export
# has no CRS, so its re-import says --src-crs EPSG:4549. When a pair differs, the failure says
# how: which attributes, and whether the geometries are the same shape (ST_Equals, Hausdorff
# distance) or the same points to within what.
#   usage: bash tests/cli/round_trip.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"

LAYERS="units incidents cameras"
FORMATS="gpkg geojson fgb shp csv"
mkdir exp

cols()
{
    case $1 in
    units) echo "id households compound community kind name" ;;
    incidents) echo "id category source status reported dispatched closed due" ;;
    cameras) echo "id kind heading_deg fov_deg range_m height_m name" ;;
    esac
}

# rows WS LAYER: the layer's rows, one a line, ordered by id.
rows()
{
    local c sel=""
    for c in $(cols "$2"); do
        sel="$sel quote($c) || '|' ||"
    done
    sql "$1" "SELECT $sel coalesce(hex(AsBinary(geom)), 'NULL') FROM $2 ORDER BY id"
}

# explain A B LAYER: how the copy differs, for the failure message.
explain()
{
    local a=$1 b=$2 L=$3 c why=""
    for c in $(cols "$L"); do
        local n
        n=$(sql "$a" "ATTACH '$b' AS b; SELECT count(*) FROM $L x JOIN b.$L y USING (id)
                       WHERE quote(x.$c) IS NOT quote(y.$c)")
        [ "$n" != 0 ] && why="$why $c differs in $n rows (e.g. $(sql "$a" "ATTACH '$b' AS b;
            SELECT x.id || ': ' || quote(x.$c) || ' -> ' || quote(y.$c) FROM $L x
            JOIN b.$L y USING (id) WHERE quote(x.$c) IS NOT quote(y.$c) LIMIT 1"));"
    done
    why="$why $(sql "$a" "ATTACH '$b' AS b;
        SELECT count(*) || ' of ' || (SELECT count(*) FROM $L) || ' geometries differ in bytes'
               || CASE WHEN count(*) = 0 THEN '' ELSE
                  ', ' || sum(ST_Equals(x.geom, y.geom)) || ' of them ST_Equals, max Hausdorff '
                  || 'distance ' || printf('%.3g', max(HausdorffDistance(x.geom, y.geom))) || ' m' END
        FROM $L x JOIN b.$L y USING (id) WHERE AsBinary(x.geom) IS NOT AsBinary(y.geom)")"
    echo "$why"
}

# ---- workspace A -----------------------------------------------------------------------------
wg_case "A"
wg_ok init -w A.wangge --crs EPSG:4549 &&
    wg_ok import -w A.wangge units "$FIX/units.geojson" &&
    wg_ok import -w A.wangge incidents "$FIX/incidents.csv" &&
    wg_ok import -w A.wangge cameras "$FIX/cameras.geojson"
if [ "$NFAIL" -gt 0 ]; then
    echo "cannot make workspace A; nothing else is tested"
    wg_end
fi
for L in $LAYERS; do
    rows A.wangge "$L" >"A.$L.rows"
done
check "A does not hold 6 units, 8 incidents, 4 cameras" \
    [ "$(cat A.units.rows A.incidents.rows A.cameras.rows | wc -l)" -eq 18 ]
check "A's times are not the fixture's instants (I1 reported 2024-03-01T08:15+08:00)" \
    grep -q "^'I1'|'noise'|'hotline'|'closed'|1709252100|" A.incidents.rows

# ---- export, import into a fresh workspace, compare -------------------------------------------
for L in $LAYERS; do
    n=$(wc -l <"A.$L.rows")
    for f in $FORMATS; do
        wg_case "$L.$f"
        dest=exp/$L.$f
        wg_ok export -w A.wangge "$L" "$dest" || continue
        check "export did not report $n features: $(show out)" grep -q "^$L: $n features written to $dest" out
        check "export did not make $dest" [ -s "$dest" ]
        B=B.$L.$f.wangge
        extra=""
        [ "$f" = csv ] && extra="--src-crs EPSG:4549"
        wg_ok init -w "$B" --crs EPSG:4549 || continue
        # shellcheck disable=SC2086
        wg_ok import -w "$B" "$L" "$dest" $extra || continue
        check "import of $dest did not insert $n, reject 0: $(show out)" \
            grep -q "$n inserted, 0 updated, 0 repaired, 0 rejected" out
        check "import of $dest warned: $(show err)" [ ! -s err ]
        rows "$B" "$L" >"B.rows"
        if ! cmp -s "A.$L.rows" B.rows; then
            check "rows differ after $L -> .$f -> import:$(explain A.wangge "$B" "$L")" false
        else
            NCHECK=$((NCHECK + 1))
        fi
    done
done

# ---- an export imported back into A itself updates every row and changes none ---------------
wg_case "units.gpkg back into A"
wg_ok import -w A.wangge units exp/units.gpkg &&
    check "expected 0 inserted, 6 updated: $(show out)" \
        grep -q '6 features .* 0 inserted, 6 updated, 0 repaired, 0 rejected' out
rows A.wangge units >A.units.again
check "units of A changed by re-importing their own export: $(diff A.units.rows A.units.again | head -c 300)" \
    cmp -s A.units.rows A.units.again

wg_end
