#!/usr/bin/env bash
# tests/cli/bad_input.sh: every kind of bad input is refused the same way. Starting from a
# workspace that already holds data, each bad command must exit 1, print nothing on stdout and
# one line on stderr ("wangge: FILE: feature N / line N (id ...): PROBLEM"), and leave the
# workspace byte for byte as it was, with no journal or other file left beside it; `wangge info`
# must still show the same thing. Also: a self-intersecting polygon is repaired by default (and
# refused with --no-repair), and --skip-invalid imports the good rows and lists the bad ones.
#   usage: bash tests/cli/bad_input.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"

mkdir ws src
WS=ws/ws.wangge

# ---- the starting workspace: units, incidents and cameras from the good fixtures ----------
wg_start_workspace "$WS"
cp out src/info.base
cp "$WS" src/base.wangge
check "info does not show 6 units and 8 incidents: $(show src/info.base)" \
    grep -Eq '^ +units +6 ' src/info.base && grep -Eq '^ +incidents +8 ' src/info.base

# Puts the starting workspace back after a case that changed it (so one bug does not cascade).
ws_restore()
{
    rm -rf ws
    mkdir ws
    cp src/base.wangge "$WS"
}

# ---- sources made here ---------------------------------------------------------------------
# random bytes, the same every run
LC_ALL=C awk 'BEGIN { srand(42); for (i = 0; i < 4096; i++) printf "%c", int(rand() * 255) + 1 }' \
    >src/random.dat
# a GeoPackage of 300 incident points, then its first half
awk 'BEGIN { print "id,category,reported,lon,lat"
             for (i = 1; i <= 300; i++)
                 printf "G%d,noise,2024-03-01T08:%02d:00Z,%.6f,%.6f\n", i, i % 60,
                        121.40 + (i % 20) * 0.0005, 31.20 + int(i / 20) * 0.0005 }' >src/g300.csv
