#!/usr/bin/env bash
# tests/cli/serve_events.sh: the live feed of `wangge serve` (GET /api/events, wangge-event/1)
# and PATCH /api/incidents/{id}, on the small sample city, with curl as the page's EventSource:
# a posted batch arrives as `case` events with the right ids and cells, then `kpi` and `tiles`;
# a client reconnecting with Last-Event-ID misses nothing and repeats nothing, and one too far
# behind is told to reset; a CLI import into the same workspace reaches the stream; heartbeats
# come; a PATCH closes a case (the summary counts it, the stream says so) and bad ones are
# refused naming the field; the cap on streams answers 503; SIGTERM with streams open stops
# within a few seconds, exit 0, every stream ended.
#   usage: bash tests/cli/serve_events.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
wg_begin "$@"
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 2; }
export WANGGE_SSE_PING=1 # a heartbeat every second, for the servers started here

wg_case "start"
serve_city
[ "$NFAIL" -eq 0 ] || wg_end
TOKEN=0123456789abcdef0123456789abcdef
printf '%s\n' "$TOKEN" >token
chmod 600 token

# listen FILE SECONDS [CURL ARGS...]: a stream into FILE, in the background, for SECONDS
listen() {
    local f=$1 secs=$2
    shift 2
    curl -sN --max-time "$secs" "$@" "$URL/api/events" >"$f" &
}
# events FILE: one line per event, "ID TYPE DATA" (comments and the retry line left out)
events() {
    awk '/^id: /{id=$2} /^event: /{ev=$2} /^data: /{sub(/^data: /, ""); d=$0}
         /^$/{if (ev != "") print id, ev, d; id=""; ev=""; d=""}' "$1"
}
# wait_for FILE PATTERN: up to 10 s for an event line of FILE matching PATTERN
wait_for() {
    for _ in $(seq 1 100); do
        events "$1" | grep -q -- "$2" && return 0
        sleep 0.1
    done
    return 1
}
jv() { # the value of JSON text $1 at path $2, through SQLite
    sqlite3 -batch :memory: "SELECT json_extract('$(printf '%s' "$1" | sed "s/'/''/g")', '$2')"
}
post() { # FILE: posts FILE as CSV with the token; body in p.json, status in $CODE
    CODE=$(curl -s -o p.json -w '%{http_code}' --max-time 60 -X POST -H 'Content-Type: text/csv' \
        -H "Authorization: Bearer $TOKEN" --data-binary @"$1" \
        "$URL/api/incidents?tz=Asia/Shanghai&src_crs=EPSG:4549")
}
patch() { # ID JSON [TOKEN]: the answer in q.json, the status in $CODE
    CODE=$(curl -s -o q.json -w '%{http_code}' --max-time 60 -X PATCH \
        -H 'Content-Type: application/json' ${3:+-H "Authorization: Bearer $3"} \
        --data-binary "$2" "$URL/api/incidents/$1?tz=Asia/Shanghai")
}

start_server serve --token-file token
check "the server did not start: $(show serve.err)" [ -n "$URL" ]
[ -n "$URL" ] || wg_end

wg_case "a posted batch as case events"
listen a.sse 60
sleep 0.5
read -r x0 y0 < <(sql "$WS" "SELECT X(geom), Y(geom) FROM incidents WHERE geom IS NOT NULL LIMIT 1" | tr '|' ' ')
read -r x1 y1 < <(sql "$WS" "SELECT X(geom), Y(geom) FROM incidents WHERE geom IS NOT NULL ORDER BY fid DESC LIMIT 1" | tr '|' ' ')
printf 'id,x,y,category,reported\nEV1,%s,%s,sanitation,2025-12-30 09:00\nEV2,%s,%s,parking,2025-12-30 09:05\nEV3,%s,%s,parking,2025-12-30 09:10\n' \
    "$x0" "$y0" "$x1" "$y1" "$x0" "$y0" >b1.csv
