#!/usr/bin/env bash
# bench/stores.sh: the sample city's main steps on a workspace file and on a PostgreSQL schema,
# side by side: import (every layer), partition, assign --full, report --by cell, the heatmap
# (PNG), each timed once, and on the database PostGIS's own ST_Contains join of the incidents
# and the active plan's cells (the query a GIS would write), beside wangge's assign there.
# Prints the seconds, the database's over the file's, and whether it is within 2x.
#   usage: bash bench/stores.sh /path/to/wangge [small|medium|large ...]
# The database is a throwaway cluster started here (tests/pg/cluster.sh), or the one named by
# WANGGE_BENCH_PG (a libpq connection string; the schema bench_SCALE is dropped and remade).
set -u
WG=$(readlink -f "$1")
shift
[ $# -gt 0 ] || set -- medium
. "$(dirname "$(readlink -f "$0")")/../tests/pg/cluster.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wangge-bench-stores.XXXXXX") || exit 2
trap 'pg_cluster_stop; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM HUP
cd "$TMP" || exit 2
if [ -n "${WANGGE_BENCH_PG:-}" ]; then
    PG_CONN=$WANGGE_BENCH_PG
    pg_psql() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$PG_CONN" -c "$*"; }
else
    pg_cluster_start "$TMP" || { echo "bench_stores: no PostgreSQL cluster"; exit 1; }
    # a server sized for the machine, not initdb's 128 MB defaults
    pg_psql "ALTER SYSTEM SET shared_buffers = '1GB'" >/dev/null
    pg_psql "ALTER SYSTEM SET synchronous_commit = off" >/dev/null
    pg_psql "ALTER SYSTEM SET max_wal_size = '4GB'" >/dev/null
    $pg__as "$pg__bin/pg_ctl" -D "$pg__dir/data" -w restart >/dev/null 2>&1
fi

secs() { # CMD...: runs it, prints its wall seconds (fails the bench when it fails)
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >run.out 2>run.err || { echo "FAILED: $* : $(head -c 400 run.err)" >&2; echo NaN; return 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

for scale in "$@"; do
    "$WG" demo-data --scale "$scale" --seed 1 -o "city-$scale" >/dev/null || exit 1
    FILE=$PWD/$scale.wangge
    DB="PG:$PG_CONN schema=bench_$scale"
    pg_psql "DROP SCHEMA IF EXISTS bench_$scale CASCADE" >/dev/null 2>&1
    declare -A T
    for w in file db; do
        ws=$FILE
        [ $w = db ] && ws=$DB
        "$WG" init -w "$ws" --crs EPSG:4549 >/dev/null || exit 1
        t0=$(date +%s.%N)
        for f in "city-$scale"/communities.gpkg "city-$scale"/units.gpkg "city-$scale"/streets.gpkg \
            "city-$scale"/incidents.fgb "city-$scale"/cameras.gpkg "city-$scale"/workers.csv; do
            "$WG" --quiet import -w "$ws" "$(basename "${f%.*}")" "$f" >/dev/null 2>run.err ||
                { echo "FAILED: import $f: $(head -c 400 run.err)"; exit 1; }
        done
        T[$w,import]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
        T[$w,partition]=$(secs "$WG" --quiet partition -w "$ws" --name p1)
        T[$w,assign]=$(secs "$WG" --quiet assign -w "$ws" --full)
        T[$w,report]=$(secs "$WG" report -w "$ws" --by cell -o "report-$w.csv")
        T[$w,heatmap]=$(secs "$WG" --quiet render -w "$ws" heatmap -o "heat-$w.png")
    done
    cmp -s "report-file.csv" "report-db.csv" || echo "bench_stores: $scale: the reports differ!"
    n=$(pg_psql "SELECT count(*) FROM bench_$scale.incidents")
    t0=$(date +%s.%N)
    pg_psql "SELECT count(*) FROM bench_$scale.incidents i JOIN bench_$scale.cells c ON c.plan =
        (SELECT id FROM bench_$scale.plans WHERE active = 1) AND ST_Contains(c.geom, i.geom)" \
        >st_contains.out
    T[db,st_contains]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    echo "bench_stores: $scale city ($n incidents), seconds, once each"
    printf '  %-10s %9s %9s %7s\n' step file database ratio
    for s in import partition assign report heatmap; do
        printf '  %-10s %9s %9s %7s  %s\n' "$s" "${T[file,$s]}" "${T[db,$s]}" \
            "$(awk -v a="${T[file,$s]}" -v b="${T[db,$s]}" 'BEGIN { printf "%.2fx", b / a }')" \
            "$(awk -v a="${T[file,$s]}" -v b="${T[db,$s]}" 'BEGIN { print (b <= 2 * a) ? "within 2x" : "MISS (over 2x)" }')"
    done
    printf '  PostGIS ST_Contains join of incidents and cells: %s s; wangge assign on the database: %s s (%s)\n' \
        "${T[db,st_contains]}" "${T[db,assign]}" \
        "$(awk -v a="${T[db,st_contains]}" -v b="${T[db,assign]}" 'BEGIN { print (b < a) ? "faster" : "SLOWER" }')"
    pg_psql "DROP SCHEMA IF EXISTS bench_$scale CASCADE" >/dev/null 2>&1
    rm -rf "city-$scale" "$FILE"*
done