if command -v ogr2ogr >/dev/null &&
    ogr2ogr -f GPKG src/g300.gpkg src/g300.csv -oo X_POSSIBLE_NAMES=lon \
        -oo Y_POSSIBLE_NAMES=lat -a_srs EPSG:4326 -nln incidents 2>src/ogr.err; then
    size=$(stat -c %s src/g300.gpkg)
    head -c $((size / 2)) src/g300.gpkg >src/half.gpkg
    # the same file with one leaf page of the feature table overwritten: the open succeeds,
    # the read fails part way
    cp src/g300.gpkg src/corrupt.gpkg
    page=$(sqlite3 src/g300.gpkg "SELECT pageno FROM dbstat WHERE name = 'incidents' AND
                                  pagetype = 'leaf' ORDER BY pageno" 2>/dev/null | awk '{ p[NR] = $1 } END { print p[int((NR + 1) / 2)] }')
    psize=$(sqlite3 src/g300.gpkg "PRAGMA page_size")
    if [ -z "$page" ]; then
        rm src/corrupt.gpkg # no dbstat: no way to find a page of the table
    else
        awk 'BEGIN { for (i = 0; i < 512; i++) printf "GARBAGE!" }' |
            dd of=src/corrupt.gpkg bs="$psize" seek=$((page - 1)) conv=notrunc status=none
    fi
else
    wg_case "truncated GeoPackage"
    fail "ogr2ogr could not make the GeoPackage: $(show src/ogr.err)"
fi
# a text file and another program's SQLite database, given as workspaces
mkdir notws
printf 'this is a note, not a workspace\n' >notws/notes.txt
sqlite3 notws/other.db "CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x');"
: >notws/empty.wangge

# ---- the kinds of bad input ----------------------------------------------------------------
refused "missing file" "$WS" "nope.geojson|no such file" \
    import -w "$WS" units "$FIX/nope.geojson"
refused "unknown format" "$WS" "random.dat|not a vector format" \
    import -w "$WS" units src/random.dat
refused "no CRS" "$WS" "incidents_xy.csv|no CRS|--src-crs" \
    import -w "$WS" incidents "$FIX/incidents_xy.csv"
refused "longitude out of range" "$WS" "incidents_lon_range.csv|line 3|A2|out of range|212.402" \
    import -w "$WS" incidents "$FIX/incidents_lon_range.csv"
refused "latitude out of range" "$WS" "incidents_lat_range.csv|line 3|A2|out of range|91.5" \
    import -w "$WS" incidents "$FIX/incidents_lat_range.csv"
refused "self-intersecting polygon, --no-repair" "$WS" \
    "bowtie.geojson|feature 1|BOW|Self-intersection" \
    import -w "$WS" units "$FIX/bowtie.geojson" --no-repair
refused "NaN coordinate" "$WS" "incidents_nan.csv|line 4|A3|not a number" \
    import -w "$WS" incidents "$FIX/incidents_nan.csv"
refused "missing households" "$WS" "units_hh_missing.geojson|feature 2|NOHH|households|missing" \
    import -w "$WS" units "$FIX/units_hh_missing.geojson"
refused "non-numeric households" "$WS" \
    "units_hh_text.geojson|feature 1|TXT|households|lots|not a number" \
    import -w "$WS" units "$FIX/units_hh_text.geojson"
refused "negative households" "$WS" "units_hh_negative.geojson|feature 1|NEG|households|-5|>= 0" \
    import -w "$WS" units "$FIX/units_hh_negative.geojson"
refused "fractional households (CSV)" "$WS" \
    "units_hh_fraction.csv|line 3|P2|households|2.5|whole number" \
    import -w "$WS" units "$FIX/units_hh_fraction.csv"
refused "no households field" "$WS" "cameras.geojson|households|--map households=" \
    import -w "$WS" units "$FIX/cameras.geojson"
refused "duplicate ids in one source" "$WS" \
    "units_dup_id.geojson|feature 3|D2|more than once" \
    import -w "$WS" units "$FIX/units_dup_id.geojson"
refused "duplicate ids in one source, ids already in the workspace" "$WS" \
    "units_dup_existing.csv|line 3|U1|more than once" \
    import -w "$WS" units "$FIX/units_dup_existing.csv"
if [ -f src/half.gpkg ]; then
    refused "truncated GeoPackage" "$WS" "half.gpkg|malformed" \
        import -w "$WS" incidents src/half.gpkg
    [ -f src/corrupt.gpkg ] &&
        refused "GeoPackage with a corrupt page" "$WS" "corrupt.gpkg|malformed" \
            import -w "$WS" incidents src/corrupt.gpkg
    # the untouched file imports: what broke the two above is the damage
    wg_case "intact GeoPackage"
    cp src/base.wangge src/scratch.wangge
    wg_ok import -w src/scratch.wangge incidents src/g300.gpkg &&
        check "intact GeoPackage: expected 300 inserted: $(show out)" grep -q '300 inserted' out
fi
refused "CSV row with the wrong column count" "$WS" \
    "incidents_wrong_cols.csv|line 4|6 columns|header has 5" \
    import -w "$WS" incidents "$FIX/incidents_wrong_cols.csv"
refused "CSV line number after a blank line" "$WS" \
    "incidents_blank_line.csv|line 5|L3|out of range" \
    import -w "$WS" incidents "$FIX/incidents_blank_line.csv"
refused "empty layer: CSV header only" "$WS" "incidents_header_only.csv|empty layer" \
    import -w "$WS" incidents "$FIX/incidents_header_only.csv"
refused "empty layer: empty FeatureCollection" "$WS" "empty.geojson|empty layer" \
    import -w "$WS" units "$FIX/empty.geojson"
refused "unknown layer of the source (--layer)" "$WS" "units.geojson|nosuch|no layer" \
    import -w "$WS" units "$FIX/units.geojson" --layer nosuch
refused "unknown workspace layer" "$WS" "nolayer|unknown layer" \
    import -w "$WS" nolayer "$FIX/units.geojson"
refused "--map from a field the source lacks" "$WS" "units.geojson|hh_total|no field" \
    import -w "$WS" units "$FIX/units.geojson" --map households=hh_total
refused "--map to a field the layer lacks" "$WS" "floors|no such field" \
    import -w "$WS" units "$FIX/units.geojson" --map floors=households
refused "wrong geometry kind (polygons into incidents)" "$WS" \
    "units.geojson|feature 0|polygons|incidents|points" \
    import -w "$WS" incidents "$FIX/units.geojson"
refused "time not in --time-format" "$WS" \
    "incidents_bad_time.csv|line 3|T2|reported|03/01/2024 09:00" \
    import -w "$WS" incidents "$FIX/incidents_bad_time.csv" --time-format "%Y-%m-%d %H:%M:%S"

refused "unknown --src-crs" "$WS" "incidents_xy.csv|EPSG:999999|unknown source CRS" \
    import -w "$WS" incidents "$FIX/incidents_xy.csv" --src-crs EPSG:999999
refused "unknown --tz" "$WS" "Mars/Olympus|unknown time zone" \
    import -w "$WS" incidents "$FIX/incidents.csv" --tz Mars/Olympus
refused "--set to a value the field does not allow" "$WS" \
    "units.geojson|feature 0|U1|kind|castle|must be one of" \
    import -w "$WS" units "$FIX/units.geojson" --set kind=castle

# a workspace that is not one: each file stays exactly as it was
for f in notes.txt other.db empty.wangge; do
    refused "not a workspace: $f (import)" "notws/$f" "$f|not a wangge workspace" \
        import -w "notws/$f" units "$FIX/units.geojson"
    refused "not a workspace: $f (info)" "notws/$f" "$f|not a wangge workspace" \
        info -w "notws/$f"
    refused "not a workspace: $f (export)" "notws/$f" "$f|not a wangge workspace" \
        export -w "notws/$f" units notws/out.gpkg
done
refused "no workspace at all" "$WS" "ws/none.wangge|no such workspace" \
    import -w ws/none.wangge units "$FIX/units.geojson"

# a workspace without a CRS: the failed first import must not leave its CRS choice behind
wg_case "no-CRS workspace"
mkdir ws0
wg_ok init -w ws0/ws.wangge
refused "first import fails (workspace without a CRS)" ws0/ws.wangge \
    "units_hh_negative.geojson|feature 1|>= 0" \
    import -w ws0/ws.wangge units "$FIX/units_hh_negative.geojson"
wg_ok info -w ws0/ws.wangge &&
    check "no-CRS workspace got a CRS from a failed import: $(show out)" grep -q 'none yet' out

# ---- a self-intersecting polygon is repaired by default -----------------------------------
wg_case "self-intersecting polygon, repaired"
ws_restore
wg import -w "$WS" units "$FIX/bowtie.geojson"
check "exit status $RC, expected 0: $(show err)" [ "$RC" -eq 0 ]
check "expected one warning line on stderr: $(show err)" [ "$(nlines err)" -eq 1 ]
check "the warning does not name feature 1 / BOW / the repair: $(show err)" \
    grep -q "^warning: .*feature 1 (id 'BOW').*repaired.*Self-intersection" err
check "stdout does not count 3 inserted, 1 repaired: $(show out)" \
    grep -q '3 inserted, 0 updated, 1 repaired, 0 rejected' out
check "units count is not 6 + 3" \
    [ "$(sql "$WS" "SELECT count(*) FROM units")" = 9 ]
check "the repaired BOW is not a valid polygon: $(sql "$WS" "SELECT IsValid(geom), GeometryType(geom) FROM units WHERE id = 'BOW'")" \
    [ "$(sql "$WS" "SELECT IsValid(geom) || GeometryType(geom) FROM units WHERE id = 'BOW'")" = 1MULTIPOLYGON ]
check "the imports table does not record 1 repaired" \
    [ "$(sql "$WS" "SELECT repaired FROM imports ORDER BY id DESC LIMIT 1")" = 1 ]

# ---- --skip-invalid: 2 bad + 3 good rows ----------------------------------------------------
wg_case "--skip-invalid"
ws_restore
rej=ws/incidents_skip.incidents.rejects.csv # the default: beside the workspace
wg import -w "$WS" incidents "$FIX/incidents_skip.csv" --skip-invalid
check "exit status $RC, expected 0: $(show err)" [ "$RC" -eq 0 ]
check "stdout does not count 3 inserted, 2 rejected: $(show out)" \
    grep -q '5 features .* 3 inserted, 0 updated, 0 repaired, 2 rejected' out
check "stdout does not name the rejects file: $(show out)" grep -qF "$rej" out
check "no rejects file $rej: $(ls -A ws | tr '\n' ' ')" [ -f "$rej" ]
# the rejects file: a header, then one row per bad line (its label, id and problem)
rejects_ok()
{
    [ "$(sed -n 1p "$1")" = "feature,id,problem" ] && [ "$(nlines "$1")" -eq 3 ] &&
        sed -n 2p "$1" | grep -q "^line 3,\"S2\",\".*not a number.*\"$" &&
        sed -n 3p "$1" | grep -q "^line 5,\"S4\",\".*reported.*'not a time'.*\"$"
}
check "rejects file is not the header + lines 3 (S2) and 5 (S4): $(show "$rej")" rejects_ok "$rej"
check "beside the workspace are other files than it and the rejects: $(ls -A ws | tr '\n' ' ')" \
    [ "$(ls -A ws | tr '\n' ' ')" = "incidents_skip.incidents.rejects.csv ws.wangge " ]
check "incidents are not the 8 + S1, S3, S5" \
    [ "$(sql "$WS" "SELECT count(*), group_concat(id) FROM (SELECT id FROM incidents WHERE id LIKE 'S%' ORDER BY id)")" = "3|S1,S3,S5" ]
check "incident count is not 8 + 3" [ "$(sql "$WS" "SELECT count(*) FROM incidents")" = 11 ]
# each of the (up to 3) first rejects is also warned about on stderr
check "stderr does not warn about line 3 (S2): $(show err)" grep -q "^warning: line 3 (id 'S2'): rejected" err
check "stderr does not warn about line 5 (S4): $(show err)" grep -q "^warning: line 5 (id 'S4'): rejected" err

wg_case "--skip-invalid --rejects FILE"
ws_restore
wg import -w "$WS" incidents "$FIX/incidents_skip.csv" --skip-invalid --rejects src/my.rejects.csv
check "exit status $RC, expected 0: $(show err)" [ "$RC" -eq 0 ]
check "--rejects file is not the header + lines 3 and 5: $(show src/my.rejects.csv)" \
    rejects_ok src/my.rejects.csv
check "a rejects file was also written beside the workspace: $(ls -A ws | tr '\n' ' ')" \
    [ "$(ls -A ws)" = ws.wangge ]

# every feature bad: nothing imported, and the message points at a rejects file that exists
ws_restore
printf 'id,category,reported,lon,lat\nZ1,noise,2024-03-01T08:00:00Z,nan,31.2\nZ2,noise,2024-03-01T08:00:00Z,500,31.2\n' \
    >src/allbad.csv
refused "--skip-invalid, every row bad" "$WS" "allbad.csv|all 2 features were rejected" \
    import -w "$WS" incidents src/allbad.csv --skip-invalid --rejects src/allbad.rejects.csv
named=$(sed -n 's/.*(see \([^)]*\)).*/\1/p' refused.err)
check "the message names the rejects file '$named', which does not exist" \
    [ -z "$named" -o -f "$named" ]

wg_end
