/* engine/io/cameras.c: what the fields of a camera register mean (cameras.h) — kind spellings,
 * OpenStreetMap-style directions, lengths with units — and the defaults per kind for what a
 * register leaves out. Knows nothing of SQLite, geometry or where the texts came from. */
#include "cameras.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const wg__cam_field[WG__CAM_NFIELDS] = {"kind", "heading_deg", "fov_deg", "range_m",
                                                    "height_m"};

/* Defaults per kind, for what a register leaves out (README.md, "Cameras", has the same
 * table):
 *
 *   kind    field of view   range
 *   fixed        90°         50 m    box or bullet camera on a wall or pole: one street
 *   dome        360°         30 m    half-sphere under an eave or a ceiling: all round, near
 *   ptz         360°        100 m    pan-tilt-zoom: may turn to any bearing, so the circle
 *   high        360°        300 m    pan camera on a roof or tower (高空, 高点): a district
 *
 * The values sit inside DOMAIN.md's ranges (fixed cameras 60-120°, 30-100 m; high-mounted
 * ones hundreds of metres). A kind of 360° needs no heading. A camera without a kind is
 * high when mounted at HIGH_MIN_HEIGHT_M or more, ptz when its direction is a sweep, dome
 * when its field of view is a full circle, else fixed. */
typedef struct kind_def {
    const char *name;         /* canonical, as stored */
    const char *spellings[6]; /* other accepted spellings, NULL-terminated */
    double fov_deg, range_m;  /* the defaults */
} kind_def;

static const kind_def kinds[] = {
    {"fixed", {"bullet", "box", "static", "枪机", NULL}, 90.0, 50.0},
    {"dome", {"半球", "360", NULL}, 360.0, 30.0}, /* OSM camera:type=360 */
    {"ptz", {"panning", "pan", "pan-tilt", "球机", NULL}, 360.0, 100.0},
    {"high", {"high-mounted", "high_mounted", "highmounted", "高空", "高点"}, 360.0, 300.0},
};
enum { FIXED, DOME, PTZ, HIGH, NKINDS };

#define HIGH_MIN_HEIGHT_M 20.0

static const char *const compass[16] = {"N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
                                        "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"};

/* Compass words as OSM mappers write them, and their bearings. */
static const struct {
    const char *word;
    double deg;
} compass_words[] = {{"north", 0},   {"northeast", 45},  {"north-east", 45},
                     {"east", 90},   {"southeast", 135}, {"south-east", 135},
                     {"south", 180}, {"southwest", 225}, {"south-west", 225},
                     {"west", 270},  {"northwest", 315}, {"north-west", 315}};

/* A field's text without the blanks around it; s == NULL when missing or all blank. */
typedef struct span {
    const char *s;
    size_t n;
} span;

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static span trim(const char *t)
{
    span v = {NULL, 0};
    if (!t)
        return v;
    while (blank(*t))
        t++;
    size_t n = strlen(t);
    while (n > 0 && blank(t[n - 1]))
        n--;
    if (n > 0)
        v = (span){t, n};
    return v;
}

/* How many bytes of v a message shows: at most 80, never cutting a UTF-8 character. */
static int shown(span v)
{
    size_t n = v.n;
    if (n > 80) {
        n = 80;
        while (n > 0 && ((unsigned char)v.s[n] & 0xC0) == 0x80)
            n--;
    }
    return (int)n;
}

/* v equals word, ignoring ASCII case (bytes of other scripts must match exactly, whatever the
 * locale). */
static bool same_word(span v, const char *word)
{
    if (strlen(word) != v.n)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        char a = v.s[i], b = word[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a + ('a' - 'A'));
        if (b >= 'A' && b <= 'Z')
            b = (char)(b + ('a' - 'A'));
        if (a != b)
            return false;
    }
    return true;
}

static const kind_def *find_kind(span v)
{
    for (size_t k = 0; k < NKINDS; k++) {
        if (same_word(v, kinds[k].name))
            return &kinds[k];
        for (const char *const *s = kinds[k].spellings; *s; s++)
            if (same_word(v, *s))
                return &kinds[k];
    }
    return NULL;
}

static const char *skip_blanks(const char *p, const char *end)
{
    while (p < end && blank(*p))
        p++;
    return p;
}

/* A finite number (strtod's syntax) at *p, not reaching past end; *p moves past it. The
 * text after a span is blanks and a NUL, so strtod stops inside the span. */