post b1.csv
check "the post answered $CODE: $(show p.json)" [ "$CODE" = 200 ]
check "no tiles event after the post: $(events a.sse | tr '\n' '|')" wait_for a.sse ' tiles '
events a.sse >a1.ev
check "not 3 case events: $(tr '\n' '|' <a1.ev)" [ "$(grep -c ' case ' a1.ev)" = 3 ]
for id in EV1 EV2 EV3; do
    check "no new case event for $id" grep -q " case .*\"id\":\"$id\".*\"action\":\"new\"" a1.ev
done
# the cells the events name are the ones the workspace assigned (export gives each its cell)
wg_ok export -w "$WS" incidents inc.csv
for id in EV1 EV2 EV3; do
    want=$(awk -F, -v id="$id" 'NR == 1 {for (i = 1; i <= NF; i++) {if ($i == "cell") c = i; if ($i == "id") k = i}}
        NR > 1 && $k == id {gsub(/"/, "", $c); print $c}' inc.csv)
    line=$(grep " case .*\"id\":\"$id\"" a1.ev | head -1)
    got=$(jv "${line#* case }" '$.cell')
    check "case $id names cell '$got', the workspace '$want'" [ -n "$want" ] && [ "$got" = "$want" ]
done
line=$(grep ' case .*"id":"EV1"' a1.ev | head -1)
d=${line#* case }
check "EV1's reported time is not its UTC one: $d" [ "$(jv "$d" '$.reported')" = 2025-12-30T01:00:00Z ]
lon=$(jv "$d" '$.lon')
lat=$(jv "$d" '$.lat')
check "EV1 is not in WGS 84 near Shanghai: $lon $lat" \
    [ "$(sqlite3 -batch :memory: "SELECT $lon > 119 AND $lon < 123 AND $lat > 29 AND $lat < 33")" = 1 ]
check "EV1's closed is not null: $d" [ "$(jv "$d" '$.closed')" = "" ]
check "EV1, in a cell, says why it is in none: $d" [ "$(jv "$d" '$.unassigned')" = "" ]
check "EV1 has no source field (null): $d" grep -q '"source":null' <<<"$d"
check "EV1 has no overdue flag: $d" [ -n "$(jv "$d" '$.overdue')" ]
# order: the cases, then kpi, then tiles; ids increase
check "kpi does not follow the cases" [ "$(awk '{print $2}' a1.ev | tr '\n' ' ')" = "case case case kpi tiles " ]
check "the ids do not increase" [ "$(awk '{print $1}' a1.ev | sort -n -c 2>&1 && echo ok)" = ok ]
kpi=$(grep ' kpi ' a1.ev | head -1)
check "kpi does not count the incidents: $kpi" \
    [ "$(jv "${kpi#* kpi }" '$.incidents')" = "$(sql "$WS" "SELECT count(*) FROM incidents")" ]
tiles=$(grep ' tiles ' a1.ev | head -1)
check "tiles does not name the incident maps: $tiles" \
    [ "$(jv "${tiles#* tiles }" '$.maps')" = '["heatmap","incidents","workload","rate"]' ]
# posted again: changed, not new
post b1.csv
check "no second tiles event: $(events a.sse | tr '\n' '|')" wait_for a.sse ' case .*"id":"EV3".*"changed"'

wg_case "reconnecting with Last-Event-ID"
first=$(awk 'NR == 1 {print $1}' a1.ev)
listen b.sse 60 -H "Last-Event-ID: $first"
sleep 0.5
printf 'id,x,y,category\nEV4,%s,%s,dogs\n' "$x0" "$y0" >b2.csv
post b2.csv
check "the post answered $CODE" [ "$CODE" = 200 ]
check "stream A did not get EV4" wait_for a.sse ' case .*"id":"EV4"'
check "stream B did not get EV4" wait_for b.sse ' case .*"id":"EV4"'
sleep 0.5
events a.sse | awk -v f="$first" '$1 > f {print $1, $2}' >a_after.ev
events b.sse | awk '{print $1, $2}' >b_all.ev
check "B, resumed after $first, is not A's events after it: A $(tr '\n' '|' <a_after.ev) B $(tr '\n' '|' <b_all.ev)" \
    cmp -s a_after.ev b_all.ev
check "B got fewer than the 4 events after $first: $(tr '\n' '|' <b_all.ev)" [ "$(wc -l <b_all.ev)" -ge 4 ]
check "B repeats an event" [ "$(awk '{print $1}' b_all.ev | sort | uniq -d | wc -l)" = 0 ]
check "B replays the event it said it had" [ "$(grep -c "^$first " b_all.ev)" = 0 ]
# the parameter does as the header does; an id the ring no longer holds (or never held): reset
curl -sN --max-time 2 "$URL/api/events?last_event_id=$first" >c.sse
check "last_event_id= did not replay as the header does" \
    [ "$(events c.sse | awk '{print $1}' | head -1)" = "$(head -1 a_after.ev | awk '{print $1}')" ]
curl -sN --max-time 2 "$URL/api/events?last_event_id=5" >r.sse
check "an unknown id was not told to reset: $(events r.sse | tr '\n' '|')" \
    [ "$(events r.sse | awk 'NR == 1 {print $2}')" = reset ]
CODE=$(curl -s -o e.json -w '%{http_code}' --max-time 2 "$URL/api/events?last_event_id=x")
check "a bad last_event_id answered $CODE, expected 400" [ "$CODE" = 400 ]
CODE=$(curl -s -o e.json -w '%{http_code}' --max-time 2 -X POST --data x "$URL/api/events")
check "POST to the events answered $CODE, expected 405" [ "$CODE" = 405 ]

wg_case "the CLI importing into the same workspace meanwhile"
n_before=$(events a.sse | wc -l)
printf 'id,x,y,category\nCLI1,%s,%s,parking\nCLI2,%s,%s,parking\n' "$x0" "$y0" "$x0" "$y0" >cli.csv
wg_ok --quiet import -w "$WS" incidents cli.csv --src-crs EPSG:4549
check "no kpi after the CLI's import" wait_for a.sse " kpi .*\"incidents\":$(sql "$WS" "SELECT count(*) FROM incidents")"
events a.sse | tail -n +$((n_before + 1)) >cli.ev
check "no tiles for the CLI's import: $(tr '\n' '|' <cli.ev)" grep -q ' tiles .*"heatmap"' cli.ev
# the watcher reads what was written since the version it last saw: the two cases, once each
check "not two case events for the CLI's import: $(tr '\n' '|' <cli.ev)" \
    [ "$(grep -c ' case ' cli.ev)" = 2 ]
check "the CLI's cases not said as new: $(tr '\n' '|' <cli.ev)" \
    [ "$(grep -c ' case .*"id":"CLI[12]".*"action":"new"' cli.ev)" = 2 ]
sleep 1.5 # the watcher polls every 0.5 s: nothing more comes for one write
check "the CLI's import was said more than once: $(events a.sse | tail -n +$((n_before + 1)) | tr '\n' '|')" \
    [ "$(events a.sse | tail -n +$((n_before + 1)) | grep -c ' kpi ')" = 1 ]

wg_case "heartbeats"
check "no heartbeat in a stream open for seconds" grep -q '^: ping$' a.sse

wg_case "dead clients are found by the heartbeat and freed"
get /api/health h0.json
s0=$(js h0.json '$.events.streams')
check "health does not count the open streams: $(show h0.json)" [ "${s0:-0}" -ge 2 ]
DEAD=""
for k in 1 2 3; do
    curl -sN --max-time 60 "$URL/api/events" >/dev/null &
    DEAD="$DEAD $!"
done
sleep 0.5
get /api/health h1.json
check "three more streams are not counted: $s0 -> $(js h1.json '$.events.streams')" \
    [ "$(js h1.json '$.events.streams')" = $((s0 + 3)) ]
{ kill -9 $DEAD && wait $DEAD; } 2>/dev/null
freed=0
for _ in $(seq 1 80); do # the heartbeat comes every second: a few of them find the dead
    get /api/health h2.json
    [ "$(js h2.json '$.events.streams')" = "$s0" ] && freed=1 && break
    sleep 0.1
done
check "the three killed clients' streams were not freed within 8 s: $(show h2.json)" [ "$freed" = 1 ]

wg_case "PATCH closes a case"
get_summary() {
    curl -s --max-time 60 -o "$1" "$URL/api/summary"
}
get_summary s0.json
open0=$(jv "$(cat s0.json)" '$.now.open')
n_before=$(events a.sse | wc -l)
patch EV2 '{"closed": "2025-12-30 18:00", "status": "closed", "dispatched": "2025-12-30 09:30"}' "$TOKEN"
check "the PATCH answered $CODE: $(show q.json)" [ "$CODE" = 200 ]
q=$(cat q.json)
check "the answer is not wangge-patch/1: $q" [ "$(jv "$q" '$.schema')" = wangge-patch/1 ]
check "the answer's case is not closed at 10:00 UTC: $q" [ "$(jv "$q" '$.case.closed')" = 2025-12-30T10:00:00Z ]
check "the answer's case is not dispatched: $q" [ "$(jv "$q" '$.case.dispatched')" = 2025-12-30T01:30:00Z ]
check "the answer does not say it changed: $q" [ "$(jv "$q" '$.changed')" = 1 ]
check "the row is not closed" [ "$(sql "$WS" "SELECT status, closed IS NOT NULL FROM incidents WHERE id = 'EV2'")" = "closed|1" ]
get_summary s1.json
check "the summary does not count EV2 closed: open $open0 -> $(jv "$(cat s1.json)" '$.now.open')" \
    [ "$(sqlite3 -batch :memory: "SELECT CAST($open0 - $(jv "$(cat s1.json)" '$.now.open') AS INTEGER)")" = 1 ]
check "no changed case event for EV2" wait_for a.sse ' case .*"id":"EV2".*"closed":"2025-12-30T10:00:00Z".*"action":"changed"'
check "no kpi after the PATCH" wait_for a.sse " kpi .*\"version\":$(jv "$q" '$.version')"
v=$(sql "$WS" "SELECT ver FROM incidents WHERE id = 'EV2'")
patch EV2 '{"closed": "2025-12-30 18:00", "status": "closed", "dispatched": "2025-12-30 09:30"}' "$TOKEN"
check "the same PATCH again answered $CODE" [ "$CODE" = 200 ]
check "the same PATCH again changed something: $(show q.json)" [ "$(jv "$(cat q.json)" '$.changed')" = 0 ]
check "the same PATCH again moved the row's version" [ "$(sql "$WS" "SELECT ver FROM incidents WHERE id = 'EV2'")" = "$v" ]
check "the same PATCH again does not give the case as it is" [ "$(jv "$(cat q.json)" '$.case.status')" = closed ]
sleep 0.8
check "the same PATCH again was published" \
    [ "$(events a.sse | tail -n +$((n_before + 1)) | grep -c ' case .*"id":"EV2"')" = 1 ]
patch EV2 '{"closed": null}' "$TOKEN"
check "reopening answered $CODE: $(show q.json)" [ "$CODE" = 200 ] && [ "$(jv "$(cat q.json)" '$.case.closed')" = "" ]

wg_case "bad PATCHes"
bad() { # JSON STATUS WORDS...: the PATCH of EV1 answers STATUS and its message holds WORDS
    local body=$1 want=$2
    shift 2
    patch EV1 "$body" "$TOKEN"
    check "$body answered $CODE, expected $want" [ "$CODE" = "$want" ]
    check "$body: the message does not say '$*': $(show q.json)" grep -qF -- "$*" q.json
}
bad '{"closed": "yesterdayish"}' 400 "closed: cannot read 'yesterdayish'"
bad '{"dispatched": 17}' 400 "dispatched: expected a time"
bad '{"status": 5}' 400 "status: expected text or null"
bad '{"colour": "red"}' 400 "colour: not a field"
bad '{}' 400 "nothing to change"
bad '[1]' 400 "must be a JSON object"
bad '{"closed": ' 400 "not JSON: line 1"
bad '{"status": "a", "status": "b"}' 400 "not JSON"
patch NO-SUCH-CASE '{"status": "closed"}' "$TOKEN"
check "an unknown case answered $CODE, expected 404" [ "$CODE" = 404 ]
check "the 404 does not name the case: $(show q.json)" grep -q "NO-SUCH-CASE" q.json
patch EV1 '{"status": "closed"}'
check "a PATCH without the token answered $CODE, expected 401" [ "$CODE" = 401 ]
CODE=$(curl -s -o q.json -w '%{http_code}' -X PATCH -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: text/plain' --data 'x' "$URL/api/incidents/EV1")
check "a PATCH of another type answered $CODE, expected 415" [ "$CODE" = 415 ]
CODE=$(curl -s -o q.json -w '%{http_code}' -X GET "$URL/api/incidents/EV1")
check "GET of a case answered $CODE, expected 405" [ "$CODE" = 405 ]
check "a bad PATCH changed EV1" [ "$(sql "$WS" "SELECT coalesce(status, '') || '|' || (closed IS NULL) FROM incidents WHERE id = 'EV1'")" = "|1" ]

wg_case "a planner's move through the API, and one by the CLI"
# a unit and a cell beside its own, in the same community
pick_move() {
    sql "$WS" "SELECT cu.unit, c1.code, c2.code FROM cell_units cu JOIN cells c1 ON c1.code = cu.cell AND c1.plan = cu.plan JOIN cells c2 ON c2.plan = cu.plan AND c2.community = c1.community AND c2.code <> c1.code AND ST_Touches(c1.geom, c2.geom) WHERE cu.plan = 1 ORDER BY cu.unit LIMIT 1 OFFSET $1" | tr '|' ' '
}
read -r unit from to < <(pick_move 0)
n_before=$(events a.sse | wc -l)
CODE=$(curl -s -o m.json -w '%{http_code}' --max-time 60 -X POST -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" --data-binary "{\"units\": [\"$unit\"], \"to\": \"$to\"}" \
    "$URL/api/plans/p1/moves")
check "the move answered $CODE: $(show m.json)" [ "$CODE" = 200 ]
check "no plan event for the move" wait_for a.sse ' plan .*"action":"move"'
sleep 0.3
events a.sse | tail -n +$((n_before + 1)) >mv.ev
line=$(grep ' plan ' mv.ev | head -1)
cells=$(jv "${line#* plan }" '$.cells')
check "the move's plan event does not name both cells ($from -> $to): $line" \
    eval '[[ "$cells" == *"$from"* && "$cells" == *"$to"* ]]'
check "the move's events are not plan, tiles, kpi: $(tr '\n' '|' <mv.ev)" \
    [ "$(awk '{print $2}' mv.ev | head -3 | tr '\n' ' ')" = "plan tiles kpi " ]
check "the move's tiles do not name the plan's maps: $(grep ' tiles ' mv.ev)" \
    grep -q ' tiles {"maps":\["incidents","plan","workload","rate","coverage"\]' mv.ev
read -r unit2 from2 to2 < <(pick_move 5)
n_before=$(events a.sse | wc -l)
wg_ok plan -w "$WS" move p1 "$unit2" --to "$to2"
check "no plan event for the CLI's move" wait_for a.sse ' plan .*"action":"changed"'
events a.sse | tail -n +$((n_before + 1)) >mv2.ev
line=$(grep ' plan ' mv2.ev | head -1)
check "the CLI's move does not name its target $to2: $line" grep -q "\"$to2\"" <<<"$line"

wg_case "SIGTERM with streams open"
for k in 1 2 3; do
    (
        curl -sN --max-time 30 "$URL/api/events" >t$k.sse
        echo $? >t$k.rc
    ) &
done
sleep 0.5
T_STOP=$(date +%s.%N)
kill -TERM "$PID"
for _ in $(seq 1 100); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
done
if kill -0 "$PID" 2>/dev/null; then
    fail "SIGTERM with streams open did not stop the server within 5 s"
    kill -9 "$PID"
fi
wait "$PID"
RCS=$?
note "stopped in $(sqlite3 -batch :memory: "SELECT round($(date +%s.%N) - $T_STOP, 2)") s"
check "the server exited $RCS after SIGTERM, expected 0 (stderr: $(show serve.err))" [ "$RCS" = 0 ]
check "the server did not say it stopped: $(show serve.out)" grep -q '^stopped$' serve.out
for _ in $(seq 1 50); do
    [ -f t1.rc ] && [ -f t2.rc ] && [ -f t3.rc ] && break
    sleep 0.1
done
for k in 1 2 3; do
    check "stream $k was not ended (curl exit $(cat t$k.rc 2>/dev/null))" [ "$(cat t$k.rc 2>/dev/null)" = 0 ]
done
wait # the streams of A and B end with the server too

wg_case "open files: the soft limit is raised to fit the streams, or the streams to fit it"
# start_limited NAME ULIMIT-ARGS...: the server under `ulimit ARGS`; sets PID and URL
start_limited() {
    local name=$1
    shift
    (ulimit "$@" && exec "$WG" serve -w "$WS" --listen 127.0.0.1:0 >"$name.out" 2>"$name.err") &
    PID=$!
    wait_url "$name"
}
start_limited lim1 -S -n 256
check "the server under ulimit -n 256 did not start: $(show lim1.err)" [ -n "$URL" ]
soft=$(awk '/^Max open files/ {print $4}' /proc/"$PID"/limits)
check "the soft limit of open files stayed $soft, below 1024 streams + 256 requests" [ "$soft" -ge 1280 ]
get /api/health hl.json
check "the streams were capped though the raised limit fits 1024: $(show hl.json)" \
    [ "$(js hl.json '$.events.max_streams')" = 1024 ]
kill -TERM "$PID"
wait "$PID"
start_limited lim2 -n 600
check "the server under a hard limit of 600 files did not start: $(show lim2.err)" [ -n "$URL" ]
get /api/health hl.json
cap=$(js hl.json '$.events.max_streams')
check "under a hard limit of 600 files the streams were not capped to fit: $cap" \
    [ "${cap:-0}" -gt 0 ] && [ "${cap:-0}" -lt 600 ]
check "the cap was not said at the start: $(show lim2.err)" \
    grep -q "warning: only 600 open files allowed (ulimit -n): at most $cap event streams" lim2.err
kill -TERM "$PID"
wait "$PID"
RCS=$?
check "the limited server exited $RCS, expected 0" [ "$RCS" = 0 ]

wg_case "the cap on streams"
start_server serve2 --max-streams 2
check "the capped server did not start: $(show serve2.err)" [ -n "$URL" ]
listen k1.sse 10
listen k2.sse 10
sleep 0.5
CODE=$(curl -s -o e.json -w '%{http_code}' --max-time 3 "$URL/api/events")
check "a third stream past --max-streams 2 answered $CODE, expected 503" [ "$CODE" = 503 ]
check "the 503 does not say why: $(show e.json)" grep -q "too many event streams" e.json
CODE=$(curl -s -o h.json -w '%{http_code}' --max-time 10 "$URL/api/health")
check "ordinary requests were refused beside full streams ($CODE)" [ "$CODE" = 200 ]
kill -TERM "$PID"
wait "$PID"
RCS=$?
check "the capped server exited $RCS after SIGTERM, expected 0" [ "$RCS" = 0 ]
wg_end
