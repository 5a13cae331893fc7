#!/usr/bin/env bash
# tests/cli/render.sh: `wangge render` and `wangge atlas` as batch jobs run them on the small
# sample city: every map kind in every format, files that are what their names say, usage
# errors that name the option, a failed render that leaves the old map alone, a killed render
# that leaves no file, and `wangge demo`'s maps.
#   usage: bash tests/cli/render.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"

wg_case "demo"
wg_ok --quiet demo -o city || wg_end
WS=city/city.wangge
for f in heatmap.png plan.pdf atlas.pdf; do
    check "demo wrote $f" test -s "city/$f"
done
check "the demo's heatmap is a PNG" sh -c "head -c 8 city/heatmap.png | od -c | grep -q 'P   N   G'"
check "the demo's plan is a one-page PDF" sh -c "pdfinfo city/plan.pdf | grep -q '^Pages: *1$'"
n=$(sql "$WS" "SELECT count(DISTINCT community) FROM cells c JOIN plans p ON p.id = c.plan AND p.active")
check "the atlas has an overview and a page per community ($n)" \
    sh -c "test \$(pdfinfo city/atlas.pdf | awk '/^Pages:/ {print \$2}') -ge $((n + 1))"

wg_case "every kind, every format"
for m in heatmap incidents plan workload rate coverage cameras; do
    for ext in png pdf svg; do
        wg_ok --quiet render -w "$WS" "$m" -o "m-$m.$ext" --size 640x480
        check "$m.$ext written" test -s "m-$m.$ext"
    done
    check "$m.svg is SVG" grep -q "<svg" "m-$m.svg"
done
wg_ok --quiet partition -w "$WS" --name wider --target 300 --min 240 --max 360
wg_ok --quiet render -w "$WS" diff --plan wider -o diff.png
check "diff map written" test -s diff.png
wg_ok render -w "$WS" audit -o audit.pdf
check "render says where the audit went" grep -q "audit written to audit.pdf" err
wg_ok --quiet render -w "$WS" plan -o a3.pdf --paper A3-portrait --title "测试 Test plan"
check "A3 portrait is 842 x 1191 pt" sh -c "pdfinfo a3.pdf | grep -q 'Page size: *841.89 x 1190.55'"
check "the title is text in the PDF" sh -c "pdftotext a3.pdf - | grep -q '测试 Test plan'"
wg_ok --quiet render -w "$WS" heatmap -o k.png --kernel gaussian --radius 300 --classify jenks --classes 7 --ramp viridis --weight hours --from 2025-03-01 --to 2025-04-01 --tz Asia/Shanghai --category sanitation
check "heatmap with every option" test -s k.png

wg_case "heatmap as a GeoTIFF"
wg_ok render -w "$WS" heatmap -o d.tif --pixel 5 --radius 150 --from 2025-03-01 --to 2025-04-01 \
    --category sanitation --classify jenks --classes 5
check "render says where the raster went: $(show err)" grep -q "heatmap raster written to d.tif: .* pixels of 5.00 m" err
check "one file, no temporary or side file" test "$(ls -A | grep -c 'd[.]tif')" -eq 1
# gdal-bin is a dependency (scripts/install-deps.sh): GDAL's own tool reads what we wrote
gdalinfo -stats d.tif >info.txt 2>info.err
check "gdalinfo -stats reads it: $(show info.err)" test -s info.txt
rm -f d.tif.aux.xml # the statistics gdalinfo keeps beside it
for want in "Type=Float64" "Block=256x256" "COMPRESSION=DEFLATE" "PREDICTOR=3" "NoData Value=0" \
    "Unit Type: incidents per km²" "Pixel Size = (5.000000000000000,-5.000000000000000)" \
    "kernel=quartic" "radius_m=150" "pixel_m=5" "period_from=2025-03-01T00:00:00Z" \
    "period_to=2025-04-01T00:00:00Z" "categories=sanitation" "class_method=jenks" "nodata=0"; do
    check "gdalinfo shows $want" grep -qF "$want" info.txt
