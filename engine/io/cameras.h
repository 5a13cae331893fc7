/* engine/io/cameras.h (private): what the fields of a camera register mean — kind spellings,
 * OpenStreetMap-style directions, heights with units, and the defaults per kind for what a
 * register leaves out. Pure text in, numbers out: no SQLite, no geometry, no context, so
 * engine/import.c binds the result and the rules can be tested on their own. */
#ifndef WG_CAMERAS_H
#define WG_CAMERAS_H

#include <stdbool.h>
#include <stddef.h>

/* The register fields wg__cam_read() reads, in this order (the cameras layer's columns). */
enum { WG__CAM_KIND, WG__CAM_HEADING, WG__CAM_FOV, WG__CAM_RANGE, WG__CAM_HEIGHT, WG__CAM_NFIELDS };

/* The column name of each field, for messages and for finding the columns: "kind",
 * "heading_deg", "fov_deg", "range_m", "height_m". */
extern const char *const wg__cam_field[WG__CAM_NFIELDS];

/* One camera's view as stored. */
typedef struct wg__cam_view {
    const char *kind;   /* "fixed", "dome", "ptz" or "high"; static */
    double heading_deg; /* compass bearing of the view's centre, clockwise from north, [0, 360);
                           0 for a full circle given no direction */
    double fov_deg;     /* (0, 360]; 360 is a disc */
    double range_m;     /* > 0 */
    bool has_height;    /* false when the register gives none (height_m is then 0) */
    double height_m;    /* >= 0 */
    char defaulted[20]; /* which of heading, fov, range took a default: "heading,fov,range" or
                           a part of it, in that order; "" when the register gave them all */
} wg__cam_view;

/* Reads one camera's register texts into its stored view. text[WG__CAM_*] is the field's
 * text, or NULL when the register has none (blanks around a text are ignored; an all-blank
 * text counts as missing).
 *
 *   kind     fixed (bullet, box, static, 枪机), dome (半球), ptz (panning, pan, pan-tilt,
 *            球机), high (high-mounted, high_mounted, highmounted, 高空, 高点); ASCII case
 *            does not matter. Missing: high when height >= 20 m, ptz when the direction is
 *            a range, dome when fov >= 360, else fixed.
 *   heading  degrees (any real number, brought into [0, 360)); a compass point N, NNE, ...,
 *            NNW (any case); or a clockwise sweep "a-b" in degrees ("300-60" wraps through
 *            north): heading is then the middle of the sweep and fov its width plus the lens
 *            fov when the register gives one (at most 360), else the width alone.
 *   fov      degrees, > 0 and <= 360.     range, height   metres, optionally "12 m" / "12m";
 *            range > 0, height >= 0.
 *
 * What is missing takes the kind's default (see the table in cameras.c). A view of fov 360
 * needs no heading (0, not counted as a default). A view narrower than 360 with no heading
 * cannot be pointed: it becomes the disc of the same area (fov 360, range * sqrt(fov / 360))
 * and "heading" is listed in defaulted.
 *
 * Returns true and fills *out; or false, leaves *out unspecified and writes into why (n
 * bytes, always NUL-terminated) the field, its value and what is accepted, e.g.
 * "heading_deg = 'north-ish' (expected ...)". */
bool wg__cam_read(const char *const text[WG__CAM_NFIELDS], wg__cam_view *out, char *why, size_t n);

#endif
