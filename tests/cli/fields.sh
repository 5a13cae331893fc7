#!/usr/bin/env bash
# tests/cli/fields.sh: what `wangge import` prints about the fields of a source as a user
# brings it: where each field came from, the columns not used, a warning naming the --map for
# an unused time column; --columns for a CSV without a header row, and the codes it fills as
# `wangge info` shows them.
#   usage: bash tests/cli/fields.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"

WS=ws.wangge
"$WG" init -w "$WS" --crs EPSG:4549 >/dev/null 2>&1
printf 'id,x,y,category,reported_at,finished_on,note\n1,500000,3450000,litter,2024-01-02 10:00,2024-01-03 11:00,a\n' >incidents.csv
"$WG" import -w "$WS" incidents incidents.csv --src-crs EPSG:4549 >out 2>err
rc=$?
check "import exits $rc: $(show err)" [ "$rc" -eq 0 ]
check "the summary does not say where reported came from: $(show out)" \
    grep -q 'fields: id <- id, category <- category, reported <- reported_at' out
check "the summary does not list the unused columns: $(show out)" \
    grep -q '^  not used: finished_on, note$' out
check "no warning names the --map for finished_on: $(show err)" \
    grep -q "warning: incidents.csv: column 'finished_on' looks like a time .*to use it: --map closed=finished_on" err

printf '310104000000,310100000000,徐汇区,county\n310104003000,310104000000,天平路街道,town\n310104003002,310104003000,德昌居委会,village\n' >codes.csv
"$WG" import -w "$WS" codes codes.csv --columns code,parent >out 2>err
rc=$?
check "a wrong --columns count exits $rc, not 1: $(show err)" [ "$rc" -eq 1 ]
check "the count error does not name the file and both counts: $(show err)" \
    grep -q '^wangge: codes.csv: --columns names 2 columns, but line 1 of the file has 4$' err
"$WG" import -w "$WS" codes codes.csv --columns code,parent,name,level >out 2>err
rc=$?
check "codes import exits $rc: $(show err)" [ "$rc" -eq 0 ]
check "codes import does not say 3 inserted: $(show out)" grep -q ': 3 inserted' out
"$WG" info -w "$WS" >out 2>err
check "info does not count the codes by level: $(show out)" \
    grep -q '^  codes by level: 1 county, 1 town, 1 village$' out

wg_end
