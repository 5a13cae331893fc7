/* tests/fuzz/fuzz.h: the entry points every fuzz target defines (libFuzzer's), and the helpers
 * the targets share (fuzz_support.c): one context per process, a temporary folder that is
 * removed at exit, and a small workspace to import into.
 *
 * A target is built twice: with libFuzzer (WG_FUZZ=ON, clang) and, in every build, with
 * replay_main.c, which runs the files of its seed corpus through it as a ctest test. */
#ifndef WG_FUZZ_H
#define WG_FUZZ_H

#include "wg/core.h"
#include "wg/ws.h"

#include <stddef.h>
#include <stdint.h>

/* Runs one input; returns 0. A finding is a crash, a sanitizer report, a leak, or abort() from
 * fuzz_expect(). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional, once per process before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The process's context, made on the first call and freed at exit. */
wg_ctx *fuzz_ctx(void);

/* The input as a NUL-terminated string (bytes after a NUL are cut off); caller frees. Aborts
 * when out of memory. */
char *fuzz_text(const uint8_t *data, size_t size);

/* The process's temporary folder (under $TMPDIR, else /tmp), made on the first call; it and
 * everything in it are removed at exit. Nothing the targets do writes anywhere else. */
const char *fuzz_dir(void);

/* Writes data to the file `name` in fuzz_dir() and returns its path (static until the next
 * call). Aborts when the file cannot be written. */
const char *fuzz_file(const char *name, const void *data, size_t size);

/* The process's workspace, made on the first call in fuzz_dir() (EPSG:4549, as the fixtures):
 * three units U1-U3 (two squares and an address point) near 121.40 E, 31.20 N, workers W1 and
 * W2, and an active plan of cells A and B, so that rows of postings and visits can match.
 * Closed at exit. Aborts when it cannot be made. */
wg_ws *fuzz_workspace(void);

/* Writes the input to the file `name` in fuzz_dir() and imports it into each of the layers
 * layers[0..n) of fuzz_workspace() through wg_import(), checking each with fuzz_expect(). The
 * options come from fuzz_pick(): --skip-invalid, --tz Asia/Shanghai, --no-repair, --src-crs
 * EPSG:4549 (for x/y columns in metres), and a --time-format. */
void fuzz_import(const char *name, const uint8_t *data, size_t size, const char *const *layers,
                 size_t n);

/* What every reader promises about outside bytes: it accepts them (WG_OK) or refuses them with
 * WG_EINPUT and a message. Anything else aborts with `what` and the message, so that the fuzzer
 * keeps the input. Then forgets the error and the warnings. */
void fuzz_expect(wg_status st, const char *what);

/* A small number (0-255) taken from the input, to choose options so that a mutation can reach
 * every combination and a replay makes the same choice. */
unsigned fuzz_pick(const uint8_t *data, size_t size);

#endif
