/* wg/strmap.h: text to integer, in a hash table (open addressing, FNV-1a). Keeps copies of the
 * keys. For the codes and ids the engine meets by the million and looks up by name. */
#ifndef WG_STRMAP_H
#define WG_STRMAP_H

#include "wg/core.h"

#include <stddef.h>
#include <stdint.h>

typedef struct wg_strmap {
    char **key; /* cap slots, NULL when empty */
    int32_t *val;
    size_t n, cap; /* cap: 0 or a power of two above twice n */
} wg_strmap;

/* The value of s, or -1 when s is not in m (an empty, zeroed map holds nothing). */
int32_t wg_strmap_get(const wg_strmap *m, const char *s);
/* Sets the value of s (added when new). Errors: WG_ENOMEM (m unchanged). */
wg_status wg_strmap_set(wg_ctx *ctx, wg_strmap *m, const char *s, int32_t v);
/* Frees the keys and the table; m is empty again. */
void wg_strmap_free(wg_strmap *m);

#endif
