/* cli/cmd_render.c: `wangge render` (one map, or the plan audit) and `wangge atlas`. */
#include "cli.h"
#include "wg/render.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char render_help[] =
    "usage: wangge render -w WS MAP -o OUT.png|pdf|svg [options]\n"
    "       wangge render -w WS heatmap -o OUT.tif [options]   the density raster (GeoTIFF)\n"
    "       wangge render -w WS audit -o OUT.pdf [options]\n"
    "       wangge atlas -w WS -o OUT.pdf [options]\n"
    "MAP: heatmap (kernel density of incidents, per km²), incidents (points by category),\n"
    "plan (cells by households against the target), workload (the workload index per cell),\n"
    "rate (incidents per 100 households), coverage (camera-seen share, blind spots), cameras\n"
    "(view sectors), diff (two plans: --plan OLD [--plan-b NEW]), base (the basemap alone).\n"
    "audit: the plan audit PDF.\n"
    "atlas: an overview page and one page per community with its table of cells.\n"
    "options:\n"
    "  --size WxH            pixels (PNG, SVG; default 1600x1200); .tif: the raster's\n"
    "                        columns x rows over the area (or --pixel M, not both)\n"
    "  --paper P             A5..A0, -portrait or -landscape (PDF default A4 landscape)\n"
    "  --dpi N               pixels per inch when a PNG is drawn at a paper size (150)\n"
    "  --bbox X0,Y0,X1,Y1    the area shown, in the workspace CRS\n"
    "  --community ID        the area of one community\n"
    "  --plan P, --plan-b P  the plan (default the active one); diff: old and new\n"
    "  --from T --to T --tz Z  incidents reported in [from, to) (ISO 8601; zone, default UTC)\n"
    "  --category C,...      only these incident categories\n"
    "  --title TEXT          the map's title\n"
    "  --source TEXT         the footer's source line (default: the workspace's name)\n"
    "  --kernel K --radius M --pixel M --weight hours   heatmap: quartic (default),\n"
    "                        triweight, epanechnikov, triangular, uniform, gaussian; radius\n"
    "                        (150 m); raster pixel (about one screen pixel); weight by hours\n"
    "  --ramp NAME           colour ramp (viridis, magma, inferno, plasma, cividis, YlOrRd, ...)\n"
    "  --classify M --classes N   quantile (default), equal or jenks; 2 to 9 classes\n"
    "  --opacity A           of the thematic layer over the basemap (0 to 1)\n"
    "  --categories F --weights F   the tables wangge report uses\n"
    "A heatmap's .tif is its raster of densities (Float64, the workspace CRS, 0 = no density\n"
    "= nodata, the class breaks and parameters as metadata); --paper, --dpi, --ramp and\n"
    "--opacity are refused there.\n"
    "The file is written to a temporary file beside OUT and renamed into place.\n";

static bool parse_doubles(const char *s, double *v, int n)
{
    char *end = NULL;
    for (int i = 0; i < n; i++) {
        v[i] = strtod(s, &end);
        if (end == s || !isfinite(v[i]))
            return false;
        if (i < n - 1 && *end != ',')
            return false;
        s = end + 1;
    }
    return *end == '\0';
}

static bool parse_positive(const char *s, double *v)
{
    char *end = NULL;
    *v = strtod(s, &end);
    return *s && !*end && *v > 0 && isfinite(*v);
}

