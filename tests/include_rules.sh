#!/usr/bin/env bash
# Checks DESIGN.md's dependency direction by the includes each part may use, over every tracked
# C file (sources, tests and benchmarks alike):
#   - only engine/store/ talks to the database: nothing else includes SQLite or SpatiaLite;
#   - geo has no cairo and uses no other module;
#   - only geo talks to GEOS: nothing else includes geos_c.h (or geo's private header, which
#     does); engine and the rest call named geo functions on wg_geom values instead;
#   - engine reaches GDAL only through geo, knows nothing of how it is shown, and its folders
#     use each other's public headers only (no "../" includes of private ones);
#   - nothing includes the applications (cli/, server/).
# The build runs it (a broken rule fails the build), and so does ctest.
#   usage: include_rules.sh SOURCE_ROOT
set -u
root=$1
bad=0
check() { # paths(space-separated, relative to root) pattern why [exclude-dir]
    local hits
    hits=$(cd "$root" && grep -rnE "$2" $1 --include='*.[ch]' 2>/dev/null |
        { if [ -n "${4:-}" ]; then grep -v "^$4/"; else cat; fi; })
    if [ -n "$hits" ]; then
        echo "include rule broken ($3):"
        echo "$hits"
        bad=1
    fi
}
all="geo engine samples render cli tests bench"
check "$all" '#include [<"](sqlite3|spatialite|libpq-fe)' "only engine/store/ talks to the database" \
    engine/store
check geo '#include [<"](cairo|pango)' "geo has no cairo"
check geo '#include "wg/(ws|store|import|layers|plan|assign|report|mapdata|democity|render)\.h"' \
    "geo uses no other module"
check "engine samples render cli server" '#include [<"]([^>"]*/)?(geos_c|geo_int)\.h' \
    "only geo talks to GEOS"
check "engine samples" '#include [<"](gdal|ogr_|cpl_|cairo|pango)' \
    "engine reaches GDAL only through geo, and draws nothing"
check "engine samples" '#include "wg/(render|ramp)\.h"' "engine knows nothing of how it is shown"
check engine '#include "\.\./' "engine's folders use each other's public headers only"
check "geo engine samples render" '#include "(cli|server|wg/serve\.h)' \
    "nothing includes the applications"
exit $bad
