#!/usr/bin/env bash
# tests/cli/kill_points.sh: every command that writes, killed (SIGKILL: no chance to clean up) at
# a random moment, leaves the workspace either as it was before the command or as an unkilled
# run leaves it, never anything in between; and an export leaves its destination either as it was
# (absent, or the files the script put there) or complete and identical to an unkilled export's.
#
# On the small sample city, partitioned and assigned once, each command below runs from a copy of
# the same starting workspace: twice unkilled (its result, which must be the same both times, and
# its duration T, the shorter of the two), then again and again, killed after a delay drawn
# uniformly from [0, T] (bash's RANDOM, seeded with WG_KILL_SEED, default 1, anew for each
# command; T shrinks by an eighth whenever a run finishes before its kill). After each kill:
# SQLite's integrity check says ok, `wangge info` works, and the content (every table, the time
# stamps of runs aside, and what info prints) equals the "before" or the "after" fingerprint.
# An export's destination is compared as a GIS reads it. Prints one summary line per command; a
# failure names the command, the seed, the delay and what differed.
#   WG_KILL_POINTS=N     kill points per command (default 15; 8 in a sanitizer build, which is
#                        several times slower)
#   WG_KILL_SEED=N       the seed (default 1)
#   WG_KILL_ONLY=REGEX   only the commands whose name matches (extended regex)
#   WG_KILL_RENAMES=1    also kill each export at each rename it makes (needs strace): the
#                        moments a random delay almost never meets
#   usage: bash tests/cli/kill_points.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"

SEED=${WG_KILL_SEED:-1}
if grep -qF __asan_init "$WG"; then
    POINTS=${WG_KILL_POINTS:-8}
else
    POINTS=${WG_KILL_POINTS:-15}
fi
[ "$POINTS" -ge 1 ] 2>/dev/null || POINTS=1
ONLY=${WG_KILL_ONLY:-}
RENAMES=${WG_KILL_RENAMES:-0}
for tool in python3 ogr2ogr ogrinfo; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done
if [ "$RENAMES" = 1 ] && ! command -v strace >/dev/null; then
    echo "WG_KILL_RENAMES=1 needs strace" >&2
    exit 2
fi
# the interpreter itself, not a launcher script in front of it
PY=$(python3 -c 'import sys; print(sys.executable)')
WS=ws/city.wangge
mkdir ws start old

# ---- The starting workspaces --------------------------------------------------------------------
# b0: the small city partitioned (plan p1) and assigned. s1: b0 and 40 incidents since, so the
# assignment is stale (assign brings it up to date incrementally; so does export of incidents).
wg_case "start"
wg_small_city "$WS" 3 city/communities.gpkg city/units.gpkg city/barriers.gpkg \
    city/streets.gpkg city/incidents.fgb city/cameras.gpkg
wg_ok --quiet partition -w "$WS" --name p1
wg_ok --quiet assign -w "$WS"
[ "$NFAIL" -eq 0 ] || wg_end
cp "$WS" start/b0.wangge

# the sources: 5,000 incidents changed (category, time, place) and 5,000 new ones; every seventh
# unit with 9 households more; 40 new incidents
sql "$WS" "SELECT CASE WHEN fid % 2 THEN 'N' || fid ELSE id END || ',' || CASE WHEN fid % 2 THEN category ELSE 'parking' END || ',hotline,2025-12-30T10:00:00Z,' || (X(geom) + 3) || ',' || (Y(geom) - 2) FROM incidents WHERE fid % 4 < 2 ORDER BY fid" |
    { echo "id,category,source,reported,x,y"; cat; } >incidents.csv
head -n 41 incidents.csv | sed '2,$ s/^/X/' >new40.csv
wg_ok export -w "$WS" units units.geojson
"$PY" - units.geojson <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for i, f in enumerate(d["features"]):
    if i % 7 == 0:
        f["properties"]["households"] += 9