static bool number_at(const char **p, const char *end, double *d)
{
    char *e = NULL;
    errno = 0;
    double v = strtod(*p, &e);
    if (e == *p || e > end || errno == ERANGE || !isfinite(v))
        return false;
    *p = e;
    *d = v;
    return true;
}

/* The whole of v is a number, optionally followed by `unit` ("m": "12", "12 m", "12m"). */
static bool read_number(span v, char unit, double *d)
{
    const char *p = v.s, *end = v.s + v.n;
    if (!number_at(&p, end, d))
        return false;
    p = skip_blanks(p, end);
    if (unit && p < end && (*p == unit || *p == unit - ('a' - 'A')))
        p = skip_blanks(p + 1, end);
    return p == end;
}

/* A bearing brought into [0, 360). */
static double bearing(double deg)
{
    double b = fmod(deg, 360.0);
    if (b < 0)
        b += 360.0;
    if (b >= 360.0 || b == 0) /* -1e-20 + 360 rounds to 360; -0 becomes 0 */
        b = 0;
    return b;
}

typedef struct direction {
    bool given, sweep;
    double heading_deg; /* the bearing, or the middle of the sweep */
    double width_deg;   /* the sweep's width, (0, 360] */
} direction;

/* An OSM camera:direction: degrees, a compass point (N, NNE, ...) or word (north, south-east,
 * ...), or a clockwise sweep "a-b". */
static bool read_direction(span v, direction *dir)
{
    double a = 0, b = 0;
    if (read_number(v, 0, &a)) {
        *dir = (direction){.given = true, .heading_deg = bearing(a)};
        return true;
    }
    for (size_t i = 0; i < 16; i++) {
        if (same_word(v, compass[i])) {
            *dir = (direction){.given = true, .heading_deg = 22.5 * (double)i};
            return true;
        }
    }
    for (size_t i = 0; i < sizeof compass_words / sizeof compass_words[0]; i++) {
        if (same_word(v, compass_words[i].word)) {
            *dir = (direction){.given = true, .heading_deg = compass_words[i].deg};
            return true;
        }
    }
    const char *p = v.s, *end = v.s + v.n;
    if (!number_at(&p, end, &a))
        return false;
    p = skip_blanks(p, end);
    if (p == end || *p != '-')
        return false;
    p++;
    if (!number_at(&p, end, &b) || skip_blanks(p, end) != end)
        return false;
    double width = bearing(b) - bearing(a);
    if (width < 0)
        width += 360.0;
    if (width == 0 && a != b) /* 0-360: a full turn, not none */
        width = 360.0;
    if (width == 0)
        return false;
    *dir = (direction){
        .given = true, .sweep = true, .heading_deg = bearing(a + width / 2), .width_deg = width};
    return true;
}

/* Appends s to buf (cap bytes, NUL-terminated), as much as fits. */
static void append(char *buf, size_t cap, const char *s)
{
    size_t used = strlen(buf);
    if (used + 1 < cap)
        snprintf(buf + used, cap - used, "%s", s);
}

/* "fixed (bullet, box, ...), dome (...), ...": the accepted spellings, for a message. */
static void kinds_text(char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t k = 0; k < NKINDS; k++) {
        append(buf, cap, k ? ", " : "");
        append(buf, cap, kinds[k].name);
        for (const char *const *s = kinds[k].spellings; *s; s++) {
            append(buf, cap, s == kinds[k].spellings ? " (" : ", ");
            append(buf, cap, *s);
        }
        append(buf, cap, ")");
    }
}

/* What the register gave, checked; has[f] tells which fields it gave. */
typedef struct reg_fields {
    bool has[WG__CAM_NFIELDS];
    const kind_def *kind;
    direction dir;
    double fov_deg, range_m, height_m;
} reg_fields;

