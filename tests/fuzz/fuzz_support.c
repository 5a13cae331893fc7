/* tests/fuzz/fuzz_support.c: what the fuzz targets share (see fuzz.h). Everything made here
 * lives for the whole process and is freed at exit, so that a leak the sanitizer reports is
 * one of the input's. */
#include "fuzz.h"
#include "wg/geom.h"
#include "wg/import.h"
#include "wg/store.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static wg_ctx *ctx;
static char *dir;
static wg_ws *ws;

/* Workspace first (it keeps the context), then the context, then the folder. */
static void cleanup(void)
{
    wg_ws_close(ws);
    ws = NULL;
    wg_ctx_free(ctx);
    ctx = NULL;
    if (!dir)
        return;
    DIR *d = opendir(dir);
    for (const struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        remove(path);
    }
    if (d)
        closedir(d);
    remove(dir);
    free(dir);
    dir = NULL;
}

static void die(const char *what)
{
    fprintf(stderr, "fuzz: %s%s%s\n", what, ctx ? ": " : "", ctx ? wg_ctx_errmsg(ctx) : "");
    abort();
}

wg_ctx *fuzz_ctx(void)
{
    if (ctx)
        return ctx;
    ctx = wg_ctx_new();
    if (!ctx)
        die("cannot make a context");
    atexit(cleanup);
    return ctx;
}

char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        die("out of memory");
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

const char *fuzz_dir(void)
{
    if (dir)
        return dir;
    fuzz_ctx(); /* registers the cleanup that removes the folder */
    const char *tmp = getenv("TMPDIR");
    size_t n = strlen(tmp && *tmp ? tmp : "/tmp") + 32;
    dir = malloc(n);
    if (!dir)
        die("out of memory");
    snprintf(dir, n, "%s/wangge-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        free(dir);
        dir = NULL;
        die("cannot make a temporary folder");
    }
    return dir;
}

const char *fuzz_file(const char *name, const void *data, size_t size)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        die("cannot write a file in the temporary folder");
    return path;
}

void fuzz_expect(wg_status st, const char *what)
{
    if (st != WG_OK && st != WG_EINPUT) {
        fprintf(stderr, "fuzz: %s: status %d (%s), expected success or bad input\n", what, st,
                wg_status_str(st));
        die(what);
    }
    wg_ctx_clear(ctx);
}

unsigned fuzz_pick(const uint8_t *data, size_t size)
{
    unsigned h = 0;
    for (size_t i = 0; i < size; i++)
        h = h * 31 + data[i];
    return (h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24)) & 0xff;
}

/* ---- The workspace ---------------------------------------------------------------------- */

static const char units_geojson[] =
    "{\"type\": \"FeatureCollection\", \"features\": [\n"
    "{\"type\": \"Feature\", \"properties\": {\"id\": \"U1\", \"households\": 120, "
    "\"community\": \"CM1\"}, \"geometry\": {\"type\": \"Polygon\", \"coordinates\": "
    "[[[121.4, 31.2], [121.401, 31.2], [121.401, 31.201], [121.4, 31.201], [121.4, 31.2]]]}},\n"
    "{\"type\": \"Feature\", \"properties\": {\"id\": \"U2\", \"households\": 80, "
    "\"community\": \"CM1\"}, \"geometry\": {\"type\": \"Polygon\", \"coordinates\": "
    "[[[121.401, 31.2], [121.402, 31.2], [121.402, 31.201], [121.401, 31.201], [121.401, "
    "31.2]]]}},\n"
    "{\"type\": \"Feature\", \"properties\": {\"id\": \"U3\", \"households\": 3, "
    "\"community\": \"CM2\", \"kind\": \"address\"}, \"geometry\": {\"type\": \"Point\", "
    "\"coordinates\": [121.4015, 31.2015]}}\n"
    "]}\n";

static const char workers_csv[] = "id,name,role,community\n"
                                  "W1,Li Na,grid_worker,CM1\n"
                                  "W2,Wang Wei,grid_worker,CM2\n";

static void check(wg_status st, const char *what)
{
    if (st != WG_OK)
        die(what);
}

/* Cell `code` of plan: the square [x0, x0 + 100] x [y0, y0 + 100] in metres of EPSG:4549. */
static void add_cell(int64_t plan, const char *code, double x0, double y0)
{
    const double xy[] = {x0, y0, x0 + 100, y0, x0 + 100, y0 + 100, x0, y0 + 100, x0, y0};
    wg_geom *g = NULL, *m = NULL;
    unsigned char *wkb = NULL;
    wg_cell_rec c = {
        .plan = plan, .households = 100, .units = 1, .area_m2 = 10000, .compactness = NAN};
    snprintf(c.code, sizeof c.code, "%s", code);
    snprintf(c.community, sizeof c.community, "CM1");
    check(wg_geom_polygon(ctx, xy, 5, &g), "cannot make a cell");
    check(wg_geom_multi(ctx, g, &m), "cannot make a cell");
    check(wg_geom_to_wkb(ctx, m, &wkb, &c.wkb_len), "cannot make a cell");
    c.wkb = wkb;
    check(wg_store_cell_add(ws, &c), "cannot add a cell");
    free(wkb);
    wg_geom_free(ctx, m);
    wg_geom_free(ctx, g);
}

wg_ws *fuzz_workspace(void)
{
    if (ws)
        return ws;
    char path[4200];
    snprintf(path, sizeof path, "%s/fuzz.wangge", fuzz_dir());
    check(wg_ws_create(ctx, path, "EPSG:4549", &ws), "cannot create the workspace");
    wg_import_result r;
    const char *src = fuzz_file("start-units.geojson", units_geojson, sizeof units_geojson - 1);
    check(wg_import(ws, "units", src, NULL, &r), "cannot import the units");
    src = fuzz_file("start-workers.csv", workers_csv, sizeof workers_csv - 1);
    check(wg_import(ws, "workers", src, NULL, &r), "cannot import the workers");
    check(wg_store_begin(ws, "a plan for fuzzing"), "cannot begin");
    wg_plan_params pp = {0};
    int64_t plan = 0;
    bool active = false;
    check(wg_store_plan_add(ws, "fuzz", &pp, 0, &plan, &active), "cannot add a plan");
    add_cell(plan, "A", 633000, 3455000);
    add_cell(plan, "B", 633100, 3455000);
    check(wg_store_cells_number(ws, plan), "cannot number the cells");
    check(wg_store_commit(ws), "cannot commit the plan");
    if (!active)
        die("the plan is not active");
    return ws;
}

void fuzz_import(const char *name, const uint8_t *data, size_t size, const char *const *layers,
                 size_t n)
{
    static const char *const formats[4] = {NULL, NULL, "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M %p"};
    wg_ws *w = fuzz_workspace();
    char path[4200];
    snprintf(path, sizeof path, "%s", fuzz_file(name, data, size));
    unsigned pick = fuzz_pick(data, size);
    wg_import_opts o = {.skip_invalid = pick & 1,
                        .tz = pick & 2 ? "Asia/Shanghai" : NULL,
                        .no_repair = pick & 4,
                        .src_crs = pick & 8 ? "EPSG:4549" : NULL,
                        .time_format = formats[(pick >> 4) & 3]};
    for (size_t i = 0; i < n; i++) {
        wg_import_result r;
        char what[64];
        snprintf(what, sizeof what, "import %s", layers[i]);
        fuzz_expect(wg_import(w, layers[i], path, &o, &r), what);
    }
}