json.dump(d, open(sys.argv[1], "w"))
PY
# a plan move: three units of a cell into a cell it touches, in the same community
read -r unit1 unit2 unit3 to <<<"$(sql "$WS" "WITH pair AS (SELECT c.code AS src, n.code AS dst FROM cells c JOIN cells n ON n.plan = c.plan AND n.code <> c.code AND n.community = c.community AND ST_Touches(n.geom, c.geom) WHERE c.plan = 1 AND (SELECT count(*) FROM cell_units u WHERE u.plan = 1 AND u.cell = c.code) >= 6 ORDER BY c.code, n.code LIMIT 1 OFFSET 5) SELECT group_concat(unit, ' ') || ' ' || (SELECT dst FROM pair) FROM (SELECT unit FROM cell_units WHERE plan = 1 AND cell = (SELECT src FROM pair) ORDER BY unit LIMIT 3)")"
check "no units to move ('$unit1 $unit2 $unit3' to '$to')" [ -n "$to" ]

# the files a user exported before (from b0), which an export over them replaces
wg_ok export -w "$WS" incidents old/incidents.csv
wg_ok export -w "$WS" incidents old/incidents.shp
wg_ok --quiet import -w "$WS" incidents new40.csv --src-crs EPSG:4549
cp "$WS" start/s1.wangge

# ---- Fingerprints -------------------------------------------------------------------------------

# The queries of a fingerprint, made once from the starting workspace's schema: SQLite's
# integrity check; the schema itself (a table a command made or dropped shows); per table, its
# rows and a hash of them in rowid or key order (SQLite's shell has sha3_query), the time stamps
# of runs left out (plans.created, imports.at, versions.at, derived.at and SpatiaLite's own).
"$PY" - start/b0.wangge >fp.sql <<'PY'
import sqlite3, sys
MASK = {"plans": {"created"}, "imports": {"at"}, "versions": {"at"}, "derived": {"at"},
        "spatialite_history": {"timestamp"}, "sql_statements_log": {"time_start", "time_end"},
        "geometry_columns_time": {"last_insert", "last_update", "last_delete"},
        "geometry_columns_statistics": {"last_verified"}}
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
tables = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                    "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name").fetchall()
def line(label, count, query):
    return "SELECT '%s', %s, substr(hex(sha3_query('%s', 256)), 1, 20);" % (
        label, count, query.replace("'", "''"))
print("SELECT '(integrity)', group_concat(integrity_check, ' ') FROM pragma_integrity_check;")
print(line("(schema)", "(SELECT count(*) FROM sqlite_master)",
           "SELECT type, name, sql FROM sqlite_master ORDER BY name"))
for name, sql in tables:
    cols = [r[1] for r in db.execute("SELECT * FROM pragma_table_info(?)", (name,))]
    sel = ", ".join("NULL" if c in MASK.get(name, ()) else '"%s"' % c for c in cols)
    order = ("rowid" if "WITHOUT ROWID" not in sql.upper()
             else ", ".join(str(i + 1) for i in range(len(cols))))
    print(line(name, '(SELECT count(*) FROM "%s")' % name,
               'SELECT %s FROM "%s" ORDER BY %s' % (sel, name, order)))
PY
check "no fingerprint queries were made" [ "$(nlines fp.sql)" -gt 20 ]
[ "$NFAIL" -eq 0 ] || wg_end

# fingerprint WS FILE: the content of WS, one line per table ("name|rows|hash"), read only (it
# never rolls a log back itself); then what `wangge info` prints, its times left out ("info|hash"),
# or "info-failed|why".
fingerprint()
{
    local ws=$1 file=$2
    sqlite3 -readonly -batch "$ws" <fp.sql >"$file" 2>fp.err ||
        echo "(unreadable)|$(show fp.err)" >>"$file"
    wg info -w "$ws"
    if [ "$RC" -ne 0 ]; then
        echo "info-failed|$RC: $(show err)" >>"$file"
    else
        echo "info|$(sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}//g' out | sha256sum | cut -c1-20)" >>"$file"
    fi
}

# differing A B: the names (first field) of the lines of fingerprint A that B does not have.
differing()
{
    diff "$1" "$2" | sed -n 's/^< \([^|]*\)|.*/\1/p' | tr '\n' ' ' | sed 's/ $//'
}

