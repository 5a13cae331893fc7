#!/usr/bin/env bash
# tests/cli/serve.sh: `wangge serve` as the command center runs it, on the small sample city:
# a real HTTP server on loopback (any free port), its JSON checked against the workspace and
# against `wangge report`; bad requests answered with the right status and a message naming the
# problem; the CLI working on the same workspace meanwhile; SIGTERM stopping it cleanly.
#   usage: bash tests/cli/serve.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 2; }

. "$(dirname "$0")/serve_lib.sh"
wg_case "start"
serve_city
[ "$NFAIL" -eq 0 ] || wg_end

start_server serve --threads 2
check "the server did not say where it listens: $(show serve.out) $(show serve.err)" [ -n "$URL" ]
[ -n "$URL" ] || wg_end

wg_case "health"
get /api/health h.json
check "health answered $CODE" [ "$CODE" = 200 ]
check "health does not count the incidents: $(show h.json)" \
    [ "$(js h.json '$.incidents.count')" = "$(sql "$WS" "SELECT count(*) FROM incidents")" ]
check "health has no schema" [ "$(js h.json '$.schema')" = wangge-health/1 ]

wg_case "summary"
get /api/summary s.json
check "summary answered $CODE: $(show s.json)" [ "$CODE" = 200 ]
n=$(sql "$WS" "SELECT count(*) FROM incidents")
check "cases $(js s.json '$.now.cases') <> the $n incidents" [ "$(js s.json '$.now.cases')" = "$n" ]
check "assigned + unassigned <> cases" \
    [ $(($(js s.json '$.now.assigned') + $(js s.json '$.now.unassigned'))) = "$n" ]
check "the categories do not add up to the cases in cells: $(show s.json)" [ "$(sqlite3 -batch :memory: \
    "SELECT CAST(sum(value) AS INTEGER) FROM json_each(json_extract(readfile('s.json'), '$.now.by_category'))")" = "$(js s.json '$.now.assigned')" ]
check "no previous period without one asked: $(show s.json)" [ "$(js s.json '$.previous')" = "" ]
wg_ok report -w "$WS" --by cell --format json -o r.json
check "the summary's closing rate is not the report's" [ "$(sqlite3 -batch :memory: \
    "SELECT abs(json_extract(readfile('s.json'), '$.now.closing_rate') - json_extract(readfile('r.json'), '$.total.closing_rate')) < 1e-9")" = 1 ]

wg_case "summary of a month, with the month before"
get "/api/summary?from=2025-03-01&to=2025-04-01&tz=Asia/Shanghai" m.json
check "month answered $CODE: $(show m.json)" [ "$CODE" = 200 ]
check "the month does not start at 2025-02-28T16:00:00Z: $(show m.json)" \
    [ "$(js m.json '$.period.from')" = 2025-02-28T16:00:00Z ]
check "no previous month: $(show m.json)" [ "$(js m.json '$.previous.period.to')" = 2025-02-28T16:00:00Z ]
wg_ok report -w "$WS" --by cell --from 2025-03-01 --to 2025-04-01 --tz Asia/Shanghai --format json -o rm.json
check "the month's cases are not the report's" \
    [ "$(js m.json '$.now.cases')" = "$(js rm.json '$.reconciliation.incidents')" ]
check "the change in cases is not now - before" [ "$(js m.json '$.change.cases')" = \
    $(($(js m.json '$.now.cases') - $(js m.json '$.previous.kpis.cases'))) ]

wg_case "cells"
get /api/cells c.json
check "cells answered $CODE" [ "$CODE" = 200 ]
check "not one row per cell" [ "$(sqlite3 -batch :memory: "SELECT json_array_length(json_extract(readfile('c.json'), '$.rows'))")" = \
    "$(sql "$WS" "SELECT count(*) FROM cells WHERE plan = (SELECT id FROM plans WHERE active = 1)")" ]
check "the rows' incidents do not add up to the assigned ones" [ "$(sqlite3 -batch :memory: \
    "SELECT CAST(sum(json_extract(value, '$.incidents')) AS INTEGER) FROM json_each(json_extract(readfile('c.json'), '$.rows'))")" = "$(js s.json '$.now.assigned')" ]

