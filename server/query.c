/* server/query.c: the query parameters the endpoints share (see serve_int.h). */
#include "serve_int.h"
#include "wg/timeparse.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool query_period(wg_ctx *ctx, const char *from, const char *to, const char *zone, const char *cat,
                  period_q *q, char *why, size_t n)
{
    q->from = INT64_MIN, q->to = INT64_MAX, q->ncats = 0;
    wg_tz *tz = NULL;
    bool ok = true;
    if (zone && *zone && wg_tz_load(ctx, zone, &tz) != WG_OK) {
        snprintf(why, n, "tz: %s", wg_ctx_errmsg(ctx));
        return false;
    }
    if (from && *from && wg_time_parse(ctx, from, NULL, tz, &q->from) != WG_OK) {
        snprintf(why, n, "from: %s", wg_ctx_errmsg(ctx));
        ok = false;
    }
    if (ok && to && *to && wg_time_parse(ctx, to, NULL, tz, &q->to) != WG_OK) {
        snprintf(why, n, "to: %s", wg_ctx_errmsg(ctx));
        ok = false;
    }
    wg_tz_free(tz);
    if (ok && q->from != INT64_MIN && q->to != INT64_MAX && q->to <= q->from) {
        snprintf(why, n, "to: the period must end after it starts");
        ok = false;
    }
    if (ok && cat && *cat) {
        if (strlen(cat) >= sizeof q->catbuf) {
            snprintf(why, n, "category: the list is too long");
            return false;
        }
        snprintf(q->catbuf, sizeof q->catbuf, "%s", cat);
        char *save = NULL;
        for (char *t = strtok_r(q->catbuf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (q->ncats == MAX_CATS) {
                snprintf(why, n, "category: more than %d categories", MAX_CATS);
                return false;
            }
            q->cats[q->ncats++] = t;
        }
    }
    return ok;
}

bool query_bbox(const char *text, double box[4], char *why, size_t n)
{
    const char *p = text;
    for (int k = 0; k < 4; k++) {
        char *end = NULL;
        box[k] = strtod(p, &end);
        if (end == p || !isfinite(box[k]) || *end != (k < 3 ? ',' : '\0')) {
            snprintf(why, n,
                     "bbox: '%s' is not minlon,minlat,maxlon,maxlat (four numbers, WGS 84 "
                     "degrees)",
                     text);
            return false;
        }
        p = end + 1;
    }
    if (box[0] < -180 || box[2] > 180 || box[1] < -90 || box[3] > 90) {
        snprintf(why, n, "bbox: '%s' is out of range (lon -180..180, lat -90..90)", text);
        return false;
    }
    if (!(box[0] < box[2] && box[1] < box[3])) {
        snprintf(why, n, "bbox: '%s': min must be below max (minlon,minlat,maxlon,maxlat)", text);
        return false;
    }
    return true;
}

bool period_key(const char *what, const period_q *q, char *key, size_t n)
{
    int k = snprintf(key, n, "%s|%" PRId64 "|%" PRId64 "|", what, q->from, q->to);
    for (size_t i = 0; i < q->ncats && k > 0 && (size_t)k < n; i++)
        k += snprintf(key + k, n - (size_t)k, "%s,", q->cats[i]);
    return k > 0 && (size_t)k < n;
}