# dest_state DIR FILE...: an export's destination as a GIS reads it, one line per file: "absent"
# or a digest. A GeoPackage is read back through OGR (the file holds the time it was written); a
# dBase file is hashed without its header's date of writing.
dest_state()
{
    local dir=$1 f
    shift
    for f in "$@"; do
        if [ ! -e "$dir/$f" ]; then
            echo "$f absent"
        elif [ "${f##*.}" = gpkg ]; then
            echo "$f $(ogrinfo -ro -al -so "$dir/$f" 2>&1 | sed -n 's/^Feature Count: //p') $(ogr2ogr -f CSV /vsistdout/ "$dir/$f" -lco GEOMETRY=AS_WKT 2>&1 | sha256sum | cut -c1-20)"
        elif [ "${f##*.}" = dbf ]; then
            echo "$f $(tail -c +5 "$dir/$f" | sha256sum | cut -c1-20)"
        else
            echo "$f $(sha "$dir/$f" | cut -c1-20)"
        fi
    done
}

# state NOW BEFORE AFTER: whether fingerprint NOW is before, after or between; "same" when the
# command leaves it as it was (and NOW is that).
state()
{
    if cmp -s "$2" "$3"; then
        cmp -s "$1" "$2" && echo same || echo between
    elif cmp -s "$1" "$2"; then
        echo before
    elif cmp -s "$1" "$3"; then
        echo after
    else
        echo between
    fi
}

# ---- One command, killed at random moments ------------------------------------------------------

TOTAL=0
SUMMARY=()

# prepare START PRE: a fresh copy of the starting workspace in ws/ and an empty dest/, or dest/
# holding the files named by PRE (copied from old/).
prepare()
{
    local f
    rm -rf ws dest
    mkdir ws dest
    cp "start/$1.wangge" "$WS"
    for f in $2; do
        cp "old/$f" dest/
    done
}

ms()
{
    date +%s%3N
}

