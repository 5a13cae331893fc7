/* wg/chinacoord.h: conversions between WGS 84 and the two obfuscated datums used by Chinese web
 * maps, GCJ-02 ("Mars" coordinates: Amap, Tencent, Apple maps in China) and BD-09 (Baidu).
 *
 * Every function is pure: no context, no allocation, no global state, safe from any thread.
 * Coordinates are longitude/latitude in degrees; inputs must be finite. Outputs are written
 * through out_lon/out_lat, which must not be NULL (they may point at variables the caller also
 * passed by value). The algorithms are the published ones (Krasovsky-ellipsoid offsets for
 * GCJ-02, Baidu's polar offset for BD-09); "exact" below means the inverse is solved by
 * iteration to 1e-9 degrees (about 0.1 mm), not the common one-step approximation, which errs by
 * up to a few metres. */
#ifndef WG_CHINACOORD_H
#define WG_CHINACOORD_H

#include <stdbool.h>

/* True when (lon, lat) lies in the rectangle the published GCJ-02 code treats as China:
 * 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271 (edges included). Outside it GCJ-02
 * equals WGS 84. The rectangle is coarse: it includes parts of neighbouring countries and the
 * sea, exactly as Chinese map providers do. */
bool wg_gcj02_applies(double lon, double lat);

/* WGS 84 -> GCJ-02. Identity when !wg_gcj02_applies(lon, lat). */
void wg_wgs84_to_gcj02(double lon, double lat, double *out_lon, double *out_lat);

/* GCJ-02 -> WGS 84, exact: the result w satisfies wg_wgs84_to_gcj02(w) == (lon, lat) to within
 * 1e-9 degrees. Identity when !wg_gcj02_applies(lon, lat); the rectangle test is made on the
 * GCJ-02 input, so within a few hundred metres of the rectangle's edge the result may itself
 * fall just outside it. */
void wg_gcj02_to_wgs84(double lon, double lat, double *out_lon, double *out_lat);

/* GCJ-02 -> BD-09. Baidu applies its offset everywhere, so this is never the identity. */
void wg_gcj02_to_bd09(double lon, double lat, double *out_lon, double *out_lat);

/* BD-09 -> GCJ-02, exact inverse of wg_gcj02_to_bd09 (to 1e-9 degrees). The widely copied
 * one-step formula errs by up to about 0.2 m; this does not. */
void wg_bd09_to_gcj02(double lon, double lat, double *out_lon, double *out_lat);

/* WGS 84 -> BD-09: wg_wgs84_to_gcj02 then wg_gcj02_to_bd09. Outside China only the Baidu offset
 * applies. */
void wg_wgs84_to_bd09(double lon, double lat, double *out_lon, double *out_lat);

/* BD-09 -> WGS 84: wg_bd09_to_gcj02 then wg_gcj02_to_wgs84 (both exact). */
void wg_bd09_to_wgs84(double lon, double lat, double *out_lon, double *out_lat);

#endif
