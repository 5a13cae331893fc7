#!/usr/bin/env bash
# Checks DESIGN.md's dependency direction by the includes each module may use:
# geo: no SQLite, no cairo, nothing of engine/render/cli; engine: no GDAL, no cairo, nothing of
# render/cli; nothing includes cli/ or server/ files.
set -u
root=$1
bad=0
check() { # dir pattern why
    local hits
    hits=$(grep -rnE "$2" "$root/$1" --include='*.[ch]' 2>/dev/null)
    if [ -n "$hits" ]; then
        echo "include rule broken in $1/ ($3):"
        echo "$hits"
        bad=1
    fi
}
check geo '#include [<"](sqlite3|spatialite|cairo|pango)' "geo has no SQLite and no cairo"
check geo '#include "wg/(ws|import|layers|democity)\.h"' "geo uses no other module"
check engine '#include [<"](gdal|ogr_|cpl_|cairo|pango)' "engine reaches GDAL only through geo"
check engine '#include "(cli|server)' "nothing includes the applications"
check engine '#include "wg/(render|ramp)\.h"' "engine knows nothing of how it is shown"
check render '#include "(cli|server)' "nothing includes the applications"
check render '#include [<"](sqlite3|spatialite|gdal|ogr_|cpl_)' "render reads the workspace through engine"
exit $bad
