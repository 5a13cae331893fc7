#!/usr/bin/env bash
# tests/cli/report.sh: `wangge report` as planners and batch jobs run it, on the small sample
# city with grid workers posted to its cells: the table with its reconciliation, CSV and JSON
# whose figures add up to the workspace's, an atomic -o, postings that are refused with the
# workspace left byte for byte as it was, and partition --weight workload.
#   usage: bash tests/cli/report.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"

mkdir ws src
WS=ws/city.wangge

wg_case "start"
wg_small_city "$WS" 2
wg_ok --quiet partition -w "$WS" --name p1 --division 310104
[ "$NFAIL" -eq 0 ] || wg_end

ws_restore()
{
    cp src/base.wangge "$WS"
}
wg_ok info -w "$WS"
cp out src/info.base
cp "$WS" src/base.wangge
refused "report before assign" "$WS" "wangge assign" report -w "$WS"

wg_case "postings"
wg_ok --quiet assign -w "$WS"
# each community's grid workers take its cells in turn; the first cell of each gets two
sql "$WS" "WITH c AS (SELECT code, community, row_number() OVER (PARTITION BY community ORDER BY code) - 1 AS k FROM cells WHERE plan = 1), w AS (SELECT id, community, row_number() OVER (PARTITION BY community ORDER BY id) - 1 AS k, count(*) OVER (PARTITION BY community) AS n FROM workers WHERE role = 'grid_worker') SELECT w.id || ',' || c.code FROM c JOIN w ON w.community = c.community AND (w.k = c.k % w.n OR (c.k = 0 AND w.k = 1 % w.n)) GROUP BY w.id, c.code" >src/posts
{ echo "worker,cell"; cat src/posts; } >postings.csv
wg_ok import -w "$WS" postings postings.csv
check "postings not all stored" [ "$(sql "$WS" "SELECT count(*) FROM postings")" = "$(nlines src/posts)" ]
shared=$(sql "$WS" "SELECT count(*) FROM (SELECT cell FROM postings GROUP BY cell HAVING count(*) > 1)")
check "no cell is shared: the fixture should share some" [ "$shared" -gt 0 ]
wg_ok info -w "$WS"
cp out src/info.base
cp "$WS" src/base.wangge

n=$(sql "$WS" "SELECT count(*) FROM incidents")
hh=$(sql "$WS" "SELECT total(households) FROM units" | sed 's/\.0$//')
cells=$(sql "$WS" "SELECT count(*) FROM cells WHERE plan = 1")
workers=$(sql "$WS" "SELECT count(DISTINCT worker) FROM postings")

wg_case "table by worker"
wg_ok report -w "$WS" --by worker
nc=$(printf "%'d" "$n" 2>/dev/null || echo "$n")
check "no reconciliation line: $(show out)" grep -Eq "^incidents in the period: [0-9,]+ = [0-9,]+ in cells \+ [0-9,]+ unassigned" out
check "households do not reconcile: $(grep households: out)" grep -Eq "^households: ([0-9,]+) over cells, \1 over units$" out
check "no imbalance line: $(show out)" grep -Eq "^imbalance over $workers workers: Gini 0\.[0-9]{3}, CV [0-9.]+, max/mean [0-9.]+$" out
check "table has $(( $(nlines out) )) lines, not one per worker" [ "$(grep -c '^W[0-9]' out)" -eq "$workers" ]
check "a Chinese name is missing: $(show out)" env LC_ALL=C grep -q $'[\xe4-\xe9]' out

wg_case "csv by cell"
wg_ok report -w "$WS" --format csv
check "csv has $(nlines out) lines, expected header + $cells cells + total" [ "$(nlines out)" -eq $((cells + 2)) ]
python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(round(sum(float(r["incidents"]) for r in rows if r["id"] != "total")))' out >csv.sum
assignment "$WS" src/assignment
check "csv: incidents of the cells do not add up: $(show csv.sum)" [ "$(cat csv.sum)" = "$(awk -F'|' '$2 != ""' src/assignment | nlines /dev/stdin)" ]

wg_case "json by worker"
mkdir -p rep
wg_ok report -w "$WS" --by worker --format json -o rep/by-worker.json
check "-o left other files: $(ls rep | tr '\n' ' ')" [ "$(ls rep)" = "by-worker.json" ]
python3 - "$n" "$hh" rep/by-worker.json >py.out 2>&1 <<'PY'
import json, sys
n, hh, path = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
d = json.load(open(path))
assert d["schema"] == "wangge-report/1", d["schema"]
r = d["reconciliation"]
assert r["assigned"] + r["unassigned"] == r["incidents"] == n, r
assert r["households_cells"] == r["households_units"] == hh, r
rows = d["rows"]
for key in ("incidents", "households", "hours", "patrol_km"):
    s = sum(x[key] for x in rows)
    assert abs(s - d["total"][key]) < 1e-6 * max(1, abs(s)), (key, s, d["total"][key])