# judge WHERE RC FILES: the checks after a kill (or a run that finished first, RC 0), for the
# files FILES of dest/; counts the outcome in the caller's nbefore, nafter, nsplit, nbad, stray.
judge()
{
    local where=$1 rc=$2 files=$3 ws_is dest_is=same e fails0=$NFAIL
    check "$where: exited $rc: $(show kp.err)" [ "$rc" -eq 137 -o "$rc" -eq 0 ]
    fingerprint "$WS" fp.now
    check "$where: integrity check: $(sed -n 's/^(integrity)|//p' fp.now | head -c 300)" \
        grep -qx '(integrity)|ok' fp.now
    check "$where: info fails: $(sed -n 's/^info-failed|//p' fp.now)" grep -q '^info|' fp.now
    ws_is=$(state fp.now fp.before fp.after1)
    check "$where: the workspace is neither as before nor as after: it differs from before in: $(differing fp.now fp.before); from after in: $(differing fp.now fp.after1)" \
        [ "$ws_is" != between ]
    for e in ws/.[!.]* ws/*; do
        [ -e "$e" ] || continue
        case $e in
        ws/city.wangge | ws/city.wangge-wal | ws/city.wangge-shm | ws/city.wangge-writer) ;;
        *) fail "$where: a stray file beside the workspace: $e" ;;
        esac
    done
    # the destination: as it was, or complete; and nothing beside it that a user would take for
    # output (hidden temporary folders are counted and shown, not failed)
    if [ -n "$files" ]; then
        # shellcheck disable=SC2086 # (lists of file names without spaces)
        dest_state dest $files >dest.now
        dest_is=$(state dest.now dest.before dest.after1)
        check "$where: the destination is neither as before nor complete: $(tr '\n' ' ' <dest.now)(before: $(tr '\n' ' ' <dest.before); complete: $(tr '\n' ' ' <dest.after1))" \
            [ "$dest_is" != between ]
        for e in dest/.[!.]* dest/*; do
            [ -e "$e" ] || continue
            # shellcheck disable=SC2086
            if printf 'dest/%s\n' $files | grep -qxF -- "$e"; then
                continue
            elif [ "${e#dest/.}" != "$e" ]; then
                stray=$((stray + 1))
                [ -n "$example" ] || [ -z "$(find "$e" -mindepth 1 -printf x -quit)" ] ||
                    example="$e/ holding $(find "$e" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//')"
            else
                fail "$where: a stray file beside the destination: $e"
            fi
        done
    fi
    # a file is written only after what the export brings up to date is committed
    check "$where: the file is complete, yet the workspace is as before" \
        [ "$ws_is/$dest_is" != before/after ]
    if [ "$rc" -eq 0 ]; then
        check "$where: the command finished, yet the workspace is '$ws_is' and the destination '$dest_is'" \
            [ "$ws_is" != before -a "$dest_is" != before ]
    fi
    if [ "$NFAIL" -gt "$fails0" ]; then
        nbad=$((nbad + 1))
    elif [ "$rc" -ne 137 ]; then
        :
    elif [ "$ws_is" != after ] && [ "$dest_is" != after ]; then
        nbefore=$((nbefore + 1))
    elif [ "$ws_is" != before ] && [ "$dest_is" != before ]; then
        nafter=$((nafter + 1))
    else # what the export brings up to date is committed, the file not yet in place
        nsplit=$((nsplit + 1))
    fi
}

# kill_points NAME START PRE FILES -- ARGS...: runs `wangge ARGS` from START (b0 or s1) and kills
# it, POINTS times. PRE: files of old/ put into dest/ first; FILES: the files an export writes
# (into dest/), or "" for a command that writes none.
kill_points()
{
    local name=$1 start=$2 pre=$3 files=$4
    shift 5
    [ -z "$ONLY" ] || [[ $name =~ $ONLY ]] || return 0
    wg_case "$name"
    prepare "$start" "$pre"
    fingerprint "$WS" fp.before
    # shellcheck disable=SC2086
    dest_state dest $files >dest.before
    # twice unkilled: the result, the same both times; the duration, the shorter of the two
    local k t0 t dur=0
    for k in 1 2; do
        prepare "$start" "$pre"
        t0=$(ms)
        wg "$@"
        t=$(($(ms) - t0))
        [ "$k" -eq 1 ] || [ "$t" -lt "$dur" ] && dur=$t
        if [ "$RC" -ne 0 ]; then
            fail "the unkilled run exited $RC: $(show err)"
            return
        fi
        fingerprint "$WS" "fp.after$k"
        # shellcheck disable=SC2086
        dest_state dest $files >"dest.after$k"
        find dest -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ' >"ls.after$k"
    done
    check "the unkilled run's workspace fails the integrity check" grep -qx '(integrity)|ok' fp.after1
    check "two unkilled runs differ in: $(differing fp.after1 fp.after2)" cmp -s fp.after1 fp.after2
    check "two unkilled runs wrote different files: $(diff dest.after1 dest.after2 | tr '\n' '|')" \
        cmp -s dest.after1 dest.after2
    if [ -n "$files" ]; then
        check "the unkilled export wrote no file" grep -qv ' absent$' dest.after1
        # shellcheck disable=SC2086
        check "the unkilled export left other files: $(cat ls.after1)" \
            [ "$(cat ls.after1)" = "$(printf '%s\n' $files | sort | tr '\n' ' ')" ]
    fi
    cmp -s fp.after1 fp.after2 && cmp -s dest.after1 dest.after2 || return
    if cmp -s fp.before fp.after1 && cmp -s dest.before dest.after1; then
        fail "the command changes nothing: no kill could tell before from after"
        return
    fi

    local killed=0 finished=0 nbefore=0 nafter=0 nsplit=0 nbad=0 intx=0 stray=0 attempts=0
    local d rc pid where measured=$dur example=""
    RANDOM=$SEED
    while [ "$killed" -lt "$POINTS" ] && [ "$attempts" -lt $((POINTS * 3)) ]; do
        attempts=$((attempts + 1))
        d=$((RANDOM * (dur + 1) / 32768)) # ms, in [0, T]
        where="seed $SEED, attempt $attempts, killed after $d ms (T = $dur)"
        prepare "$start" "$pre"
        "$WG" "$@" >kp.out 2>kp.err &
        pid=$!
        sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        if [ "$rc" -eq 137 ]; then
            killed=$((killed + 1))
            [ -e "$WS-writer" ] && intx=$((intx + 1))
        elif [ "$rc" -eq 0 ]; then # (T was measured on a slower moment: the draws shrink)
            finished=$((finished + 1))
            dur=$((dur * 7 / 8))
        fi
        judge "$where" "$rc" "$files"
    done
    check "only $killed of $attempts runs were killed before they finished" [ "$killed" -ge "$POINTS" ]
    # the moments between the renames that put an export's files in place
    local renames=0 nren=0
    if [ "$RENAMES" = 1 ] && [ -n "$files" ]; then
        prepare "$start" "$pre"
        strace -f -qq -o strace.out -e trace=rename,renameat,renameat2 "$WG" "$@" >kp.out 2>kp.err
        nren=$(grep -c '^[0-9]* *rename' strace.out)
        for ((k = 1; k <= nren; k++)); do
            prepare "$start" "$pre"
            # (in a subshell, whose "Killed" goes nowhere)
            (strace -f -qq -o /dev/null -e trace=rename,renameat,renameat2 \
                -e inject=rename,renameat,renameat2:signal=KILL:when="$k" "$WG" "$@" >kp.out \
                2>kp.err) 2>/dev/null
            rc=$?
            check "at rename $k of $nren: exited $rc rather than being killed" [ "$rc" -eq 137 ]
            [ "$rc" -eq 137 ] && killed=$((killed + 1)) renames=$((renames + 1))
            judge "killed at rename $k of $nren" "$rc" "$files"
        done
    fi
    TOTAL=$((TOTAL + killed))
    local line
    line=$(printf '%-20s %3d kill points (%2d in a write transaction' "$name" "$killed" "$intx")
    [ "$renames" -gt 0 ] && line="$line, $renames at a rename"
    line=$(printf '%s): %2d before, %2d after' "$line" "$nbefore" "$nafter")
    [ "$nsplit" -gt 0 ] && line="$line, $nsplit with the assignment brought up to date and no file yet"
    line=$(printf '%s, %d failed; T = %d ms, %d runs finished first' "$line" "$nbad" "$measured" \
        "$finished")
    [ "$stray" -gt 0 ] && line="$line; $stray left a hidden temporary folder${example:+, e.g. $example}"
    SUMMARY+=("$line")
    echo "$line"
}

kill_points "import incidents" b0 "" "" -- --quiet import -w "$WS" incidents incidents.csv --src-crs EPSG:4549
kill_points "import units" b0 "" "" -- --quiet import -w "$WS" units units.geojson
kill_points "partition" b0 "" "" -- --quiet partition -w "$WS" --name p2 --seed 7
kill_points "plan move" b0 "" "" -- plan -w "$WS" move p1 "$unit1" "$unit2" "$unit3" --to "$to"
kill_points "assign --full" s1 "" "" -- --quiet assign -w "$WS" --full
kill_points "assign (incremental)" s1 "" "" -- --quiet assign -w "$WS"
kill_points "export .gpkg" s1 "" "cells.gpkg" -- export -w "$WS" cells dest/cells.gpkg
kill_points "export .csv" s1 "incidents.csv" "incidents.csv" -- export -w "$WS" incidents dest/incidents.csv
shp="incidents.shp incidents.shx incidents.dbf incidents.prj incidents.cpg"
kill_points "export .shp" s1 "$shp" "$shp" -- export -w "$WS" incidents dest/incidents.shp

wg_case "summary"
echo
echo "kill points (seed $SEED, $POINTS per command):"
for l in "${SUMMARY[@]}"; do
    echo "  $l"
done
echo "  total: $TOTAL kill points"
wg_end
