/* tests/fuzz/fuzz_route.c: the service's routing, route_match(). The input's first line is the
 * method, the rest the path. Whatever comes in, the route is one the dispatcher knows, an
 * error is 404 or 405 with a message, and a route's parameters are what its path allows: a
 * plan, a cell or a case named by one path segment, a tile's map in lower-case letters, its
 * zoom 0 to 30, x and y below 10^9, its scale 1 to 4, a page's file one segment of
 * [A-Za-z0-9._-] that does not start with a dot; the event stream is GET only. */
#include "fuzz.h"
#include "serve_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    char *nl = strchr(text, '\n');
    const char *method = text, *url = nl ? nl + 1 : "";
    if (nl)
        *nl = '\0';
    route r;
    route_match(method, url, &r);
    bool ok = r.id >= R_NONE && r.id <= R_LEGEND; /* R_LEGEND: the last of route_id */
    if (r.id == R_NONE)
        ok = ok && (r.status == 404 || r.status == 405) && r.why && *r.why;
    if (r.id == R_MOVE || r.id == R_PLAN_COPY)
        ok = ok && r.plan[0] && !strchr(r.plan, '/') && strlen(r.plan) < sizeof r.plan && r.write;
    if (r.id == R_PLAN_CELLS || r.id == R_PLAN_UNITS || r.id == R_PLAN_DIFF)
        ok = ok && r.plan[0] && !strchr(r.plan, '/') && strlen(r.plan) < sizeof r.plan;
    if (r.id == R_CELL)
        ok = ok && r.cell[0] && !strchr(r.cell, '/') && strlen(r.cell) < sizeof r.cell;
    if (r.id == R_PATCH)
        ok = ok && r.case_id[0] && !strchr(r.case_id, '/') &&
             strlen(r.case_id) < sizeof r.case_id && r.write && strcmp(method, "PATCH") == 0;
    if (r.id == R_EVENTS)
        ok = ok && !r.write && strcmp(method, "GET") == 0;
    if (r.id == R_LEGEND)
        for (const char *c = r.map; ok && *c; c++)
            ok = *c >= 'a' && *c <= 'z';
    if (r.id == R_TILE) {
        ok = ok && r.z >= 0 && r.z <= 30 && r.x >= 0 && r.x < 1000000000 && r.y >= 0 &&
             r.y < 1000000000 && r.scale >= 1 && r.scale <= 4 && r.map[0] && !r.write;
        for (const char *c = r.map; ok && *c; c++)
            ok = *c >= 'a' && *c <= 'z';
    }
    if (r.id == R_PAGE || r.id == R_ASSET) {
        ok = ok && r.asset[0] && r.asset[0] != '.' && !r.write;
        for (const char *c = r.asset; ok && *c; c++)
            ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                 *c == '.' || *c == '-' || *c == '_';
    }
    /* only POST and PATCH write, and reads are GET or HEAD */
    if (r.id != R_NONE)
        ok = ok && (r.write ? strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0
                            : strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
    if (!ok) {
        fprintf(stderr, "fuzz_route: '%s' '%s' gave route %d (status %u)\n", method, url, r.id,
                r.status);
        abort();
    }
    free(text);
    return 0;
}
