/* web/web_assets.h: the page's files, embedded in the binary at build time (web/build.mjs writes
 * the table; web/CMakeLists.txt builds it). Served by server/static.c. */
#ifndef WG_WEB_ASSETS_H
#define WG_WEB_ASSETS_H

#include <stddef.h>

typedef struct web_asset {
    const char *name; /* "index.html", "app.js", ... */
    const char *type; /* its Content-Type */
    const char *etag; /* hex digest of data (without quotes) */
    const unsigned char *data;
    size_t size;
    const unsigned char *gz; /* the gzip form, or NULL when it saves little */
    size_t gz_size;
} web_asset;

/* Sorted by name; web_nassets is 0 when the page was not built (WG_WEB=OFF). */
extern const web_asset web_assets[];
extern const size_t web_nassets;

#endif
