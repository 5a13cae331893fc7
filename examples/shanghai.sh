#!/usr/bin/env bash
# examples/shanghai.sh: Shanghai's Huangpu, Xuhui and Jing'an districts as the public record
# has them: the district -> street/town -> residents' committee code tree (CSV files without a
# header row), the districts' outlines, and a point for about a third of the committees - all
# from a Chinese web map, so in GCJ-02, corrected to WGS 84 on import (--gcj02).
#
# No committee or street polygons exist publicly, so the cells here are DERIVED: each located
# committee owns the ground nearest to it inside its district, and cells group 4 to 8 committees
# (6, about a street office's sector). The maps say so in their title. The weight is the
# committees themselves (one each): there are no household counts in the data.
#   usage: examples/shanghai.sh [OUT_DIR]
. "$(dirname "$0")/lib.sh"
ex_begin shanghai "${1:-}"
districts="310101 310104 310106"
for d in $districts; do
    need "shanghai_xuhui_adcode/adcode_$d.csv" "shanghai_xuhui_adcode/fence_$d.geojson"
done
cols=code,parent,name,level,rank,adcode,post_code,area_code,ur_code,municipality,virtual,dummy
cols=$cols,longitude,latitude,center,province,city,county,town,village

# CGCS2000 / 3-degree Gauss-Kruger CM 120E, the national grid Shanghai's surveys use
wg init -w "$WS" --crs EPSG:4549
for d in $districts; do
    src=$DATA/shanghai_xuhui_adcode
    wg import -w "$WS" codes "$src/adcode_$d.csv" --columns "$cols"
    wg import -w "$WS" communities "$src/fence_$d.geojson" --gcj02 --map id=adcode \
        --set "name=$(sql "SELECT name FROM codes WHERE id = '${d}000000'")"
    # the committees (level village) with a point; the others are listed as rejects
    ogr2ogr -f CSV "$OUT/committees_$d.csv" "$src/adcode_$d.csv" -oo HEADERS=NO \
        -where "field_4 = 'village'" -sql "SELECT field_1 AS id, field_3 AS name, \
        field_6 AS community, field_13 AS lon, field_14 AS lat FROM adcode_$d" \
        -dialect sqlite -where "field_4 = 'village'" 2>/dev/null ||
        { echo "shanghai: ogr2ogr could not read adcode_$d.csv" >&2; exit 1; }
    wg import -w "$WS" units "$OUT/committees_$d.csv" --xy lon,lat --gcj02 --set households=1 \
        --set kind=address --weight-name committees --skip-invalid \
        --rejects "$OUT/committees_$d.rejects.csv"
done
wg partition -w "$WS" --name sectors --target 6 --min 4 --max 8 --division 310100
wg assign -w "$WS"
wg report -w "$WS" --by community -o "$OUT/by-district.csv"
wg render -w "$WS" plan --title "派生片区 Derived sectors: committees' nearest ground (GCJ-02 corrected)" \
    -o "$OUT/plan.png"
wg render -w "$WS" plan --community 310104 --title "徐汇区 Xuhui: derived sectors" -o "$OUT/xuhui.png"
ex_end
