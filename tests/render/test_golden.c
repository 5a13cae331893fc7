/* tests/render/test_golden.c: every map kind of the small sample city against a reference
 * image, compared with a tolerance (fonts and anti-aliasing may move a few pixels, a changed
 * map moves many); the audit and the atlas by their pages and text.
 *
 * The furniture (title, legend, scale bar, north arrow) is compared strictly inside the boxes
 * the renderer reports for it: a map without its north arrow, or with another legend, fails
 * even where the rest of the map is within tolerance.
 *
 * After an intended change to the maps, renew the references with the explicit command
 *     cmake --build build/release --target golden-update
 * (check_render --update-golden) and look at every one of them (tests/fixtures/golden/)
 * before committing. No environment variable turns the comparison off. */
#include "support.h"
#include "wg/render.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *tcase_golden(void);

static char *g_dir; /* the demo city, made once for the test case */

static void city_setup(void)
{
    g_dir = t_tmpdir();
    /* the sample city through the whole flow, as a user makes it: a plan, an assignment */
    if (t_sh("%s --quiet demo -o %s/demo > %s/demo.log 2>&1", WG_CLI, g_dir, g_dir) != 0) {
        fprintf(stderr, "wangge demo failed: see %s/demo.log\n", g_dir);
        abort();
    }
}

static void city_teardown(void)
{
    t_rmtree(g_dir);
    free(g_dir);
}

static wg_ws *city(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/demo/city.wangge", g_dir);
    wg_ws *ws = NULL;
    T_OK(t_ctx, wg_ws_open(t_ctx, path, &ws));
    return ws;
}

/* Compares two ARGB images inside x, y, w, h (clipped to the image): the share of pixels whose
 * largest channel difference exceeds 40, and the mean absolute channel difference (0-255). */
static void image_diff(cairo_surface_t *a, cairo_surface_t *b, const int box[4], double *share,
                       double *mean)
{
    int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
    int sa = cairo_image_surface_get_stride(a), sb = cairo_image_surface_get_stride(b);
    const unsigned char *pa = cairo_image_surface_get_data(a),
                        *pb = cairo_image_surface_get_data(b);
    int x0 = box[0] < 0 ? 0 : box[0], y0 = box[1] < 0 ? 0 : box[1];
    int x1 = box[0] + box[2] > w ? w : box[0] + box[2],
        y1 = box[1] + box[3] > h ? h : box[1] + box[3];
    size_t off = 0, n = 0;
    double sum = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            int worst = 0;
            for (int k = 0; k < 4; k++) {
                int d = abs(pa[y * sa + 4 * x + k] - pb[y * sb + 4 * x + k]);
                worst = d > worst ? d : worst;
                sum += d;
            }
            off += worst > 40;
            n++;
        }
    *share = n ? (double)off / (double)n : 0;
    *mean = n ? sum / (4.0 * (double)n) : 0;
}

/* The share of pixels inside box that are not near-white: furniture that was drawn has ink. */
static double ink(cairo_surface_t *a, const int box[4])
{
    int s = cairo_image_surface_get_stride(a);
    const unsigned char *p = cairo_image_surface_get_data(a);
    size_t dark = 0, n = 0;
    for (int y = box[1]; y < box[1] + box[3]; y++)
        for (int x = box[0]; x < box[0] + box[2]; x++, n++)
            dark +=
                p[y * s + 4 * x] < 160 || p[y * s + 4 * x + 1] < 160 || p[y * s + 4 * x + 2] < 160;
    return n ? (double)dark / (double)n : 0;
}

static const char *const FURNITURE[WG_FURN_N] = {"title", "legend", "scale bar", "north arrow"};

static void keep_failed(const char *out, const char *name, char *keep, size_t n)
{
    snprintf(keep, n, "%s/../golden-failed-%s", g_dir, name);
    t_copy(out, keep);
}

static void golden(wg_map_kind kind, const wg_render_opts *o)
{
    wg_ws *ws = city();
    char name[64], ref[1024], keep[1024];
    snprintf(name, sizeof name, "%s.png", wg_map_kind_name(kind));
    snprintf(ref, sizeof ref, "%s/golden/%s", WG_FIXTURES_DIR, name);
    const char *out = t_path(t_dir, name);
    wg_render_info info;
    T_OK(t_ctx, wg_render(ws, kind, o, out, &info));
    wg_ws_close(ws);
    if (t_update_golden) {
        t_copy(out, ref);
        fprintf(stderr, "golden: renewed %s\n", ref);
        return;
    }
    cairo_surface_t *a = cairo_image_surface_create_from_png(out);
    cairo_surface_t *b = cairo_image_surface_create_from_png(ref);
    ck_assert_msg(cairo_surface_status(b) == CAIRO_STATUS_SUCCESS, "%s: no reference image", ref);
    int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
    ck_assert_int_eq(w, cairo_image_surface_get_width(b));
    ck_assert_int_eq(h, cairo_image_surface_get_height(b));
    double share, mean;
    /* the furniture: each drawn, with ink, and the same as the reference's, pixel for pixel
     * but for a few anti-aliased edges */
    for (int k = 0; k < WG_FURN_N; k++) {
        const double *f = info.furniture[k];
        int box[4] = {(int)floor(f[0]), (int)floor(f[1]), (int)ceil(f[0] + f[2]) - (int)floor(f[0]),
                      (int)ceil(f[1] + f[3]) - (int)floor(f[1])};
        ck_assert_msg(box[2] > 0 && box[3] > 0 && box[0] >= 0 && box[1] >= 0 &&
                          box[0] + box[2] <= w && box[1] + box[3] <= h,
                      "%s: its %s is not on the page", name, FURNITURE[k]);
        ck_assert_msg(ink(a, box) > 0.01, "%s: its %s is blank", name, FURNITURE[k]);
        image_diff(a, b, box, &share, &mean);
        if (share > 0.002 || mean > 1.0) {
            keep_failed(out, name, keep, sizeof keep);
            cairo_surface_destroy(a);
            cairo_surface_destroy(b);
            ck_abort_msg("%s: its %s differs from %s: %.2f %% of its pixels off, mean "
                         "difference %.2f (the map drawn is kept at %s)",
                         name, FURNITURE[k], ref, 100 * share, mean, keep);
        }
    }
    image_diff(a, b, (int[4]){0, 0, w, h}, &share, &mean);
    cairo_surface_destroy(a);
    cairo_surface_destroy(b);
    if (share > 0.02 || mean > 3) {
        keep_failed(out, name, keep, sizeof keep);
        ck_abort_msg("%s differs from %s: %.2f %% of pixels off, mean difference %.2f (the map "
                     "drawn is kept at %s)",
                     name, ref, 100 * share, mean, keep);
    }
}

