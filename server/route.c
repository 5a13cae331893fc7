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

/* A whole number of at most 9 digits from *p, which moves past it; false when none. */
static bool whole(const char **p, long *v)
{
    const char *s = *p;
    long n = 0;
    int d = 0;
    while (*s >= '0' && *s <= '9' && d < 9)
        n = n * 10 + (*s++ - '0'), d++;
    if (d == 0 || (*s >= '0' && *s <= '9'))
        return false;
    *p = s, *v = n;
    return true;
}

/* "/tiles/{map}/{z}/{x}/{y}.png", "...{y}@Nx.png" (N 1 to 4) or "...{y}.mvt" into r; false
 * otherwise. */
static bool tile_path(const char *url, route *r)
{
    const char *p = "/tiles/";
    if (strncmp(url, p, strlen(p)) != 0)
        return false;
    const char *s = url + strlen(p), *slash = strchr(s, '/');
    if (!slash || slash == s || (size_t)(slash - s) >= sizeof r->map)
        return false;
    for (const char *c = s; c < slash; c++)
        if (*c < 'a' || *c > 'z')
            return false;
    memcpy(r->map, s, (size_t)(slash - s));
    r->map[slash - s] = '\0';
    s = slash + 1;
    long z;
    if (!whole(&s, &z) || *s++ != '/' || !whole(&s, &r->x) || *s++ != '/' || !whole(&s, &r->y))
        return false;
    r->scale = 1;
    if (s[0] == '@' && s[1] >= '1' && s[1] <= '4' && s[2] == 'x')
        r->scale = s[1] - '0', s += 3;
    r->mvt = is(s, ".mvt") && r->scale == 1 && s[-1] != 'x';
    if ((!is(s, ".png") && !r->mvt) || z > 30)
        return false;
    r->z = (int)z;
    return true;
}

/* A GET route: r gets id, or 405 with `why` for another method. */
static void get_only(route *r, bool get, route_id id, const char *why)
{
    if (get)
        r->id = id;
    else
        none(r, 405, why);
}

/* A file name the page may have: [A-Za-z0-9._-], not starting with '.', so never "..". */
static bool file_name(const char *s)
{
    if (!*s || *s == '.')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '-' || *s == '_'))
            return false;
    return true;
}

void route_match(const char *method, const char *url, route *r)
{
    memset(r, 0, sizeof *r);
    bool get = is(method, "GET") || is(method, "HEAD"), post = is(method, "POST");
    if (is(url, "/api/events")) {
        if (is(method, "GET"))
            r->id = R_EVENTS;
        else
            none(r, 405, "this path answers GET only (a stream of server-sent events)");
        return;
    }
    route_id read = is(url, "/api/health")    ? R_HEALTH
                    : is(url, "/api/summary") ? R_SUMMARY
                    : is(url, "/api/cells")   ? R_CELLS
                    : is(url, "/api/tiles")   ? R_TILES
                    : is(url, "/api/plans")   ? R_PLANS
                                              : R_NONE;
    if (read != R_NONE) {
        get_only(r, get, read, "this path answers GET and HEAD only");
        return;
    }
    if (strncmp(url, "/api/legend/", 12) == 0) {
        const char *m = url + 12;
        size_t n = strlen(m);
        bool ok = n > 0 && n < sizeof r->map;
        for (size_t i = 0; ok && i < n; i++)
            ok = m[i] >= 'a' && m[i] <= 'z';
        if (!ok) {
            none(r, 404, "no such map's legend (see GET /api/tiles)");
            return;
        }
        memcpy(r->map, m, n + 1);
        get_only(r, get, R_LEGEND, "a legend answers GET and HEAD only");
        return;
    }
    if (is(url, "/api/incidents")) {
        if (post)
            r->id = R_INGEST, r->write = true;
        else if (get)
            r->id = R_INCIDENTS;
        else
            none(r, 405, "GET cases from /api/incidents, or POST them to it");
        return;
    }
    if (segment(url, "/api/cells/", "", r->cell, sizeof r->cell)) {
        get_only(r, get, R_CELL, "GET a cell from /api/cells/{code}");
        return;
    }
    if (segment(url, "/api/incidents/", "", r->case_id, sizeof r->case_id)) {
        if (is(method, "PATCH"))
            r->id = R_PATCH, r->write = true;
        else
            none(r, 405, "PATCH a case at /api/incidents/{id}");
        return;
    }
    if (segment(url, "/api/plans/", "/moves", r->plan, sizeof r->plan)) {
        if (post)
            r->id = R_MOVE, r->write = true;
        else
            none(r, 405, "POST a move to /api/plans/{plan}/moves");
        return;
    }
    if (segment(url, "/api/plans/", "/copy", r->plan, sizeof r->plan)) {
        if (post)
            r->id = R_PLAN_COPY, r->write = true;
        else
            none(r, 405, "POST {\"name\": ...} to /api/plans/{plan}/copy");
        return;
    }
    static const struct {
        const char *suffix;
        route_id id;
    } plan_reads[] = {
        {"/cells.geojson", R_PLAN_CELLS}, {"/units.geojson", R_PLAN_UNITS}, {"/diff", R_PLAN_DIFF}};
    for (size_t k = 0; k < sizeof plan_reads / sizeof *plan_reads; k++)
        if (segment(url, "/api/plans/", plan_reads[k].suffix, r->plan, sizeof r->plan)) {
            get_only(r, get, plan_reads[k].id, "this path answers GET and HEAD only");
            return;
        }
    if (tile_path(url, r)) {
        get_only(r, get, R_TILE, "tiles answer GET and HEAD only");
        return;
    }
    bool page = is(url, "/") || is(url, "/index.html");
    if (page || strncmp(url, "/assets/", 8) == 0) {
        if (!page &&
            (!segment(url, "/assets/", "", r->asset, sizeof r->asset) || !file_name(r->asset))) {
            none(r, 404, "no such file of the page");
            return;
        }
        if (!get) {
            none(r, 405, "the page answers GET and HEAD only");
            return;
        }
        r->id = page ? R_PAGE : R_ASSET;
        if (page)
            snprintf(r->asset, sizeof r->asset, "index.html");
        return;
    }
    none(r, 404, "no such path (see GET /api/health)");
}
