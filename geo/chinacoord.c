/* geo/chinacoord.c: WGS 84 <-> GCJ-02 <-> BD-09, the offsets Chinese web maps apply.
 * Pure arithmetic on degrees: knows nothing of contexts, PROJ, geometries or where the points
 * came from. */
#include "wg/chinacoord.h"

#include <math.h>
#include <stdbool.h>

/* M_PI is POSIX, not C17. */
#define PI 3.14159265358979323846

/* The published constants: Krasovsky 1940 ellipsoid and Baidu's x_pi. */
static const double KRASOVSKY_A = 6378245.0;
static const double KRASOVSKY_EE = 0.00669342162296594323;
static const double X_PI = PI * 3000.0 / 180.0;

/* Inverses stop when a step moves less than this (degrees; about 0.1 mm on the ground) or after
 * MAX_ITER steps. Each step shrinks the error by a factor of about 100, so 4-6 steps suffice. */
static const double INV_TOL_DEG = 1e-12;
enum { MAX_ITER = 50 };

bool wg_gcj02_applies(double lon, double lat)
{
    return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
}

static double transform_lat(double x, double y)
{
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));
    r += (20.0 * sin(6.0 * x * PI) + 20.0 * sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * sin(y * PI) + 40.0 * sin(y / 3.0 * PI)) * 2.0 / 3.0;
    r += (160.0 * sin(y / 12.0 * PI) + 320.0 * sin(y * PI / 30.0)) * 2.0 / 3.0;
    return r;
}

static double transform_lon(double x, double y)
{
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));
    r += (20.0 * sin(6.0 * x * PI) + 20.0 * sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * sin(x * PI) + 40.0 * sin(x / 3.0 * PI)) * 2.0 / 3.0;
    r += (150.0 * sin(x / 12.0 * PI) + 300.0 * sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return r;
}

/* The GCJ-02 offset at a WGS 84 point, without the rectangle test. */
static void gcj_delta(double lon, double lat, double *dlon, double *dlat)
{
    double dy = transform_lat(lon - 105.0, lat - 35.0);
    double dx = transform_lon(lon - 105.0, lat - 35.0);
    double rad_lat = lat / 180.0 * PI;
    double magic = sin(rad_lat);
    magic = 1.0 - KRASOVSKY_EE * magic * magic;
    double sqrt_magic = sqrt(magic);
    *dlat = (dy * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    *dlon = (dx * 180.0) / (KRASOVSKY_A / sqrt_magic * cos(rad_lat) * PI);
}

void wg_wgs84_to_gcj02(double lon, double lat, double *out_lon, double *out_lat)
{
    if (!wg_gcj02_applies(lon, lat)) {
        *out_lon = lon;
        *out_lat = lat;
        return;
    }
    double dlon, dlat;
    gcj_delta(lon, lat, &dlon, &dlat);
    *out_lon = lon + dlon;
    *out_lat = lat + dlat;
}

void wg_gcj02_to_wgs84(double lon, double lat, double *out_lon, double *out_lat)
{
    if (!wg_gcj02_applies(lon, lat)) {
        *out_lon = lon;
        *out_lat = lat;
        return;
    }
    /* Fixed-point iteration w <- w + (g - f(w)): the offset varies slowly (its derivative is
     * about 0.01 degree per degree), so the map is a strong contraction. The first step is the
     * familiar one-step approximation g - delta(g). */
    double wlon = lon, wlat = lat;
    for (int i = 0; i < MAX_ITER; i++) {
        double dlon, dlat;
        gcj_delta(wlon, wlat, &dlon, &dlat);
        double elon = lon - (wlon + dlon), elat = lat - (wlat + dlat);
        wlon += elon;
        wlat += elat;
        if (fabs(elon) < INV_TOL_DEG && fabs(elat) < INV_TOL_DEG)
            break;
    }
    *out_lon = wlon;
    *out_lat = wlat;
}

void wg_gcj02_to_bd09(double lon, double lat, double *out_lon, double *out_lat)
{
    double z = sqrt(lon * lon + lat * lat) + 0.00002 * sin(lat * X_PI);
    double theta = atan2(lat, lon) + 0.000003 * cos(lon * X_PI);
    *out_lon = z * cos(theta) + 0.0065;
    *out_lat = z * sin(theta) + 0.006;
}

void wg_bd09_to_gcj02(double lon, double lat, double *out_lon, double *out_lat)
{
    /* Start from the published one-step inverse, then correct by fixed-point iteration as for
     * GCJ-02: the perturbation terms are tiny, so one or two steps reach 1e-12 degrees. */
    double x = lon - 0.0065, y = lat - 0.006;
    double z = sqrt(x * x + y * y) - 0.00002 * sin(y * X_PI);
    double theta = atan2(y, x) - 0.000003 * cos(x * X_PI);
    double glon = z * cos(theta), glat = z * sin(theta);
    for (int i = 0; i < MAX_ITER; i++) {
        double blon, blat;
        wg_gcj02_to_bd09(glon, glat, &blon, &blat);
        double elon = lon - blon, elat = lat - blat;
        glon += elon;
        glat += elat;
        if (fabs(elon) < INV_TOL_DEG && fabs(elat) < INV_TOL_DEG)
            break;
    }
    *out_lon = glon;
    *out_lat = glat;
}

void wg_wgs84_to_bd09(double lon, double lat, double *out_lon, double *out_lat)
{
    double glon, glat;
    wg_wgs84_to_gcj02(lon, lat, &glon, &glat);
    wg_gcj02_to_bd09(glon, glat, out_lon, out_lat);
}

void wg_bd09_to_wgs84(double lon, double lat, double *out_lon, double *out_lat)
{
    double glon, glat;
    wg_bd09_to_gcj02(lon, lat, &glon, &glat);
    wg_gcj02_to_wgs84(glon, glat, out_lon, out_lat);
}
