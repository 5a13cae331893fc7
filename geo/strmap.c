/* geo/strmap.c: text to integer (wg/strmap.h). */
#include "wg/strmap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The slot of s: holding s, or empty. */
static size_t slot(const wg_strmap *m, const char *s)
{
    size_t i = (size_t)fnv(s) & (m->cap - 1);
    while (m->key[i] && strcmp(m->key[i], s) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

int32_t wg_strmap_get(const wg_strmap *m, const char *s)
{
    if (!m->cap)
        return -1;
    size_t i = slot(m, s);
    return m->key[i] ? m->val[i] : -1;
}

wg_status wg_strmap_set(wg_ctx *ctx, wg_strmap *m, const char *s, int32_t v)
{
    if (2 * (m->n + 1) > m->cap) {
        wg_strmap bigger = {.cap = m->cap ? 2 * m->cap : 64, .n = m->n};
        bigger.key = calloc(bigger.cap, sizeof *bigger.key);
        bigger.val = malloc(bigger.cap * sizeof *bigger.val);
        if (!bigger.key || !bigger.val) {
            free(bigger.key), free(bigger.val);
            return wg_fail(ctx, WG_ENOMEM, "out of memory for a table of %zu names", m->n + 1);
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->key[i]) {
                size_t j = slot(&bigger, m->key[i]);
                bigger.key[j] = m->key[i];
                bigger.val[j] = m->val[i];
            }
        free(m->key), free(m->val);
        *m = bigger;
    }
    size_t i = slot(m, s);
    if (!m->key[i]) {
        if (!(m->key[i] = strdup(s)))
            return wg_fail(ctx, WG_ENOMEM, "out of memory for a table of %zu names", m->n + 1);
        m->n++;
    }
    m->val[i] = v;
    return WG_OK;
}

void wg_strmap_free(wg_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->key[i]);
    free(m->key), free(m->val);
    memset(m, 0, sizeof *m);
}
