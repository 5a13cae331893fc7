#!/usr/bin/env bash
# tests/cli/serve_tiles.sh: the map tiles of `wangge serve` on the small sample city: every map
# answers PNG tiles of the right size, with an ETag that a repeated request gets 304 for; bad
# tile paths and filters are refused with the right status; and the cache follows the data tile
# by tile - a case posted into one tile redraws that tile and not a tile away from it, a
# planner's move redraws the tiles of the cells it touched and not the others.
#   usage: bash tests/cli/serve_tiles.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 2; }
. "$(dirname "$0")/serve_lib.sh"

wg_case "start"
serve_city
[ "$NFAIL" -eq 0 ] || wg_end
TOKEN=tile-test-token-0123456789
printf '%s\n' "$TOKEN" >token
chmod 600 token
start_server serve --token-file token --threads 2
check "the server did not say where it listens: $(show serve.out) $(show serve.err)" [ -n "$URL" ]
[ -n "$URL" ] || wg_end

# tile_at LON LAT Z: "X Y" of the Web Mercator tile holding the point
tile_at() {
    awk -v lon="$1" -v lat="$2" -v z="$3" 'BEGIN {
        n = 2 ^ z; pi = atan2(0, -1); phi = lat * pi / 180
        printf "%d %d\n", (lon + 180) / 360 * n, (1 - log(sin(phi) / cos(phi) + 1 / cos(phi)) / pi) / 2 * n }'
}
# png_size FILE: "WIDTH HEIGHT" from the PNG header
png_size() {
    od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%d %d\n", $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}
# tile PATH FILE: GETs a tile, the status in CODE, the ETag in ETAG, the type in TYPE
tile() {
    local h
    h=$(curl -s -D - -o "$2" --max-time 60 "$URL$1" | tr -d '\r')
    CODE=$(printf '%s\n' "$h" | awk 'NR == 1 { print $2 }')
    ETAG=$(printf '%s\n' "$h" | sed -n 's/^[Ee][Tt]ag: //p')
    TYPE=$(printf '%s\n' "$h" | sed -n 's/^[Cc]ontent-[Tt]ype: //p')
}
differ() { # A B: whether files A and B differ
    ! cmp -s "$1" "$2"
}
# lonlat X Y: "LON LAT" of a point of the workspace's CRS
lonlat() {
    echo "$1 $2" | gdaltransform -s_srs EPSG:4549 -t_srs EPSG:4326 -output_xy | awk '{ printf "%.8f %.8f\n", $1, $2 }'
}
counts() { # the tile cache's counters into drawn, revalidated
    get /api/tiles t.json
    drawn=$(js t.json '$.cache.drawn')
    revalidated=$(js t.json '$.cache.revalidated')
}

# a case near the middle of the city, its tile at zoom 17, and a tile three to the west
read -r x0 y0 < <(sql "$WS" "SELECT X(geom), Y(geom) FROM incidents ORDER BY abs(X(geom) - (SELECT avg(X(geom)) FROM incidents)) + abs(Y(geom) - (SELECT avg(Y(geom)) FROM incidents)) LIMIT 1" | tr '|' ' ')
read -r lon lat < <(lonlat "$x0" "$y0")
read -r TX TY < <(tile_at "$lon" "$lat" 17)
FX=$((TX - 3))

wg_case "every map's tile"
for m in base heatmap incidents plan workload rate coverage cameras; do
    tile "/tiles/$m/17/$TX/$TY.png" "$m.png"
    check "$m answered $CODE: $(show "$m.png")" [ "$CODE" = 200 ]
    check "$m came as '$TYPE'" [ "$TYPE" = image/png ]
    check "$m is not a 256 x 256 PNG: $(png_size "$m.png")" [ "$(png_size "$m.png")" = "256 256" ]
    check "$m has no ETag" [ -n "$ETAG" ]
done
check "the heatmap tile is the same bytes as the incidents tile" differ heatmap.png incidents.png
tile "/tiles/plan/17/$TX/$TY@2x.png" plan2.png
check "@2x answered $CODE" [ "$CODE" = 200 ]
check "@2x is not 512 x 512: $(png_size plan2.png)" [ "$(png_size plan2.png)" = "512 512" ]
tile "/tiles/heatmap/17/$TX/$TY.png?from=2025-03-01&to=2025-04-01&tz=Asia/Shanghai" march.png
check "a month's heatmap answered $CODE" [ "$CODE" = 200 ]
check "a month's heatmap is the whole data's" differ march.png heatmap.png

wg_case "vector tiles: the cells and the incidents, as GDAL reads them"
tile "/tiles/cells/17/$TX/$TY.mvt" cells.mvt
check "cells.mvt answered $CODE" [ "$CODE" = 200 ]
check "cells.mvt came as '$TYPE'" [ "$TYPE" = application/vnd.mapbox-vector-tile ]
ogr2ogr -f GPKG cells.gpkg -oo CLIP=NO -oo X="$TX" -oo Y="$TY" -oo Z=17 cells.mvt cells -t_srs EPSG:4549 -nln cells 2>mvt.err
check "GDAL cannot read the cells' vector tile: $(show mvt.err)" [ -s cells.gpkg ]
ncells=$(sqlite3 cells.gpkg "SELECT count(*) FROM cells" 2>/dev/null)
check "the vector tile holds no cell" [ "${ncells:-0}" -gt 0 ]
# each cell as stored (whole: the tile does not clip, GDAL is told not to): its households, and
# its area within 1 % (Web Mercator to the tile's 4096 units and back)
bad=0
while IFS='|' read -r code hh area; do
    want=$(sql "$WS" "SELECT households || '|' || ST_Area(geom) FROM cells WHERE plan = 1 AND code = '$code'")
    awk -v hh="$hh" -v a="$area" -v w="$want" 'BEGIN { split(w, f, "|"); exit !(hh == f[1] && a > 0.99 * f[2] && a < 1.01 * f[2]) }' || bad=$((bad + 1))
done < <(sqlite3 -batch -cmd ".load mod_spatialite" cells.gpkg "SELECT code, households, ST_Area(GeomFromGPB(geom)) FROM cells")
check "$bad of $ncells cells in the vector tile differ from the stored ones in households or area" [ "$bad" = 0 ]
tile "/tiles/incidents/17/$TX/$TY.mvt" inc.mvt
check "incidents.mvt answered $CODE" [ "$CODE" = 200 ]
nmvt=$(ogrinfo -ro -so -oo X="$TX" -oo Y="$TY" -oo Z=17 inc.mvt incidents 2>/dev/null | sed -n 's/^Feature Count: //p')
# the incidents inside the tile (Web Mercator bounds), and inside it grown by the buffer
read -r n_in n_grown < <(sql "$WS" "SELECT X(geom), Y(geom) FROM incidents WHERE geom IS NOT NULL" | tr '|' ' ' |
    gdaltransform -s_srs EPSG:4549 -t_srs EPSG:3857 -output_xy |
    awk -v x="$TX" -v y="$TY" 'BEGIN { h = 20037508.342789244; s = 2 * h / 2 ^ 17; x0 = -h + x * s; y1 = h - y * s; g = s * 64 / 4096 }
        { if ($1 >= x0 && $1 <= x0 + s && $2 <= y1 && $2 >= y1 - s) n++
          if ($1 >= x0 - g && $1 <= x0 + s + g && $2 <= y1 + g && $2 >= y1 - s - g) m++ }
        END { print n + 0, m + 0 }')
check "the incidents' vector tile holds $nmvt, the tile $n_in (with its buffer $n_grown)" \
    [ "${nmvt:-0}" -ge "$n_in" ] && [ "${nmvt:-0}" -le "$n_grown" ] && [ "$n_in" -gt 0 ]
tile "/tiles/plan/17/$TX/$TY@2x.mvt" bad.json
check "a vector tile @2x answered $CODE, expected 404" [ "$CODE" = 404 ]
tile "/tiles/heatmap/17/$TX/$TY.mvt" bad.json
check "a heatmap vector tile answered $CODE, expected 404" [ "$CODE" = 404 ]

wg_case "asked again: 304 while the same"
tile "/tiles/plan/17/$TX/$TY.png" again.png
e1=$ETAG
check "the plan tile came back other bytes" cmp -s again.png plan.png
c304=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $e1" "$URL/tiles/plan/17/$TX/$TY.png")
check "If-None-Match with its ETag answered $c304, expected 304" [ "$c304" = 304 ]
cc=$(curl -s -D - -o /dev/null "$URL/tiles/plan/17/$TX/$TY.png" | tr -d '\r' | sed -n 's/^[Cc]ache-[Cc]ontrol: //p')
check "Cache-Control is '$cc', expected no-cache (revalidated each time)" [ "$cc" = no-cache ]

wg_case "bad tiles"
for p in /tiles/nosuchmap/17/1/1.png /tiles/diff/17/1/1.png /tiles/plan/23/1/1.png \
    /tiles/plan/3/8/1.png /tiles/plan/3/1/1.jpg /tiles/plan/3/1/1@5x.png \
    /tiles/../api/health/1/1.png /tiles/plan/-1/0/0.png; do
    tile "$p" bad.json
    check "$p answered $CODE, expected 404" [ "$CODE" = 404 ]
done
tile "/tiles/plan/17/$TX/$TY.png?from=someday" bad.json
check "a bad from answered $CODE, expected 400" [ "$CODE" = 400 ]
check "the refusal does not name from: $(show bad.json)" grep -q '"message":"from: ' bad.json
c=$(curl -s -o bad.json -w '%{http_code}' -X POST --data x "$URL/tiles/plan/17/$TX/$TY.png")
check "POST to a tile answered $c, expected 405" [ "$c" = 405 ]

wg_case "a posted case redraws its tile, not one away from it"
tile "/tiles/incidents/17/$TX/$TY.png" near1.png
near1=$ETAG
tile "/tiles/incidents/17/$FX/$TY.png" far1.png
far1=$ETAG
counts
d0=$drawn r0=$revalidated
# of the most frequent category, so the categories keep their colours
cat=$(sql "$WS" "SELECT category FROM incidents GROUP BY category ORDER BY count(*) DESC, category LIMIT 1")
printf 'id,x,y,category,reported\nTILE1,%s,%s,%s,2025-03-15T10:00:00\n' \
    "$(awk -v v="$x0" 'BEGIN { print v + 12 }')" "$(awk -v v="$y0" 'BEGIN { print v + 9 }')" "$cat" >one.csv
c=$(curl -s -o p.json -w '%{http_code}' --max-time 60 -X POST -H 'Content-Type: text/csv' \
    -H "Authorization: Bearer $TOKEN" --data-binary @one.csv "$URL/api/incidents?src_crs=EPSG:4549")
check "the post answered $c: $(show p.json)" [ "$c" = 200 ]
tile "/tiles/incidents/17/$TX/$TY.png" near2.png
check "the tile with the new case kept its ETag $near1" [ "$ETAG" != "$near1" ]
check "the tile with the new case is the same bytes" differ near1.png near2.png
tile "/tiles/incidents/17/$FX/$TY.png" far2.png
check "the tile three away changed its ETag: $far1 -> $ETAG" [ "$ETAG" = "$far1" ]
counts
check "drawn $d0 -> $drawn: expected exactly the one tile with the case" [ "$drawn" = $((d0 + 1)) ]
check "revalidated $r0 -> $revalidated: the far tile was not kept" [ "$revalidated" -gt "$r0" ]
# the heatmap follows too (its classes may move with the new case, so only the near tile is
# certain to change)
tile "/tiles/heatmap/17/$TX/$TY.png" heat2.png
check "the heatmap tile with the new case is the same bytes" differ heatmap.png heat2.png

wg_case "a planner's move redraws the cells it touched"
read -r unit to < <(sql "$WS" "SELECT cu.unit, c2.code FROM cell_units cu JOIN cells c1 ON c1.code = cu.cell AND c1.plan = cu.plan JOIN cells c2 ON c2.plan = cu.plan AND c2.community = c1.community AND c2.code <> c1.code AND ST_Touches(c1.geom, c2.geom) WHERE cu.plan = 1 ORDER BY cu.unit LIMIT 1" | tr '|' ' ')
read -r ux uy < <(sql "$WS" "SELECT X(ST_Centroid(geom)), Y(ST_Centroid(geom)) FROM units WHERE id = '$unit'" | tr '|' ' ')
read -r ulon ulat < <(lonlat "$ux" "$uy")
read -r UX UY < <(tile_at "$ulon" "$ulat" 17)
# a tile well away from both cells: near the corner of the cells' extent farthest from the unit
read -r fx fy < <(sql "$WS" "SELECT CASE WHEN $ux > (min(MbrMinX(geom)) + max(MbrMaxX(geom))) / 2 THEN min(MbrMinX(geom)) + 50 ELSE max(MbrMaxX(geom)) - 50 END, CASE WHEN $uy > (min(MbrMinY(geom)) + max(MbrMaxY(geom))) / 2 THEN min(MbrMinY(geom)) + 50 ELSE max(MbrMaxY(geom)) - 50 END FROM cells WHERE plan = 1" | tr '|' ' ')
read -r flon flat < <(lonlat "$fx" "$fy")
read -r PX PY < <(tile_at "$flon" "$flat" 17)
tile "/tiles/plan/17/$UX/$UY.png" unit1.png
u1=$ETAG
tile "/tiles/plan/17/$PX/$PY.png" pfar1.png
p1=$ETAG
counts
d0=$drawn
c=$(curl -s -o m.json -w '%{http_code}' --max-time 60 -X POST -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" --data-binary "{\"units\": [\"$unit\"], \"to\": \"$to\"}" "$URL/api/plans/p1/moves")
check "the move answered $c: $(show m.json)" [ "$c" = 200 ]
tile "/tiles/plan/17/$UX/$UY.png" unit2.png
check "the moved unit's plan tile kept its ETag" [ "$ETAG" != "$u1" ]
tile "/tiles/plan/17/$PX/$PY.png" pfar2.png
check "a plan tile far from the move ($PX/$PY, the unit's $UX/$UY) changed" [ "$ETAG" = "$p1" ]
counts
check "drawn $d0 -> $drawn after the move: expected the moved unit's tile alone" [ "$drawn" = $((d0 + 1)) ]

wg_case "the CLI writes meanwhile: the tiles follow"
tile "/tiles/incidents/17/$FX/$TY.png" far3.png
f3=$ETAG
# the centre of that tile in the workspace's CRS
read -r mx my < <(awk -v x="$FX" -v y="$TY" 'BEGIN { h = 20037508.342789244; s = 2 * h / 2 ^ 17
    printf "%.3f %.3f\n", -h + (x + 0.5) * s, h - (y + 0.5) * s }')
read -r fx fy < <(echo "$mx $my" | gdaltransform -s_srs EPSG:3857 -t_srs EPSG:4549 -output_xy)
printf 'id,x,y,category,reported\nTILE2,%s,%s,%s,2025-03-16T10:00:00\n' "$fx" "$fy" "$cat" >two.csv
wg_ok --quiet import -w "$WS" incidents two.csv --src-crs EPSG:4549
sleep 0.2 # another process's writes are seen at the counter's next read, at most 0.1 s on
tile "/tiles/incidents/17/$FX/$TY.png" far4.png
check "the far tile did not change after the CLI imported a case into it" [ "$ETAG" != "$f3" ]

kill -TERM "$PID"
wait "$PID"
RCS=$?
check "the server exited $RCS after SIGTERM, expected 0" [ "$RCS" = 0 ]
wg_end