static int run(cli *c, int argc, char **argv, bool atlas)
{
    const char *cmd = atlas ? "atlas" : "render";
    enum {
        O_SIZE = 256,
        O_PAPER,
        O_DPI,
        O_BBOX,
        O_COMM,
        O_PLAN,
        O_PLANB,
        O_FROM,
        O_TO,
        O_TZ,
        O_CAT,
        O_TITLE,
        O_SOURCE,
        O_KERNEL,
        O_RADIUS,
        O_PIXEL,
        O_WEIGHT,
        O_RAMP,
        O_CLASSIFY,
        O_CLASSES,
        O_OPACITY,
        O_CATS,
        O_W
    };
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"size", required_argument, NULL, O_SIZE},
                                         {"paper", required_argument, NULL, O_PAPER},
                                         {"dpi", required_argument, NULL, O_DPI},
                                         {"bbox", required_argument, NULL, O_BBOX},
                                         {"community", required_argument, NULL, O_COMM},
                                         {"plan", required_argument, NULL, O_PLAN},
                                         {"plan-b", required_argument, NULL, O_PLANB},
                                         {"from", required_argument, NULL, O_FROM},
                                         {"to", required_argument, NULL, O_TO},
                                         {"tz", required_argument, NULL, O_TZ},
                                         {"category", required_argument, NULL, O_CAT},
                                         {"title", required_argument, NULL, O_TITLE},
                                         {"source", required_argument, NULL, O_SOURCE},
                                         {"kernel", required_argument, NULL, O_KERNEL},
                                         {"radius", required_argument, NULL, O_RADIUS},
                                         {"pixel", required_argument, NULL, O_PIXEL},
                                         {"weight", required_argument, NULL, O_WEIGHT},
                                         {"ramp", required_argument, NULL, O_RAMP},
                                         {"classify", required_argument, NULL, O_CLASSIFY},
                                         {"classes", required_argument, NULL, O_CLASSES},
                                         {"opacity", required_argument, NULL, O_OPACITY},
                                         {"categories", required_argument, NULL, O_CATS},
                                         {"weights", required_argument, NULL, O_W},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    wg_render_opts o;
    wg_render_opts_init(&o);
    const char *ws_path = NULL, *out = NULL, *from = NULL, *to = NULL, *tzname = NULL;
    char *catlist = NULL;
    const char *cats[64];
    double bbox[4];
    int opt, rc = 0;
    optind = 0;
    while (rc == 0 && (opt = getopt_long(argc, argv, "w:o:h", opts, NULL)) != -1) {
        double v = 0;
        switch (opt) {
        case 'w':
            ws_path = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case O_SIZE: {
            char *x = NULL;
            long w = strtol(optarg, &x, 10), h = x && *x == 'x' ? strtol(x + 1, &x, 10) : -1;
            if (*x || w < 64 || h < 64 || w > 20000 || h > 20000)
                rc = cli_usage(
                    c, cmd, "--size wants WIDTHxHEIGHT in pixels (64 to 20000), got '%s'", optarg);
            o.width = (int)w;
            o.height = (int)h;
            break;
        }
        case O_PAPER:
            o.paper = optarg;
            break;
        case O_DPI:
            if (!parse_positive(optarg, &o.dpi))
                rc = cli_usage(c, cmd, "--dpi wants a number above 0, got '%s'", optarg);
            break;
        case O_BBOX:
            if (!parse_doubles(optarg, bbox, 4))
                rc = cli_usage(c, cmd, "--bbox wants X0,Y0,X1,Y1 in the workspace CRS, got '%s'",
                               optarg);
            o.bbox = bbox;
            break;
        case O_COMM:
            o.community = optarg;
            break;
        case O_PLAN:
            o.plan = optarg;
            break;
        case O_PLANB:
            o.plan_b = optarg;
            break;
        case O_FROM:
            from = optarg;
            break;
        case O_TO:
            to = optarg;
            break;
        case O_TZ:
            tzname = optarg;
            break;
        case O_CAT:
            catlist = optarg;
            break;
        case O_TITLE:
            o.title = optarg;
            break;
        case O_SOURCE:
            o.source = optarg;
            break;
        case O_KERNEL:
            if (!wg_kernel_from_name(optarg, &o.kernel))
                rc = cli_usage(c, cmd,
                               "--kernel wants quartic, triweight, epanechnikov, triangular, "
                               "uniform or gaussian, got '%s'",
                               optarg);
            break;
        case O_RADIUS:
        case O_PIXEL:
            if (!parse_positive(optarg, &v))
                rc = cli_usage(c, cmd, "--%s wants metres above 0, got '%s'",
                               opt == O_RADIUS ? "radius" : "pixel", optarg);
            *(opt == O_RADIUS ? &o.radius_m : &o.pixel_m) = v;
            break;
        case O_WEIGHT:
            if (strcmp(optarg, "hours") == 0)
                o.weight_hours = true;
            else if (strcmp(optarg, "count") != 0)
                rc = cli_usage(c, cmd, "--weight wants hours or count, got '%s'", optarg);
            break;
        case O_RAMP:
            if (!wg_ramp_find(optarg))
                rc = cli_usage(
                    c, cmd, "--ramp: unknown colour ramp '%s' (try viridis, magma, YlOrRd, RdBu)",
                    optarg);
            o.ramp = optarg;
            break;
        case O_CLASSIFY:
            if (!wg_class_method_parse(optarg, &o.classify))
                rc = cli_usage(c, cmd, "--classify wants quantile, equal or jenks, got '%s'",
                               optarg);
            break;
        case O_CLASSES: {
            char *end = NULL;
            long k = strtol(optarg, &end, 10);
            if (!*optarg || *end || k < 2 || k > 9)
                rc = cli_usage(c, cmd, "--classes wants 2 to 9, got '%s'", optarg);
            o.classes = (int)k;
            break;
        }
        case O_OPACITY:
            if (!parse_positive(optarg, &o.opacity) || o.opacity > 1)
                rc = cli_usage(c, cmd, "--opacity wants a number in (0, 1], got '%s'", optarg);
            break;
        case O_CATS:
            o.categories_file = optarg;
            break;
        case O_W:
            o.weights_file = optarg;
            break;
        case 'h':
            fputs(render_help, stdout);
            return 0;
        default:
            rc = cli_usage(c, cmd, "bad option (see wangge %s --help)", cmd);
        }
    }
    if (rc)
        return rc;
    if (!ws_path)
        return cli_usage(c, cmd, "-w WS is required");
    if (!out)
        return cli_usage(c, cmd, "-o OUT is required (.png, .pdf or .svg; a heatmap also .tif)");
    const char *what = atlas ? "atlas" : optind < argc ? argv[optind++] : NULL;
    wg_map_kind kind = WG_MAP_PLAN;
    bool audit = what && strcmp(what, "audit") == 0;
    if (!what)
        return cli_usage(c, cmd,
                         "which map? heatmap, incidents, plan, workload, rate, coverage, cameras, "
                         "diff, base or audit");
    if (!atlas && !audit && !wg_map_kind_parse(what, &kind))
        return cli_usage(c, cmd,
                         "unknown map '%s' (heatmap, incidents, plan, workload, rate, coverage, "
                         "cameras, diff, base, audit)",
                         what);
    if (optind < argc)
        return cli_usage(c, cmd, "unexpected argument '%s'", argv[optind]);
    if (catlist) {
        o.ncategories = cli_split(catlist, cats, 64);
        o.categories = cats;
    }
    if (!cli_period(c, cmd, from, to, tzname, &o.from, &o.to))
        return 1;
    char period[160];
    if (from || to) { /* the period as the user gave it, with its zone */
        snprintf(period, sizeof period, "%s%s%s%s (%s)", from ? from : "", from ? " – " : "until ",
                 to ? "before " : "onwards", to ? to : "", tzname ? tzname : "UTC");
        o.period_text = period;
    }
    wg_ws *ws = NULL;
    wg_render_info info;
    wg_status st = cli_open(c, ws_path, &ws);
    cli_progress_on(c);
    if (st == WG_OK)
        st = atlas   ? wg_render_atlas(ws, &o, out, &info)
             : audit ? wg_render_audit(ws, &o, out, &info)
                     : wg_render(ws, kind, &o, out, &info);
    cli_progress_done(c);
    char ws_crs[64] = "";
    if (st == WG_OK && wg_ws_crs(ws))
        snprintf(ws_crs, sizeof ws_crs, "%s", wg_ws_crs(ws));
    wg_ws_close(ws);
    if (st != WG_OK)
        return cli_fail(c, st);
    wg_render_format fmt;
    if (!c->quiet && wg_render_format_of(out, &fmt) && fmt == WG_FMT_TIF) {
        fprintf(stderr,
                "heatmap raster written to %s: %zux%zu pixels of %.2f m, %s, %zu incidents, "
                "%zu pixels with density, max %.6g %s, %.2f s\n",
                out, info.grid.cols, info.grid.rows, info.grid.px, ws_crs[0] ? ws_crs : "no CRS",
                info.points, info.nonzero, info.value_max, info.unit, info.seconds);
    } else if (!c->quiet) {
        char unit[8];
        snprintf(unit, sizeof unit, "%s", strstr(out, ".png") || strstr(out, ".PNG") ? "px" : "pt");
        fprintf(stderr,
                "%s written to %s: %d page%s of %.0fx%.0f %s, %zu features, %zu labels (%zu left "
                "out for room), %.2f s\n",
                atlas   ? "atlas"
                : audit ? "audit"
                        : wg_map_kind_name(kind),
                out, info.pages, info.pages == 1 ? "" : "s", info.width, info.height, unit,
                info.features, info.labels, info.labels_dropped, info.seconds);
    }
    return 0;
}

int cmd_render(cli *c, int argc, char **argv)
{
    return run(c, argc, argv, false);
}

int cmd_atlas(cli *c, int argc, char **argv)
{
    return run(c, argc, argv, true);
}
