/* server/static.c: the command-center page, served from the bytes web/build.mjs embedded at
 * build time (see serve_int.h). No file system is read, so no path can lead outside it. */
#include "serve_int.h"
#include "web_assets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Only the page's own origin: scripts, styles and data come from this server; OpenLayers draws
 * tiles through blob: and data: images. No inline script, no frames, no plugins. */
#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "        \
    "connect-src 'self'; worker-src 'self' blob:; font-src 'self'; object-src 'none'; "            \
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

static const web_asset *find(const char *name)
{
    size_t lo = 0, hi = web_nassets; /* sorted by name */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(web_assets[mid].name, name);
        if (d == 0)
            return &web_assets[mid];
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Whether the client takes gzip: a coding "gzip" (or "x-gzip") in Accept-Encoding whose q is
 * not zero. */
static bool takes_gzip(struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    while (h && *h) {
        size_t len = strcspn(h, ","), name = strcspn(h, ";,");
        while (*h == ' ' && name)
            h++, len--, name--;
        while (name && h[name - 1] == ' ')
            name--;
        if ((name == 4 && strncmp(h, "gzip", 4) == 0) ||
            (name == 6 && strncmp(h, "x-gzip", 6) == 0)) {
            const char *q = h + name;
            while (q < h + len && (*q == ' ' || *q == ';'))
                q++;
            if (q + 2 > h + len || strncmp(q, "q=", 2) != 0)
                return true;
            char qv[16];
            snprintf(qv, sizeof qv, "%.*s", (int)(h + len - q - 2), q + 2);
            char *end;
            double v = strtod(qv, &end);
            return end != qv && v > 0;
        }
        h += len;
        if (*h == ',')
            h++;
    }
    return false;
}

static void common_headers(struct MHD_Response *r, const char *etag)
{
    answer_headers(r, NULL); /* no-cache: revalidated, 304 when unchanged */
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Vary", "Accept-Encoding");
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

enum MHD_Result static_file(struct MHD_Connection *c, const char *name)
{
    const web_asset *a = find(name);
    if (!a)
        return send_error(c, MHD_HTTP_NOT_FOUND,
                          web_nassets ? "no such file of the page"
                                      : "the page was not built into this server (WG_WEB=OFF)");
    bool gz = a->gz && takes_gzip(c);
    char etag[64];
    snprintf(etag, sizeof etag, "\"%s%s\"", a->etag, gz ? "-gz" : "");
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
    } else {
        r = MHD_create_response_from_buffer(gz ? a->gz_size : a->size,
                                            (void *)(gz ? a->gz : a->data), MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    common_headers(r, etag);
    if (status == MHD_HTTP_OK) {
        MHD_add_response_header(r, "Content-Type", a->type);
        if (gz)
            MHD_add_response_header(r, "Content-Encoding", "gzip");
    }
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}