mean = sum(x["index"] for x in rows) / len(rows)
assert abs(mean - 1) < 1e-9, mean
assert any(abs(x["incidents"] - round(x["incidents"])) > 1e-9 for x in rows), "no shared load"
assert d["units"]["patrol_km"] == "km"
print("ok", len(rows))
PY
check "json does not add up: $(show py.out)" grep -q '^ok' py.out

printf 'worker,cell\n%s\n%s,999\n' "$(head -1 src/posts)" "$(head -1 src/posts | cut -d, -f1)" >src/bad1.csv
refused "posting to a cell not in the plan" "$WS" "line 3|cell '999' is not in the active plan" \
    import -w "$WS" postings src/bad1.csv
printf 'worker,cell\n%s\nW999999,%s\n' "$(head -1 src/posts)" "$(head -1 src/posts | cut -d, -f2)" >src/bad2.csv
refused "posting of an unknown worker" "$WS" "line 3|worker 'W999999' is not in the workers layer" \
    import -w "$WS" postings src/bad2.csv
wg_case "bad --by"
wg report -w "$WS" --by street
check "exit status $RC, expected 1" [ "$RC" -eq 1 ]
check "the usage error does not name the value: $(show err)" grep -q -- "--by wants cell, worker or community, got 'street'" err

wg_case "partition by workload"
wg_ok partition -w "$WS" --weight workload --name wl
check "summary does not say workload: $(show out)" grep -q 'workload per cell (hh-equiv.)' out
check "plan params lack the weight" [ "$(sql "$WS" "SELECT json_extract(params, '$.weight') FROM plans WHERE name = 'wl'")" = workload ]
check "the workload plan does not keep every household" [ "$(sql "$WS" "SELECT total(households) FROM cells WHERE plan = (SELECT id FROM plans WHERE name = 'wl')" | sed 's/\.0$//')" = "$hh" ]

wg_case "what the units count"
rm -f "$WS-wal" "$WS-shm"
ws_restore
refused "--weight-name on incidents" "$WS" "does not apply to the incidents layer" \
    import -w "$WS" incidents city/incidents.fgb --weight-name residents
refused "a bad weight name" "$WS" "--weight-name Residents!|lower-case letters" \
    import -w "$WS" units city/units.gpkg --weight-name 'Residents!'
wg_case "units that count residents"
wg_ok import -w "$WS" units city/units.gpkg --weight-name residents
check "import does not say what the units count: $(show out)" grep -qF 'maps and reports say 人口 Residents' out
check "weight name not stored" [ "$(sql "$WS" "SELECT value FROM ws_meta WHERE key = 'weight_name'")" = residents ]
wg_ok partition -w "$WS" --name res
check "partition summary does not say residents: $(show out)" grep -q 'residents per cell' out
wg_ok plan -w "$WS" activate res
wg_ok --quiet assign -w "$WS"
wg_ok report -w "$WS" --by cell -o res.csv
check "CSV header does not name residents: $(head -c 300 res.csv)" \
    grep -q '^id,name,community,cells_or_workers,cells,workers,residents,units,.*,residents_visited,.*,residents_seen,residents_seen_share,' res.csv
check "CSV header still says households: $(head -c 300 res.csv)" sh -c '! head -1 res.csv | grep -q households'
wg_ok report -w "$WS" --by community
check "the table does not say residents: $(show out)" grep -q '^id .* residents .* residents_seen%' out
check "the reconciliation does not say residents: $(show out)" grep -q '^residents: .* over cells, .* over units' out
wg_ok report -w "$WS" --by cell --format json -o res.json
check "JSON does not name the weight" grep -q '"weight_name": "residents"' res.json
for map in plan rate; do
    wg_ok --quiet render -w "$WS" "$map" -o "res-$map.pdf"
    pdftotext "res-$map.pdf" "res-$map.txt"
done
check "the plan's legend does not say 人口 Residents: $(show res-plan.txt)" grep -qF '人口 Residents per cell (target' res-plan.txt
check "the rate map's legend does not say per 100 residents: $(show res-rate.txt)" grep -qF '每百人事件 Incidents per 100 residents' res-rate.txt
check "a map still says households: $(grep -i household res-*.txt | head -3)" sh -c '! grep -qi household res-plan.txt res-rate.txt'

wg_end