done
crs=$(sed -n 's/^  crs=EPSG://p' info.txt)
check "the SRS is the workspace's EPSG:$crs" sh -c "gdalinfo -json d.tif | grep -q '\"proj:epsg\":$crs'"
# the class breaks end at the raster's maximum, as the legend does; five classes, six bounds
top=$(sed -n 's/^  class_breaks=.*,//p' info.txt)
max=$(sed -n 's/^ *STATISTICS_MAXIMUM=//p' info.txt)
check "the last class break ($top) is the maximum gdalinfo finds ($max)" \
    awk -v a="$top" -v b="$max" 'BEGIN { d = a - b; exit !(d < 1e-9 * a && -d < 1e-9 * a) }'
check "six class bounds" test "$(sed -n 's/^  class_breaks=//p' info.txt | tr , '\n' | wc -l)" -eq 6
echo "an older raster" >old.tif
wg render -w "$WS" heatmap -o old.tif --ramp viridis
check "a refused raster leaves the old file" grep -q "an older raster" old.tif

wg_case "bad input"
for args in "nosuch -o x.png" "plan -o x.jpg" "plan -o x.png --size 10x10" "heatmap -o x.png --kernel box" \
    "plan -o x.png --classes 12" "plan -o x.png --ramp rainbow" "plan -o x.pdf --paper B9" \
    "plan -o x.png --bbox 1,2,3" "plan -o x.png --community NOPE" "heatmap -o x.png --from 2025-13-01" \
    "diff -o x.png" "plan -o x.tif" "heatmap -o x.tif --ramp viridis" "heatmap -o x.tif --paper A4" \
    "heatmap -o x.tif --size 800x600 --pixel 5"; do
    # shellcheck disable=SC2086
    wg render -w "$WS" $args
    check "'render $args' is refused with status 1" test "$RC" -eq 1
    check "'render $args' says what is wrong" test -s err
done
check "no file was left by the refused renders" sh -c "! ls x.* 2>/dev/null | grep -q ."
echo "an older map" >old.png
wg render -w "$WS" plan --plan nonesuch -o old.png
check "an unknown plan is named" grep -q nonesuch err
check "the old map is untouched" grep -q "an older map" old.png
wg atlas -w "$WS" -o atlas.png
check "the atlas must be a PDF" grep -q "must end in .pdf" err

wg_case "killed render"
"$WG" --quiet render -w "$WS" heatmap --size 6000x6000 -o killed.png >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
check "a killed render leaves no map" test ! -e killed.png
rm -f .killed.png.??????

# Runs `wangge render` of a big map in the background and sends it SIGINT (N times, 0.2 s
# apart) after DELAY seconds; sets RC to its exit status (waiting at most 120 s).
interrupt_render()
{
    local out=$1 delay=$2 n=$3 k t
    "$WG" --quiet render -w "$WS" plan --size 10000x10000 -o "$out" >int.out 2>int.err &
    local pid=$!
    sleep "$delay"
    for ((k = 0; k < n; k++)); do
        kill -INT "$pid" 2>/dev/null
        sleep 0.2
    done
    for ((t = 0; t < 1200; t++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        fail "the interrupted render still runs after 120 s"
        kill -KILL "$pid"
    fi
    wait "$pid"
    RC=$?
}

wg_case "interrupted render (SIGINT)"
SHA_WS=$(sha "$WS")
echo "an older map" >int.png
interrupt_render int.png 1 1
check "exit status 130 after SIGINT (got $RC)" test "$RC" -eq 130
check "it says it was interrupted: $(show int.err)" grep -q "interrupted" int.err
check "the old map is untouched" grep -q "an older map" int.png
check "no temporary is left beside it" sh -c "! ls -A | grep -q '^[.]int[.]png[.]'"
check "the workspace is unchanged" test "$(sha "$WS")" = "$SHA_WS"

wg_case "interrupted twice (SIGINT, SIGINT)"
interrupt_render int2.png 1 2
check "exit status 130 after two SIGINTs (got $RC)" test "$RC" -eq 130
check "no map is written" test ! -e int2.png
check "the workspace is unchanged" test "$(sha "$WS")" = "$SHA_WS"
rm -f .int2.png.??????

wg_end