static wg_render_opts small(void)
{
    wg_render_opts o;
    wg_render_opts_init(&o);
    /* one community and its neighbours' edges, small: every kind of feature, few bytes */
    o.width = 320;
    o.height = 240;
    o.community = "C00014";
    return o;
}

START_TEST(golden_maps)
{
    wg_render_opts o = small();
    golden((wg_map_kind)_i, &o);
}
END_TEST

START_TEST(golden_diff)
{
    /* a second plan with other bounds, drawn against the active one */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s --quiet partition -w %s/demo/city.wangge --name wider --target 300 --min 240 "
             "--max 360 >/dev/null 2>&1 || true",
             WG_CLI, g_dir);
    t_sh("%s", cmd);
    wg_render_opts o = small();
    o.plan = "wider";
    golden(WG_MAP_DIFF, &o);
}
END_TEST

START_TEST(audit_pages)
{
    wg_ws *ws = city();
    wg_render_opts o;
    wg_render_opts_init(&o);
    wg_render_info info;
    const char *pdf = t_path(t_dir, "audit.pdf");
    T_OK(t_ctx, wg_render_audit(ws, &o, pdf, &info));
    wg_ws_close(ws);
    ck_assert_int_ge(info.pages, 6);
    ck_assert_int_eq(
        t_sh("test $(pdfinfo %s | awk '/^Pages:/ {print $2}') -eq %d", pdf, info.pages), 0);
    ck_assert_int_eq(t_sh("pdftotext %s %s", pdf, t_path(t_dir, "a.txt")), 0);
    char *txt = t_read(t_path(t_dir, "a.txt"), NULL);
    static const char *const want[] = {"Grid plan",       "Households and deviation per cell",
                                       "Compactness",     "Issues and their causes",
                                       "Camera coverage", "Closed-loop figures per cell",
                                       "blind spot"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(txt, want[i]), "the audit has no '%s'", want[i]);
    free(txt);
}
END_TEST

/* Counts a person reads have their thousands separated, in the legends as in the titles. */
START_TEST(legend_counts_separated)
{
    wg_ws *ws = city();
    wg_render_opts o;
    wg_render_opts_init(&o);
    wg_render_info info;
    const char *pdf = t_path(t_dir, "incidents.pdf");
    T_OK(t_ctx, wg_render(ws, WG_MAP_INCIDENTS, &o, pdf, &info));
    wg_ws_close(ws);
    ck_assert_uint_ge(info.points, 1000);
    const char *txt = t_path(t_dir, "incidents.txt");
    ck_assert_int_eq(t_sh("pdftotext %s %s", pdf, txt), 0);
    /* a category's count in four digits or more, separated; none unseparated */
    ck_assert_int_eq(t_sh("grep -Eq '[a-z] \\([0-9]{1,3}(,[0-9]{3})+\\)' %s", txt), 0);
    ck_assert_int_ne(t_sh("grep -Eq '\\([0-9]{4,}\\)' %s", txt), 0);
}
END_TEST

START_TEST(atlas_one_page_per_community)
{
    wg_ws *ws = city();
    wg_render_opts o;
    wg_render_opts_init(&o);
    wg_render_info info;
    const char *pdf = t_path(t_dir, "atlas.pdf");
    T_OK(t_ctx, wg_render_atlas(ws, &o, pdf, &info));
    wg_ws_close(ws);
    ck_assert_int_eq(t_sh("pdftotext %s %s", pdf, t_path(t_dir, "a.txt")), 0);
    char *txt = t_read(t_path(t_dir, "a.txt"), NULL);
    /* every community of the city has its page, headed by its name and id */
    size_t n = 0;
    for (int i = 1; i <= 99; i++) {
        char id[32];
        snprintf(id, sizeof id, "(C%05d)", i);
        if (strstr(txt, id))
            n++;
    }
    ck_assert_uint_ge(n, 20);
    ck_assert_int_ge(info.pages, (int)n + 1);
    ck_assert_ptr_nonnull(strstr(txt, "Atlas of plan"));
    free(txt);
}
END_TEST

TCase *tcase_golden(void)
{
    TCase *tc = tcase_create("golden");
    tcase_add_unchecked_fixture(tc, city_setup, city_teardown);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, golden_maps, 0, WG_MAP_DIFF); /* every kind but diff */
    tcase_add_test(tc, golden_diff);
    tcase_add_test(tc, audit_pages);
    tcase_add_test(tc, legend_counts_separated);
    tcase_add_test(tc, atlas_one_page_per_community);
    return tc;
}
