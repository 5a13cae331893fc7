/* wg/atomic.h: writing a file so that nobody ever sees half of it.
 *
 * Every file wangge writes for a person (maps, reports, exports, rejects) goes through here:
 * the content goes into a temporary file created exclusively (O_EXCL, a fresh random name, so
 * two runs never write the same one) in the destination's own folder; when it is complete it
 * is flushed to disk (fsync), renamed over the destination in one step, and the folder is
 * synced so that the rename survives a power cut. A reader, a killed run or a full disk leaves
 * either the old file or the new one, and at most a hidden temporary (".NAME.PID.XXXXXX"),
 * which the next write of the same file removes once process PID is gone.
 *
 * Libraries that write a file by name into a folder of their own making (GDAL) write into a
 * temporary folder beside the destination, whose files are then moved in, each by one rename
 * over the file it replaces (the destination is never missing), the main file last; the old
 * files are kept as hard links until all are in, and put back if a move fails. A format of
 * several files (a shapefile: .shp, .shx, .dbf, .prj) is so moved as a set, but between two
 * of its renames a crash can still leave a mixed set: no file system moves several files at
 * once. Single-file formats do not have that window.
 *
 * Paths are never truncated: a path that does not fit is an error naming it. */
#ifndef WG_ATOMIC_H
#define WG_ATOMIC_H

#include "wg/core.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct wg_atomic wg_atomic;

/* Starts writing `path`. With `set` false, creates the temporary file (empty) and opens it;
 * with `set` true, creates a temporary folder in which the writer makes files named as it
 * likes (the set's files, named after the destination). Errors: WG_EINPUT for an empty path or
 * one that names a folder; WG_EIO when the destination's folder is missing or not writable
 * (naming the path and the reason); WG_ENOMEM. */
wg_status wg_atomic_begin(wg_ctx *ctx, const char *path, bool set, wg_atomic **out);

/* The destination, as given. */
const char *wg_atomic_path(const wg_atomic *a);
/* Where to write: the temporary file (for libraries that open a file by name: it exists and is
 * empty; opening it for writing truncates it), or, for a set, the temporary folder. */
const char *wg_atomic_tmp(const wg_atomic *a);
/* For a set: the name the destination's main file has inside the temporary folder
 * (TMPDIR/BASENAME). */
const char *wg_atomic_tmp_main(const wg_atomic *a);
/* A stdio stream on the temporary file (not for a set). The caller writes to it but never
 * closes it. */
FILE *wg_atomic_stream(wg_atomic *a);

/* Ends the write and frees a. With commit: flushes and syncs what was written, moves it into
 * place and syncs the folder; errors (WG_EIO, naming the destination and the reason) leave the
 * old file as it was. Without commit (or after an error): removes the temporary file or folder
 * and leaves the destination untouched. a may be NULL (WG_OK). */
wg_status wg_atomic_end(wg_ctx *ctx, wg_atomic *a, bool commit);

#endif
