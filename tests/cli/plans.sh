#!/usr/bin/env bash
# tests/cli/plans.sh: `wangge partition` and `wangge plan` as a planner runs them, on the small
# sample city: the summary table, plan list/show/diff/activate/move, export of the cells, a
# redraw that moves nobody, and every bad command refused with one line naming the problem and
# the workspace left byte for byte as it was.
#   usage: bash tests/cli/plans.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"

mkdir ws src
WS=ws/city.wangge

wg_case "start"
wg_ok demo-data --scale small --seed 3 -o city
wg_ok init -w "$WS" --crs EPSG:4549
for l in communities units barriers; do
    wg_ok import -w "$WS" $l city/$l.gpkg
done
[ "$NFAIL" -eq 0 ] || wg_end

wg_case "partition"
wg_ok partition -w "$WS" --name first --division 310104
check "no summary line 'plan first (id 1), active:': $(show out)" grep -q '^plan first (id 1), active: ' out
check "no households per cell row: $(show out)" grep -Eq '^  households per cell +[0-9]+ / [0-9]+ / [0-9]+' out
check "no share in range: $(show out)" grep -Eq '^  cells in range +[0-9]+ of [0-9]+ \([0-9.]+ %\)' out
check "no compactness row: $(show out)" grep -Eq '^  compactness \(Polsby-Popper\) +mean 0\.[0-9]+, min 0\.[0-9]+' out
check "the summary does not point at plan show: $(show out)" grep -q "wangge plan -w $WS show first" out
units=$(sql "$WS" "SELECT count(*) FROM units")
check "not every unit in one cell" [ "$(sql "$WS" "SELECT count(DISTINCT unit) FROM cell_units WHERE plan = 1")" = "$units" ]
check "codes are not 310104 + 9 digits" [ "$(sql "$WS" "SELECT count(*) FROM cells WHERE plan = 1 AND code NOT GLOB '310104[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'")" = 0 ]
wg_ok --quiet partition -w "$WS" --name quiet
check "--quiet printed something: $(show out)" [ ! -s out ]

wg_case "plan list and show"
wg_ok plan -w "$WS" list
check "list does not show first as active: $(show out)" grep -Eq '^1 +first .* active$' out
check "list does not show quiet: $(show out)" grep -Eq '^2 +quiet ' out
wg_ok plan -w "$WS" show first --cells
ncells=$(sql "$WS" "SELECT count(*) FROM cells WHERE plan = 1")
check "show does not list $ncells cells: $(show out)" [ "$(grep -c '^3101' out)" = "$ncells" ]
nout=$(sql "$WS" "SELECT count(*) FROM cells WHERE plan = 1 AND (households < 200 OR households > 300)")
check "show does not give a cause for each of the $nout cells out of range" \
    [ "$(grep -Ec '(above_max|below_min) ' out)" = "$nout" ]

wg_case "redraw, diff, activate"
wg_ok partition -w "$WS" --name redrawn --keep first --seed 9
check "the redraw moved households: $(show out)" grep -q '0 households (0 units) moved' out
wg_ok plan -w "$WS" diff first redrawn
check "diff does not say 0 households change cell: $(show out)" grep -q 'households that change cell  0 (0 units)' out
check "diff does not say no cell added, removed or changed: $(show out)" grep -q 'added / removed / changed / same  0 / 0 / 0 / ' out
wg_ok plan -w "$WS" activate redrawn
check "redrawn is not the only active plan" [ "$(sql "$WS" "SELECT group_concat(name) FROM plans WHERE active")" = redrawn ]

wg_case "move by hand"
read -r unit from to <<<"$(sql "$WS" "SELECT cu.unit, cu.cell, n.code FROM cell_units cu JOIN cells c ON c.plan = cu.plan AND c.code = cu.cell JOIN cells n ON n.plan = cu.plan AND n.code <> c.code AND ST_Touches(n.geom, c.geom) AND n.community = c.community WHERE cu.plan = 3 ORDER BY cu.unit LIMIT 1" | tr '|' ' ')"
wg_ok plan -w "$WS" move redrawn "$unit" --to "$to"
check "move does not report the target cell: $(show out)" grep -q "^moved 1 units into $to" out
check "move gives no verdict: $(show out)" grep -Eq 'in range|OUT OF RANGE' out
check "the unit is not in $to" [ "$(sql "$WS" "SELECT cell FROM cell_units WHERE plan = 3 AND unit = '$unit'")" = "$to" ]
check "cell totals no longer add up" [ "$(sql "$WS" "SELECT sum(households) FROM cells WHERE plan = 3")" = "$(sql "$WS" "SELECT sum(households) FROM units")" ]

wg_case "export"
wg_ok export -w "$WS" cells src/cells.gpkg
check "export did not write the active plan's cells: $(show out)" \
    [ "$(sqlite3 src/cells.gpkg 'SELECT count(*) FROM cells')" = "$(sql "$WS" "SELECT count(*) FROM cells WHERE plan = 3")" ]

# ---- refused ---------------------------------------------------------------------------------
wg_ok info -w "$WS"
cp out src/info.base
cp "$WS" src/base.wangge
ws_restore()
{
    cp src/base.wangge "$WS"
}
refused "range upside down" "$WS" "--min <= --target <= --max|min 300|max 200" \
    partition -w "$WS" --min 300 --max 200
refused "unknown keep plan" "$WS" "no plan named or numbered 'nope'" partition -w "$WS" --keep nope
refused "lock without keep" "$WS" "--lock needs --keep" partition -w "$WS" --lock 310104001001001
refused "lock of a missing cell" "$WS" "--lock 999|no such cell in plan first" \
    partition -w "$WS" --keep first --lock 999