wg_case "bad requests"
get "/api/summary?from=yesterdayish" e.json
check "a bad from answered $CODE, expected 400" [ "$CODE" = 400 ]
check "the message does not name from: $(show e.json)" grep -q "from: cannot read 'yesterdayish'" e.json
get "/api/summary?from=2025-04-01&to=2025-03-01" e.json
check "an empty period answered $CODE, expected 400" [ "$CODE" = 400 ]
get "/api/cells?tz=Mars/Olympus" e.json
check "a bad tz answered $CODE, expected 400" [ "$CODE" = 400 ]
get /api/nothing e.json
check "an unknown path answered $CODE, expected 404" [ "$CODE" = 404 ]
get "/../../etc/passwd" e.json
check "a path outside answered $CODE, expected 404" [ "$CODE" = 404 ]
CODE=$(curl -s -o e.json -w '%{http_code}' -X POST --data x "$URL/api/summary")
check "POST answered $CODE, expected 405" [ "$CODE" = 405 ]
CODE=$(curl -s -o e.json -w '%{http_code}' -X GET --data x "$URL/api/health")
check "a GET with a body answered $CODE, expected 413" [ "$CODE" = 413 ]
check "an error is not JSON with its status: $(show e.json)" [ "$(js e.json '$.error.status')" = 413 ]
# a request that never ends its headers is dropped, and the server still answers others
(printf 'GET /api/health HTTP/1.1\r\nHost: x\r\n' | curl -s --max-time 2 telnet://127.0.0.1:"${URL##*:}" >/dev/null 2>&1 &)
get /api/health h2.json
check "the server stopped answering beside a half-sent request ($CODE)" [ "$CODE" = 200 ]

wg_case "a read-only server takes no cases"
CODE=$(curl -s -o e.json -w '%{http_code}' -X POST -H 'Content-Type: text/csv' --data-binary 'id,x,y' "$URL/api/incidents")
check "POST to a read-only server answered $CODE, expected 403" [ "$CODE" = 403 ]
check "the refusal does not say how to write: $(show e.json)" grep -q 'token-file' e.json

wg_case "the CLI on the same workspace meanwhile"
wg_ok --quiet assign -w "$WS" --full
get /api/summary s2.json
check "summary after a re-assignment answered $CODE" [ "$CODE" = 200 ]
check "cases changed under a re-assignment" [ "$(js s2.json '$.now.cases')" = "$n" ]

wg_case "stop"
kill -TERM "$PID"
for _ in $(seq 1 50); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$PID" 2>/dev/null; then
    fail "SIGTERM did not stop the server within 5 s"
    kill -9 "$PID"
fi
wait "$PID"
RCS=$?
check "the server exited $RCS after SIGTERM, expected 0 (stderr: $(show serve.err))" [ "$RCS" = 0 ]
check "the server did not say it stopped: $(show serve.out)" grep -q '^stopped$' serve.out
wg_case "ingestion with a token"
printf 'x' >open-token
chmod 644 open-token
wg serve -w "$WS" --listen 127.0.0.1:0 --token-file open-token
check "a token others may read was taken (exit $RC)" [ "$RC" -eq 1 ]
check "the refusal does not say why: $(show err)" grep -q 'others may read it' err
TOKEN=0123456789abcdef0123456789abcdef
printf '%s\n' "$TOKEN" >token
chmod 600 token
start_server serve2 --token-file token
check "the writing server did not start: $(show serve2.err)" [ -n "$URL" ]
post() { # FILE [TOKEN]: posts FILE as CSV; body in p.json, status in $CODE
    CODE=$(curl -s -o p.json -w '%{http_code}' --max-time 60 -X POST -H 'Content-Type: text/csv' \
        ${2:+-H "Authorization: Bearer $2"} --data-binary @"$1" "$URL/api/incidents?tz=Asia/Shanghai&src_crs=EPSG:4549")
}
before=$(sql "$WS" "SELECT count(*) FROM incidents")
x0=$(sql "$WS" "SELECT X(geom) FROM incidents LIMIT 1")
y0=$(sql "$WS" "SELECT Y(geom) FROM incidents LIMIT 1")
printf 'id,x,y,category,reported\nPOST1,%s,%s,sanitation,2025-12-30 09:00\nPOST2,%s,%s,parking,2025-12-30 09:05\nPOST3,%s,%s,parking,2025-12-30 09:10\n' \
    "$x0" "$y0" "$x0" "$y0" "$x0" "$y0" >new.csv
post new.csv
check "a post without the token answered $CODE, expected 401" [ "$CODE" = 401 ]
post new.csv wrong-token-wrong-token
check "a post with a wrong token answered $CODE, expected 401" [ "$CODE" = 401 ]
check "cases came in without the token" [ "$(sql "$WS" "SELECT count(*) FROM incidents")" = "$before" ]
post new.csv "$TOKEN"
check "the post answered $CODE: $(show p.json)" [ "$CODE" = 200 ]
check "not 3 inserted: $(show p.json)" [ "$(js p.json '$.inserted')" = 3 ]
check "not located at once: $(show p.json)" [ "$(js p.json '$.located')" = 1 ]
check "the layer does not hold 3 more" [ "$(sql "$WS" "SELECT count(*) FROM incidents")" = $((before + 3)) ]
get /api/summary s3.json
check "the summary does not count them: $(show s3.json)" [ "$(js s3.json '$.now.cases')" = $((before + 3)) ]
check "the posted cases are not in cells" [ "$(js s3.json '$.now.assigned')" = $(($(js s.json '$.now.assigned') + 3)) ]
post new.csv "$TOKEN"
check "the same post again answered $CODE" [ "$CODE" = 200 ]
check "posted again, not updated: $(show p.json)" [ "$(js p.json '$.updated')" = 3 ]
check "posted again, stored twice" [ "$(sql "$WS" "SELECT count(*) FROM incidents")" = $((before + 3)) ]
printf 'id,x,y,category\nPOST4,%s,%s,parking\nPOST5,,,parking\n' "$x0" "$y0" >bad.csv
post bad.csv "$TOKEN"
cp p.json bad.json
check "a case without a place answered $CODE, expected 400" [ "$CODE" = 400 ]
check "the refusal does not name the line and id: $(show p.json)" grep -q "line 3 (id 'POST5')" p.json
check "a refused batch stored part of itself" [ "$(sql "$WS" "SELECT count(*) FROM incidents WHERE id = 'POST4'")" = 0 ]
CODE=$(curl -s -o p.json -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' --data-binary @new.csv "$URL/api/incidents")
check "a body of another type answered $CODE, expected 415" [ "$CODE" = 415 ]
head -c 17000000 /dev/zero | tr '\0' 'a' >big.csv
post big.csv "$TOKEN"
check "a 17 MB batch answered $CODE, expected 413" [ "$CODE" = 413 ]
wg_case "a summary asked again is kept until a write, by this server or another process"
get /api/summary k1.json
get /api/health ka.json
get /api/summary k2.json
get /api/health kb.json
check "the summary asked again changed with nothing written" cmp -s k1.json k2.json
check "asked again with nothing written, the summary was made again: $(show kb.json)" \
    [ "$(js kb.json '$.reports.made')" = "$(js ka.json '$.reports.made')" ]
check "asked again, the summary was not the kept one: $(show kb.json)" \
    [ "$(js kb.json '$.reports.kept')" = $(($(js ka.json '$.reports.kept') + 1)) ]
printf 'id,x,y,category,reported\nXCLI1,%s,%s,dogs,2025-12-30 10:00\n' "$x0" "$y0" >cli.csv
wg_ok --quiet import -w "$WS" incidents cli.csv --src-crs EPSG:4549
wg_ok --quiet assign -w "$WS"
sleep 0.3 # the server reads the workspace's counter at most every 0.1 s
get /api/summary k3.json
check "another process's case is not in the summary: $(show k3.json)" \
    [ "$(js k3.json '$.now.cases')" = $(($(js k1.json '$.now.cases') + 1)) ]
check "the summary made again is not counted: $(show kb.json)" \
    [ "$(js kb.json '$.reports.made')" -ge 1 ]
wg_case "the planner's desk: a move through the API"
read -r unit to < <(sql "$WS" "SELECT cu.unit, c2.code FROM cell_units cu JOIN cells c1 ON c1.code = cu.cell AND c1.plan = cu.plan JOIN cells c2 ON c2.plan = cu.plan AND c2.community = c1.community AND c2.code <> c1.code AND ST_Touches(c1.geom, c2.geom) WHERE cu.plan = 1 ORDER BY cu.unit LIMIT 1" | tr '|' ' ')
hh_to=$(sql "$WS" "SELECT households FROM cells WHERE plan = 1 AND code = '$to'")
hh_unit=$(sql "$WS" "SELECT households FROM units WHERE id = '$unit'")
move() { # JSON [TOKEN] [PLAN]: the answer in m.json, the status in $CODE
    CODE=$(curl -s -o m.json -w '%{http_code}' --max-time 60 -X POST -H 'Content-Type: application/json' \
        ${2:+-H "Authorization: Bearer $2"} --data-binary "$1" "$URL/api/plans/${3:-p1}/moves")
}
move "{\"units\": [\"$unit\"], \"to\": \"$to\"}"
check "a move without the token answered $CODE, expected 401" [ "$CODE" = 401 ]
move "{\"units\": [\"$unit\"], \"to\": \"$to\"}" "$TOKEN"
check "the move answered $CODE: $(show m.json)" [ "$CODE" = 200 ]
check "the move's total is not the cell's old one plus the unit's: $(show m.json)" \
    [ "$(js m.json '$.to_households')" = $((hh_to + hh_unit)) ]
check "the unit is not in its new cell" \
    [ "$(sql "$WS" "SELECT cell FROM cell_units WHERE plan = 1 AND unit = '$unit'")" = "$to" ]
check "the answer's total is not the stored one" \
    [ "$(js m.json '$.to_households')" = "$(sql "$WS" "SELECT households FROM cells WHERE plan = 1 AND code = '$to'")" ]
check "the answer has no verdict: $(show m.json)" [ -n "$(js m.json '$.verdict')" ]
move "{\"units\": [\"NO-SUCH-UNIT\"], \"to\": \"$to\"}" "$TOKEN"
check "an unknown unit answered $CODE, expected 400" [ "$CODE" = 400 ]
check "the refusal does not name the unit: $(show m.json)" grep -q 'NO-SUCH-UNIT' m.json
move "{\"units\": [\"$unit\"], \"to\": \"$to\"}" "$TOKEN" no-such-plan
check "an unknown plan answered $CODE, expected 404" [ "$CODE" = 404 ]
move '{"units": ["a"], ' "$TOKEN"
check "broken JSON answered $CODE, expected 400" [ "$CODE" = 400 ]
check "the refusal does not say where the JSON breaks: $(show m.json)" grep -q 'not JSON: line 1' m.json
move '{"units": [], "to": "x"}' "$TOKEN"
check "an empty move answered $CODE, expected 400" [ "$CODE" = 400 ]
kill -TERM "$PID"
wait "$PID"
RCS=$?
check "the writing server exited $RCS after SIGTERM, expected 0" [ "$RCS" = 0 ]
check "the refusal names the temporary file, not the posted batch: $(show p.json)" \
    grep -q '"message":"the posted batch: ' bad.json
wg_case "clients posting at once, and a kill -9 mid-stream"
start_server serve3 --token-file token --threads 4
check "the writing server did not start again: $(show serve3.err)" [ -n "$URL" ]
# four clients, each posting 10 batches of 5 cases; batches overlap by id across clients
for k in 1 2 3 4; do
    (
        for b in $(seq 1 10); do
            f=batch$k-$b.csv
            printf 'id,x,y,category\n' >"$f"
            for i in 1 2 3 4 5; do
                printf 'C%03d,%s,%s,parking\n' $(((b * 5 + i + k) % 60)) "$x0" "$y0" >>"$f"
            done
            code=$(curl -s -o "ans$k-$b.json" -w '%{http_code}' --max-time 120 -X POST \
                -H 'Content-Type: text/csv' -H "Authorization: Bearer $TOKEN" \
                --data-binary @"$f" "$URL/api/incidents?src_crs=EPSG:4549")
            echo "$code $f" >>"acks$k"
        done
    ) &
done
wait_clients() {
    local j
    for j in $(jobs -p); do
        [ "$j" = "$PID" ] || wait "$j"
    done
}
wait_clients
check "a concurrent post failed: $(grep -hv '^200 ' acks1 acks2 acks3 acks4 | head -3 | tr '\n' '|')" \
    [ "$(cat acks1 acks2 acks3 acks4 | grep -c '^200 ')" = 40 ]
check "an id posted by several clients is stored more than once" \
    [ "$(sql "$WS" "SELECT count(*) - count(DISTINCT id) FROM incidents")" = 0 ]
check "not every posted id is stored" [ "$(cat batch*.csv | grep -v '^id' | cut -d, -f1 | sort -u | wc -l)" = \
    "$(sql "$WS" "SELECT count(*) FROM incidents WHERE id LIKE 'C%'")" ]
# a stream of posts, the server killed in the middle; every acknowledged case must be there
rm -f acks5
(
    for b in $(seq 1 40); do
        printf 'id,x,y,category\nK%03d,%s,%s,dogs\n' "$b" "$x0" "$y0" >k$b.csv
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST -H 'Content-Type: text/csv' \
            -H "Authorization: Bearer $TOKEN" --data-binary @k$b.csv "$URL/api/incidents?src_crs=EPSG:4549")
        [ "$code" = 200 ] && echo "K$(printf '%03d' "$b")" >>acks5
    done
) &
SENDER=$!
sleep 1
kill -9 "$PID"
wait "$PID" 2>/dev/null
wait "$SENDER"
check "no post was acknowledged before the kill" [ -s acks5 ]
start_server serve3 --token-file token --threads 4
check "the server did not start after a kill -9: $(show serve3.err)" [ -n "$URL" ]
missing=0
while read -r id; do
    [ "$(sql "$WS" "SELECT count(*) FROM incidents WHERE id = '$id'")" = 1 ] || missing=$((missing + 1))
done <acks5
check "$missing acknowledged cases are missing or doubled after a kill -9 ($(wc -l <acks5) acknowledged)" [ "$missing" = 0 ]
get /api/health h3.json
check "after the restart the server does not answer ($CODE)" [ "$CODE" = 200 ]
kill -TERM "$PID"
wait "$PID"
wg_end
