/* cli/cmd_import.c: `wangge import` and `wangge export`. */
#include "cli.h"
#include "wg/import.h"
#include "wg/lattice.h"
#include "wg/plan.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char import_help[] =
    "usage: wangge import -w WS LAYER SOURCE [options]\n"
    "Imports SOURCE (anything OGR reads: GeoPackage, Shapefile, GeoJSON, FlatGeobuf, CSV with\n"
    "x/y or lon/lat columns, .gz of those, PG:... PostGIS connections) into LAYER, one of\n"
    "communities, units, barriers, streets, incidents, cameras, workers, codes (the district,\n"
    "street/town and committee codes; communities take their parent from it). Features whose id "
    "is\n"
    "already in the layer are updated. All or nothing: the first bad feature stops the import\n"
    "and leaves the workspace as it was, unless --skip-invalid.\n"
    "  --layer NAME          layer of a multi-layer source\n"
    "  --xy X,Y              CSV: the coordinate columns (default: x/y, lon/lat and the like)\n"
    "  --columns A,B,...     CSV without a header row: the names of its columns, in order\n"
    "  --map FIELD=SRC       take FIELD from the source field SRC (SRC may be A+B: joined)\n"
    "  --set FIELD=VALUE     give FIELD the same VALUE for every feature\n"
    "  --src-crs CRS         the source's CRS, when it has none (EPSG:N, WKT or PROJ)\n"
    "  --gcj02 | --bd09      source lon/lat are GCJ-02 (Amap, Tencent) or BD-09 (Baidu)\n"
    "  --time-format FMT     strptime-style format of the time fields (default: ISO 8601 and\n"
    "                        the common US forms are recognised)\n"
    "  --tz ZONE             zone of times without an offset (Asia/Shanghai, +08:00; default UTC)\n"
    "  --skip-invalid        import the good features; list the rejects in a file\n"
    "  --rejects FILE        where --skip-invalid lists them (default beside the workspace)\n"
    "  --no-repair           reject invalid polygons instead of repairing them\n"
    "  --community-field F   units: the source field naming each unit's community (as --map\n"
    "                        community=F); without a communities layer, partition dissolves\n"
    "                        the communities from it\n"
    "  --weight-name NAME    units: what their households field counts (residents, persons,\n"
    "                        dwellings...); maps and reports then call it so\n";

static int add_arg(cli *c, const char ***v, size_t *n, const char *a)
{
    const char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) {
        fputs("wangge: out of memory\n", stderr);
        (void)c;
        return 2;
    }
    nv[(*n)++] = a;
    *v = nv;
    return 0;
}

void cli_print_import(cli *c, const char *layer, const char *source, const wg_import_result *r)
{
    if (c->quiet)
        return;
    char a[32], b[32], d[32], e[32], f[32];
    printf("%s: %s features from %s: %s inserted, %s updated, %s repaired, %s rejected "
           "(%.2f s)\n",
           layer, cli_num(r->features, a, sizeof a), source, cli_num(r->inserted, b, sizeof b),
           cli_num(r->updated, d, sizeof d), cli_num(r->repaired, e, sizeof e),
           cli_num(r->rejected, f, sizeof f), r->seconds);
    printf("  fields: %s\n", r->mapping);
    if (r->coords[0])
        printf("  points from: %s\n", r->coords);
    if (r->unused[0])
        printf("  not used: %s\n", r->unused);
    if (r->parents_from_codes > 0)
        printf("  %s parent%s taken from the codes table (the community's id is a code there)\n",
               cli_num(r->parents_from_codes, a, sizeof a), r->parents_from_codes == 1 ? "" : "s");
    if (r->crs_note[0])
        printf("  %s\n", r->crs_note);
    if (r->kind_note[0])
        printf("  %s\n", r->kind_note);
    if (r->rejects_path[0])
        printf("  rejected features are listed in %s\n", r->rejects_path);
    if (r->defaulted > 0)
        printf("  %s camera%s took default view parameters (kind defaults: fixed 90°/50 m, "
               "dome 360°/30 m, ptz 360°/100 m, high 360°/300 m; README \"Cameras\")\n",
               cli_num(r->defaulted, a, sizeof a), r->defaulted == 1 ? "" : "s");
}

