/* server/route.c: which endpoint a method and path name (see serve_int.h). */
#include "serve_int.h"

#include <stdio.h>
#include <string.h>

static bool is(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

/* The segment of url after prefix and before suffix into out[n] (one path segment: no '/',
 * not empty, shorter than n); false when url is not prefix SEGMENT suffix. */
static bool segment(const char *url, const char *prefix, const char *suffix, char *out, size_t n)
{
    size_t lp = strlen(prefix), ls = strlen(suffix), lu = strlen(url);
    if (lu < lp + ls + 1 || strncmp(url, prefix, lp) != 0 || !is(url + lu - ls, suffix))
        return false;
    size_t len = lu - lp - ls;
    if (len >= n || memchr(url + lp, '/', len))
        return false;
    memcpy(out, url + lp, len);
    out[len] = '\0';
    return true;
}

static void none(route *r, unsigned status, const char *why)
{
    r->id = R_NONE, r->status = status, r->why = why;
}

void route_match(const char *method, const char *url, route *r)
{
    memset(r, 0, sizeof *r);
    bool get = is(method, "GET") || is(method, "HEAD"), post = is(method, "POST");
    route_id read = is(url, "/api/health")    ? R_HEALTH
                    : is(url, "/api/summary") ? R_SUMMARY
                    : is(url, "/api/cells")   ? R_CELLS
                                              : R_NONE;
    if (read != R_NONE) {
        if (get)
            r->id = read;
        else
            none(r, 405, "this path answers GET and HEAD only");
        return;
    }
    if (is(url, "/api/incidents")) {
        if (post)
            r->id = R_INGEST, r->write = true;
        else
            none(r, 405, "POST cases to /api/incidents");
        return;
    }
    if (segment(url, "/api/plans/", "/moves", r->plan, sizeof r->plan)) {
        if (post)
            r->id = R_MOVE, r->write = true;
        else
            none(r, 405, "POST a move to /api/plans/{plan}/moves");
        return;
    }
    none(r, 404, "no such path (see GET /api/health)");
}