refused "name taken" "$WS" "a plan named first exists already" partition -w "$WS" --name first
refused "bad division" "$WS" "--division 31|6-digit" partition -w "$WS" --division 31
refused "show unknown plan" "$WS" "no plan named or numbered 'x9'" plan -w "$WS" show x9
refused "diff unknown plan" "$WS" "no plan named or numbered 'x9'" plan -w "$WS" diff first x9
refused "move unknown unit" "$WS" "unit NOPE: no such unit" plan -w "$WS" move first NOPE --to "$to"
refused "move to unknown cell" "$WS" "--to 123: no such cell" plan -w "$WS" move first "$unit" --to 123

wg_case "usage errors"
for args in "partition -w $WS --max lots" "plan -w $WS drop first" "plan -w $WS show" "partition -w $WS extra"; do
    wg $args
    check "'$args' exited $RC, expected 1" [ "$RC" -eq 1 ]
    check "'$args' did not say what is wrong on one line: $(show err)" [ "$(nlines err)" -eq 1 ]
    check "'$args' changed the workspace" cmp -s "$WS" src/base.wangge
done

wg_case "no communities: dissolved from the units"
wg_ok init -w ws/bare.wangge --crs EPSG:4549
wg_ok import -w ws/bare.wangge units city/units.gpkg --community-field community
check "the import does not map the community field: $(show out)" grep -q 'community <- community' out
wg_ok partition -w ws/bare.wangge
named=$(sql ws/bare.wangge "SELECT count(DISTINCT community) FROM units")
check "the summary does not say the communities were dissolved: $(show out)" \
    grep -q "^  communities  *none imported: $named dissolved from the units' community field" out
check "communities layer does not hold the $named dissolved ones" \
    [ "$(sql ws/bare.wangge "SELECT count(*) FROM communities")" = "$named" ]
check "a dissolved community's households are not its units'" [ "$(sql ws/bare.wangge \
    "SELECT count(*) FROM communities c WHERE households <> (SELECT sum(households) FROM units u WHERE u.community = c.id)")" = 0 ]
check "not every unit in a cell" [ "$(sql ws/bare.wangge "SELECT count(*) FROM cell_units WHERE plan = 1")" = "$units" ]
wg import -w ws/bare.wangge incidents city/units.gpkg --community-field community
check "--community-field on incidents exited $RC, expected 1" [ "$RC" -eq 1 ]
check "the message does not say where it applies: $(show err)" grep -q 'applies to the units layer' err

wg_case "no communities and no names: one community"
wg_ok init -w ws/one.wangge --crs EPSG:4549
wg_ok import -w ws/one.wangge units city/units.gpkg --set community=
wg_ok partition -w ws/one.wangge
check "the summary does not say the district is one community: $(show out)" \
    grep -q "the whole district is one community, 'district'" out
check "not one community" [ "$(sql ws/one.wangge "SELECT group_concat(id) FROM communities")" = district ]
check "not every unit in a cell" [ "$(sql ws/one.wangge "SELECT count(*) FROM cell_units WHERE plan = 1")" = "$units" ]

wg_case "lattice: units for a district without them"
wg_ok init -w ws/lat.wangge --crs EPSG:4549
wg_ok import -w ws/lat.wangge incidents city/incidents.fgb
n_inc=$(sql ws/lat.wangge "SELECT count(*) FROM incidents")
wg_ok lattice -w ws/lat.wangge -o src/lattice.gpkg --cell 200 --ring 1
check "the summary does not count the squares: $(show out)" grep -Eq "^lattice of 200 m squares written to src/lattice.gpkg: [0-9,]+ squares, [0-9,]+ of them holding $(echo "$n_inc" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') of the incidents" out
wg_ok import -w ws/lat.wangge units src/lattice.gpkg --weight-name incidents
check "the squares do not hold every incident once" [ "$(sql ws/lat.wangge "SELECT total(households) FROM units" | sed 's/\.0$//')" = "$n_inc" ]
check "a square is not 200 m on a side" [ "$(sql ws/lat.wangge "SELECT count(*) FROM units WHERE abs(ST_Area(geom) - 40000) > 1e-6 OR kind <> 'area' OR id NOT LIKE 'Q%'")" = 0 ]
check "a square with incidents is not on the 200 m grid" [ "$(sql ws/lat.wangge "SELECT count(*) FROM units WHERE abs(MbrMinX(geom) / 200 - round(MbrMinX(geom) / 200)) > 1e-9")" = 0 ]
wg_ok partition -w ws/lat.wangge --target 400 --min 300 --max 500
check "the lattice's plan does not say incidents per cell: $(show out)" grep -q 'incidents per cell' out
wg_ok assign -w ws/lat.wangge
check "an incident fell outside the lattice's cells: $(show out)" grep -q '^  unassigned  *0$' out
wg lattice -w ws/lat.wangge -o src/bad.gpkg --cell 0
check "--cell 0 exited $RC, expected 1" [ "$RC" -eq 1 ]
check "--cell 0 does not say what is wrong: $(show err)" grep -q 'a square.s side must be 1 to 100000 m' err
check "--cell 0 left a file" [ ! -e src/bad.gpkg ]
wg lattice -w ws/lat.wangge -o src/bad.gpkg --of units
check "--of units exited $RC, expected 1" [ "$RC" -eq 1 ]
check "--of units does not say what a lattice counts: $(show err)" grep -q 'counts incidents or cameras' err

wg_end