int cmd_import(cli *c, int argc, char **argv)
{
    enum {
        O_MAP = 256,
        O_SET,
        O_SRCCRS,
        O_GCJ,
        O_BD,
        O_TFMT,
        O_TZ,
        O_SKIP,
        O_REJ,
        O_NOREP,
        O_LYR,
        O_XY,
        O_WNAME,
        O_CFIELD,
        O_COLS
    };
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"map", required_argument, NULL, O_MAP},
                                         {"set", required_argument, NULL, O_SET},
                                         {"src-crs", required_argument, NULL, O_SRCCRS},
                                         {"gcj02", no_argument, NULL, O_GCJ},
                                         {"bd09", no_argument, NULL, O_BD},
                                         {"time-format", required_argument, NULL, O_TFMT},
                                         {"tz", required_argument, NULL, O_TZ},
                                         {"skip-invalid", no_argument, NULL, O_SKIP},
                                         {"rejects", required_argument, NULL, O_REJ},
                                         {"no-repair", no_argument, NULL, O_NOREP},
                                         {"layer", required_argument, NULL, O_LYR},
                                         {"xy", required_argument, NULL, O_XY},
                                         {"weight-name", required_argument, NULL, O_WNAME},
                                         {"community-field", required_argument, NULL, O_CFIELD},
                                         {"columns", required_argument, NULL, O_COLS},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *ws_path = NULL;
    wg_import_opts io = {0};
    const char **maps = NULL, **sets = NULL, **cols = NULL;
    char *cfield = NULL; /* --community-field's --map */
    int rc = 0, o;
    optind = 0;
    while (rc == 0 && (o = getopt_long(argc, argv, "w:h", opts, NULL)) != -1) {
        switch (o) {
        case 'w':
            ws_path = optarg;
            break;
        case O_MAP:
            rc = add_arg(c, &maps, &io.nmaps, optarg);
            break;
        case O_SET:
            rc = add_arg(c, &sets, &io.nsets, optarg);
            break;
        case O_SRCCRS:
            io.src_crs = optarg;
            break;
        case O_GCJ:
        case O_BD:
            if (io.shift != WG_SHIFT_NONE)
                rc = cli_usage(c, "import", "--gcj02 and --bd09 exclude each other");
            io.shift = o == O_GCJ ? WG_SHIFT_GCJ02 : WG_SHIFT_BD09;
            break;
        case O_TFMT:
            io.time_format = optarg;
            break;
        case O_TZ:
            io.tz = optarg;
            break;
        case O_SKIP:
            io.skip_invalid = true;
            break;
        case O_REJ:
            io.rejects_path = optarg;
            break;
        case O_NOREP:
            io.no_repair = true;
            break;
        case O_LYR:
            io.src_layer = optarg;
            break;
        case O_WNAME:
            io.weight_name = optarg;
            break;
        case O_CFIELD: {
            if (cfield) {
                rc = cli_usage(c, "import", "--community-field is given twice");
                break;
            }
            size_t len = strlen("community=") + strlen(optarg) + 1;
            char *m = malloc(len);
            if (!m) {
                fputs("wangge: out of memory\n", stderr);
                rc = 2;
                break;
            }
            snprintf(m, len, "community=%s", optarg);
            cfield = m;
            rc = add_arg(c, &maps, &io.nmaps, m);
            break;
        }
        case O_XY: {
            char *comma = strchr(optarg, ',');
            if (!comma || comma == optarg || !comma[1]) {
                rc = cli_usage(c, "import", "--xy wants two column names, X,Y");
                break;
            }
            *comma = '\0'; /* argv is ours to cut */
            io.x_field = optarg;
            io.y_field = comma + 1;
            break;
        }
        case O_COLS: /* argv is ours to cut: "a,b,c" becomes three names */
            if (cols)
                rc = cli_usage(c, "import", "--columns given twice");
            for (char *p = optarg; rc == 0 && p;) {
                char *comma = strchr(p, ',');
                if (comma)
                    *comma = '\0';
                rc = add_arg(c, &cols, &io.ncolumns, p);
                p = comma ? comma + 1 : NULL;
            }
            break;
        case 'h':
            fputs(import_help, stdout);
            free(maps);
            free(sets);
            free(cfield);
            free(cols);
            return 0;
        default:
            rc = cli_usage(c, "import", "bad option");
        }
    }
    if (rc == 0 && !ws_path)
        rc = cli_usage(c, "import", "-w WS is required");
    if (rc == 0 && argc - optind != 2)
        rc = cli_usage(c, "import", "give LAYER and SOURCE");
    if (rc == 0 && cfield && argc - optind == 2 && strcmp(argv[optind], "units") != 0)
        rc = cli_usage(c, "import", "--community-field applies to the units layer");
    if (rc != 0) {
        free(maps);
        free(sets);
        free(cfield);
        free(cols);
        return rc;
    }
    io.maps = maps;
    io.sets = sets;
    io.columns = cols;
    const char *layer = argv[optind], *source = argv[optind + 1];
    wg_ws *ws = NULL;
    wg_import_result r;
    wg_status st = cli_open(c, ws_path, &ws);
    if (st == WG_OK) {
        cli_progress_on(c);
        st = wg_import(ws, layer, source, &io, &r);
        cli_progress_done(c);
    }
    wg_ws_close(ws);
    free(maps);
    free(sets);
    free(cfield);
    free(cols);
    if (st != WG_OK)
        return cli_fail(c, st);
    cli_print_import(c, layer, source, &r);
    if (io.weight_name && !c->quiet) {
        wg_weight_name wn;
        wg_weight_name_of(io.weight_name, &wn);
        printf("  the units count %s: maps and reports say %s%s%s\n", wn.name, wn.zh,
               wn.zh[0] ? " " : "", wn.label);
    }
    cli_warnings(c);
    return 0;
}