/* Reads and checks each field on its own; false with why when one is bad. */
static bool read_fields(const span v[WG__CAM_NFIELDS], reg_fields *g, char *why, size_t n)
{
    const char *const *name = wg__cam_field;
    for (size_t f = 0; f < WG__CAM_NFIELDS; f++)
        g->has[f] = v[f].s != NULL;
    if (g->has[WG__CAM_KIND] && !(g->kind = find_kind(v[WG__CAM_KIND]))) {
        char list[256];
        kinds_text(list, sizeof list);
        snprintf(why, n, "%s = '%.*s' (must be one of %s)", name[WG__CAM_KIND],
                 shown(v[WG__CAM_KIND]), v[WG__CAM_KIND].s, list);
        return false;
    }
    if (g->has[WG__CAM_HEADING] && !read_direction(v[WG__CAM_HEADING], &g->dir)) {
        snprintf(why, n,
                 "%s = '%.*s' (expected degrees, a compass point N, NNE, NE, ENE, E, ESE, SE, "
                 "SSE, S, SSW, SW, WSW, W, WNW, NW, NNW, a word such as north or south-east, or a "
                 "clockwise sweep a-b in degrees such as 300-60)",
                 name[WG__CAM_HEADING], shown(v[WG__CAM_HEADING]), v[WG__CAM_HEADING].s);
        return false;
    }
    static const struct {
        int field;
        char unit;
        double min;
        bool min_open;
        const char *rule;
    } nums[] = {{WG__CAM_FOV, 0, 0.0, true, "must be > 0 and <= 360"},
                {WG__CAM_RANGE, 'm', 0.0, true, "must be > 0"},
                {WG__CAM_HEIGHT, 'm', 0.0, false, "must be >= 0"}};
    double *out[] = {&g->fov_deg, &g->range_m, &g->height_m};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        span t = v[nums[i].field];
        if (!t.s)
            continue;
        double d = 0;
        if (!read_number(t, nums[i].unit, &d)) {
            snprintf(why, n, "%s = '%.*s' is not a number%s", name[nums[i].field], shown(t), t.s,
                     nums[i].unit ? " of metres (12, 12 m)" : "");
            return false;
        }
        bool low = nums[i].min_open ? d <= nums[i].min : d < nums[i].min;
        if (low || (nums[i].field == WG__CAM_FOV && d > 360.0)) {
            snprintf(why, n, "%s = %.*s (%s)", name[nums[i].field], shown(t), t.s, nums[i].rule);
            return false;
        }
        *out[i] = d;
    }
    return true;
}

/* The kind of a camera whose register gives none. */
static const kind_def *guess_kind(const reg_fields *g)
{
    if (g->has[WG__CAM_HEIGHT] && g->height_m >= HIGH_MIN_HEIGHT_M)
        return &kinds[HIGH];
    if (g->dir.sweep)
        return &kinds[PTZ];
    if (g->has[WG__CAM_FOV] && g->fov_deg >= 360.0)
        return &kinds[DOME];
    return &kinds[FIXED];
}

bool wg__cam_read(const char *const text[WG__CAM_NFIELDS], wg__cam_view *out, char *why, size_t n)
{
    span v[WG__CAM_NFIELDS];
    for (size_t f = 0; f < WG__CAM_NFIELDS; f++)
        v[f] = trim(text[f]);
    reg_fields g = {0};
    if (!read_fields(v, &g, why, n))
        return false;
    const kind_def *kind = g.kind ? g.kind : guess_kind(&g);
    bool d_heading = false, d_fov = false, d_range = false;
    double fov = kind->fov_deg, range = kind->range_m;
    if (g.dir.sweep) /* a panning camera may see the whole sweep, widened by its lens */
        fov = g.has[WG__CAM_FOV] ? fmin(360.0, g.dir.width_deg + g.fov_deg) : g.dir.width_deg;
    else if (g.has[WG__CAM_FOV])
        fov = g.fov_deg;
    else
        d_fov = true;
    if (g.has[WG__CAM_RANGE])
        range = g.range_m;
    else
        d_range = true;
    double heading = g.dir.given ? g.dir.heading_deg : 0.0;
    if (!g.dir.given && fov < 360.0) {
        /* A sector with no bearing cannot be placed. The disc of the same area keeps what
         * coverage sums add up (the area seen) without claiming a direction. */
        range *= sqrt(fov / 360.0);
        fov = 360.0;
        d_heading = true;
    }
    *out = (wg__cam_view){.kind = kind->name,
                          .heading_deg = heading,
                          .fov_deg = fov,
                          .range_m = range,
                          .has_height = g.has[WG__CAM_HEIGHT],
                          .height_m = g.has[WG__CAM_HEIGHT] ? g.height_m : 0.0};
    snprintf(out->defaulted, sizeof out->defaulted, "%s%s%s%s%s", d_heading ? "heading" : "",
             d_heading && (d_fov || d_range) ? "," : "", d_fov ? "fov" : "",
             d_fov && d_range ? "," : "", d_range ? "range" : "");
    return true;
}
