/* cli/cmd_serve.c: `wangge serve`. */
#include "cli.h"
#include "wg/serve.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char serve_help[] =
    "usage: wangge serve -w WS [--listen HOST:PORT] [--threads N] [--token-file F]\n"
    "                          [--tile-cache MIB] [--max-streams N]\n"
    "Serves the workspace over HTTP for the command center, until Ctrl-C or SIGTERM (the\n"
    "event streams are ended, the requests under way finish first). Loopback only unless\n"
    "--listen names another address; port 0 takes any free port (the URL is printed).\n"
    "  GET /                             the command-center page (/#center, /#planner),\n"
    "                                    built into the binary (its files under /assets/)\n"
    "JSON, coordinates in WGS 84 lon/lat:\n"
    "  GET /api/health                   the workspace, its extent, maps and active plan\n"
    "  GET /api/summary?from=&to=&tz=&category=a,b\n"
    "                                    closed-loop KPIs of the period and the one before\n"
    "  GET /api/cells?from=&to=&tz=&category=\n"
    "                                    the report's rows by cell\n"
    "  GET /api/cells/{code}?from=&to=   a cell's card: workers, cameras, report row, cases\n"
    "  GET /api/incidents?bbox=&from=&to=&tz=&category=&limit=&cursor=\n"
    "                                    cases in a box and period, newest first, paged\n"
    "  GET /api/plans                    the plans\n"
    "  GET /api/plans/{plan}/cells.geojson[?simplify=M]   the plan's cells (GeoJSON)\n"
    "  GET /api/plans/{plan}/units.geojson[?bbox=]       its units (bbox past 20,000)\n"
    "  GET /api/plans/{plan}/diff[?against=B]            units and cells changed from B\n"
    "  GET /api/events                   live server-sent events (wangge-event/1): case, kpi,\n"
    "                                    plan, tiles, reset; resumes after Last-Event-ID\n"
    "  POST /api/incidents?tz=&gcj02=1   cases (text/csv or application/geo+json), imported\n"
    "                                    and located at once; needs the token\n"
    "  PATCH /api/incidents/{id}?tz=     {\"dispatched\", \"closed\", \"status\"} of one case;\n"
    "                                    needs the token\n"
    "  POST /api/plans/{plan}/moves      {\"units\": [...], \"to\": CELL}; needs the token\n"
    "  POST /api/plans/{plan}/copy       {\"name\": N}: saved as a new plan; needs the token\n"
    "  GET /tiles/{map}/{z}/{x}/{y}.png  map tiles (Web Mercator; @2x for HiDPI): heatmap,\n"
    "                                    incidents, plan, workload, rate, coverage, cameras,\n"
    "                                    base; ?from=&to=&tz=&category= as for the summary\n"
    "  GET /tiles/cells/{z}/{x}/{y}.mvt  vector tiles of the cells (and of incidents)\n"
    "  GET /api/legend/{map}             the legend of a map's tiles\n"
    "  GET /api/tiles                    the maps and the tile cache's counts\n"
    "  --listen HOST:PORT  the address (default 127.0.0.1:8080)\n"
    "  --threads N         worker threads, each with its own workspace handle (default 2)\n"
    "  --token-file F      the write token, F's first line (F readable by its owner only);\n"
    "                      without it the server is read-only\n"
    "  --tile-cache MIB    encoded tiles kept in memory (default 256)\n"
    "  --max-streams N     event streams open at once (default 1024; more get 503)\n"
    "Environment: WANGGE_SSE_PING=SECONDS the streams' heartbeat (default 15);\n"
    "WANGGE_WATCH_POLL=SECONDS how often other processes' writes are looked for (0.5).\n";

typedef struct serving {
    cli *c;
    const char *ws;
} serving;

/* The URL once it listens, and what the start had to give up (a cap on the event streams
 * that the open-file limit forced) at once rather than at the end. */
static void ready(void *user, const char *url)
{
    const serving *s = user;
    printf("serving %s on %s (Ctrl-C stops)\n", s->ws, url);
    fflush(stdout);
    cli_warnings(s->c);
}

int cmd_serve(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"token-file", required_argument, NULL, 'k'},
                                         {"tile-cache", required_argument, NULL, 'c'},
                                         {"max-streams", required_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    wg_serve_opts so = {0};
    int rc = 0, o;
    optind = 0;
    while (rc == 0 && (o = getopt_long(argc, argv, "w:h", opts, NULL)) != -1) {
        switch (o) {
        case 'w':
            so.ws_path = optarg;
            break;
        case 'l':
            so.listen = optarg;
            break;
        case 't': {
            int64_t v = 0;
            if (!cli_whole(c, "serve", "--threads", optarg, &v))
                return 1;
            if (v < 1 || v > 64)
                rc = cli_usage(c, "serve", "--threads wants 1 to 64, got '%s'", optarg);
            so.threads = (int)(v > 64 ? 64 : v);
            break;
        }
        case 'k':
            so.token_file = optarg;
            break;
        case 'c': {
            int64_t v = 0;
            if (!cli_whole(c, "serve", "--tile-cache", optarg, &v))
                return 1;
            if (v < 1 || v > 65536)
                rc = cli_usage(c, "serve", "--tile-cache wants 1 to 65536 MiB, got '%s'", optarg);
            so.tile_cache_mb = (size_t)(v < 1 ? 1 : v > 65536 ? 65536 : v);
            break;
        }
        case 'm': {
            int64_t v = 0;
            if (!cli_whole(c, "serve", "--max-streams", optarg, &v))
                return 1;
            if (v < 1 || v > 100000)
                rc = cli_usage(c, "serve", "--max-streams wants 1 to 100000, got '%s'", optarg);
            so.max_streams = (int)(v < 1 || v > 100000 ? 1 : v);
            break;
        }
        case 'h':
            fputs(serve_help, stdout);
            return 0;
        default:
            rc = cli_usage(c, "serve", "bad option");
        }
    }
    if (rc == 0 && !so.ws_path)
        rc = cli_usage(c, "serve", "-w WS is required");
    if (rc == 0 && optind != argc)
        rc = cli_usage(c, "serve", "unexpected argument '%s'", argv[optind]);
    if (rc != 0)
        return rc;
    serving sv = {c, so.ws_path};
    so.on_ready = ready;
    so.user = &sv;
    wg_status st = wg_serve(c->ctx, &so);
    if (st != WG_OK)
        return cli_fail(c, st);
    if (!c->quiet)
        printf("stopped\n");
    return 0;
}