int cmd_export(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"plan", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *ws_path = NULL, *plan_name = NULL;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "w:h", opts, NULL)) != -1) {
        if (o == 'w')
            ws_path = optarg;
        else if (o == 'p')
            plan_name = optarg;
        else if (o == 'h') {
            fputs("usage: wangge export -w WS LAYER DEST [--plan PLAN]\n"
                  "Writes LAYER to DEST in the format of its extension (.gpkg .shp .geojson .fgb\n"
                  ".csv .sqlite .gml .kml), atomically. Times are written as ISO 8601 UTC.\n"
                  "--plan (name or id; default: the active plan) chooses the cells written, and\n"
                  "for incidents the plan whose cell code and unassigned reason each one carries\n"
                  "(its assignment is brought up to date first when that is quick).\n",
                  stdout);
            return 0;
        } else
            return cli_usage(c, "export", "bad option");
    }
    if (!ws_path)
        return cli_usage(c, "export", "-w WS is required");
    if (argc - optind != 2)
        return cli_usage(c, "export", "give LAYER and DEST");
    wg_ws *ws = NULL;
    int64_t n = 0;
    int64_t plan = 0;
    wg_status st = cli_open(c, ws_path, &ws);
    if (st == WG_OK && plan_name)
        st = wg_plan_find(ws, plan_name, &plan);
    if (st == WG_OK) {
        cli_progress_on(c);
        st = wg_export(ws, argv[optind], argv[optind + 1], plan, &n);
        cli_progress_done(c);
    }
    wg_ws_close(ws);
    if (st != WG_OK)
        return cli_fail(c, st);
    char a[32];
    if (!c->quiet)
        printf("%s: %s features written to %s\n", argv[optind], cli_num(n, a, sizeof a),
               argv[optind + 1]);
    return 0;
}

static const char lattice_help[] =
    "usage: wangge lattice -w WS -o FILE [--cell M] [--of incidents|cameras] [--ring N]\n"
    "Writes square units over where the incidents (or cameras) are, for a district without\n"
    "units of its own: squares of M metres (default 250) on the workspace CRS's grid, each with\n"
    "the number of points it holds as its weight, and N rings (default 1) of empty squares\n"
    "around the occupied ones so that the area stays in one piece. Import them as units with\n"
    "--weight-name incidents, and partition: the cells are then sized by incident load.\n";

int cmd_lattice(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"cell", required_argument, NULL, 'c'},
                                         {"of", required_argument, NULL, 'f'},
                                         {"ring", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *ws_path = NULL, *out = NULL;
    wg_lattice_opts lo = {.cell_m = 250, .ring = 1};
    int rc = 0, o;
    optind = 0;
    while (rc == 0 && (o = getopt_long(argc, argv, "w:o:h", opts, NULL)) != -1) {
        char *end = NULL;
        switch (o) {
        case 'w':
            ws_path = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'c':
            lo.cell_m = strtod(optarg, &end);
            if (end == optarg || *end)
                rc = cli_usage(c, "lattice", "--cell wants metres, got '%s'", optarg);
            break;
        case 'r': {
            int64_t v = 0;
            if (!cli_whole(c, "lattice", "--ring", optarg, &v))
                return 1;
            if (v > 5)
                rc = cli_usage(c, "lattice", "--ring wants 0 to 5 squares, got '%s'", optarg);
            lo.ring = (int)(v > 5 ? 5 : v);
            break;
        }
        case 'f':
            lo.layer = optarg;
            break;
        case 'h':
            fputs(lattice_help, stdout);
            return 0;
        default:
            rc = cli_usage(c, "lattice", "bad option");
        }
    }
    if (rc == 0 && (!ws_path || !out))
        rc = cli_usage(c, "lattice", "-w WS and -o FILE are required");
    if (rc == 0 && optind != argc)
        rc = cli_usage(c, "lattice", "unexpected argument '%s'", argv[optind]);
    if (rc != 0)
        return rc;
    wg_ws *ws = NULL;
    wg_lattice_result r;
    wg_status st = cli_open(c, ws_path, &ws);
    if (st == WG_OK)
        st = wg_lattice_write(ws, &lo, out, &r);
    wg_ws_close(ws);
    if (st != WG_OK)
        return cli_fail(c, st);
    if (!c->quiet) {
        char a[32], b[32], d[32];
        const char *of = lo.layer ? lo.layer : "incidents";
        printf("lattice of %g m squares written to %s: %s squares, %s of them holding %s of the "
               "%s (the rest %d ring%s around)\n",
               lo.cell_m, out, cli_num((long long)r.squares, a, sizeof a),
               cli_num((long long)r.occupied, b, sizeof b), cli_num(r.points, d, sizeof d), of,
               lo.ring, lo.ring == 1 ? "" : "s");
        if (r.skipped)
            printf("  %lld %s without a location were not counted\n", (long long)r.skipped, of);
        printf("  next: wangge import -w %s units %s --weight-name %s\n", ws_path, out, of);
    }
    return 0;
}
