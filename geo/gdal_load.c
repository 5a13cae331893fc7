/* geo/gdal_load.c: opens GDAL on first use (see gdal_load.h for why). */
#include "gdal_load.h"

#include "geo_int.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#ifndef WG_GDAL_SONAME
#error "WG_GDAL_SONAME (the shared library to load, e.g. libgdal.so.32) comes from the build"
#endif

/* (f is GDAL's name, now a macro for the pointer: the pointer's own type, not f's) */
#define WG_X(f) __typeof__(wg__gdal_##f) wg__gdal_##f;
WG_GDAL_FUNCS(WG_X)
#undef WG_X

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512]; /* empty when GDAL loaded */

static void load(void)
{
    void *lib = dlopen(WG_GDAL_SONAME, RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "cannot load GDAL (%s): %s", WG_GDAL_SONAME,
                 dlerror());
        return;
    }
    /* dlsym returns an object pointer; POSIX guarantees it converts to a function pointer */
#define WG_X(f)                                                                                    \
    if (!load_error[0] && !(*(void **)&wg__gdal_##f = dlsym(lib, #f)))                             \
        snprintf(load_error, sizeof load_error, "GDAL (%s) has no function %s", WG_GDAL_SONAME, #f);
    WG_GDAL_FUNCS(WG_X)
#undef WG_X
    if (!load_error[0])
        GDALAllRegister();
}

wg_status wg__gdal_load(wg_ctx *ctx)
{
    pthread_once(&once, load);
    if (load_error[0])
        return wg_fail(ctx, WG_EGDAL, "%s", load_error);
    return WG_OK;
}

static void CPL_STDCALL on_cpl_error(CPLErr cls, CPLErrorNum num, const char *msg)
{
    (void)num;
    wg__gdal_err *e = CPLGetErrorHandlerUserData();
    if (cls >= CE_Failure && !e->failed) {
        e->failed = true;
        snprintf(e->msg, sizeof e->msg, "%s", msg);
    }
}

void wg__gdal_push(wg__gdal_err *e)
{
    e->failed = false;
    e->msg[0] = '\0';
    CPLPushErrorHandlerEx(on_cpl_error, e);
}
