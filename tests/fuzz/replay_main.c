/* tests/fuzz/replay_main.c: a main() for a fuzz target outside libFuzzer, so that every build
 * (gcc, and the ASan/UBSan preset) runs the seed corpus and every input a fuzzer has found:
 *   replay_NAME FOLDER|FILE ...
 * runs each file (a folder: each regular file in it, in name order) through
 * LLVMFuzzerTestOneInput(), after LLVMFuzzerInitialize() when the target defines one, and
 * prints how many it ran. Exit status 0, or 1 when a path cannot be read or holds no file; a
 * finding ends the process itself (a sanitizer report or abort()). */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Defined by the targets that need set-up; NULL for the others. */
extern int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Runs one file; false when it cannot be read. */
static bool run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return false;
    }
    uint8_t *data = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            uint8_t *d = realloc(data, cap);
            if (!d) {
                ok = false;
                break;
            }
            data = d;
        }
        size_t k = fread(data + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    if (ferror(f))
        ok = false;
    fclose(f);
    if (!ok) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(data);
        return false;
    }
    /* an exact-size copy, so that ASan sees a read past the input's end */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(data);
        return false;
    }
    if (n)
        memcpy(exact, data, n);
    free(data);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of folder `path`; adds their number to *count. */
static bool run_folder(const char *path, size_t *count)
{
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return false;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    for (const struct dirent *e = readdir(d); e && ok; e = readdir(d)) {
        char file[4200];
        struct stat sb;
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        if (stat(file, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **v = realloc(names, cap * sizeof *v);
            ok = v != NULL;
            if (v)
                names = v;
        }
        if (ok && !(names[n] = strdup(file)))
            ok = false;
        if (ok)
            n++;
    }
    closedir(d);
    if (ok && n > 0)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        if (ok)
            ok = run_file(names[i]);
        free(names[i]);
    }
    free(names);
    *count += n;
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FOLDER|FILE ...\n", argv[0]);
        return 1;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    size_t count = 0;
    bool ok = true;
    for (int i = 1; i < argc && ok; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            ok = false;
        } else if (S_ISDIR(sb.st_mode)) {
            ok = run_folder(argv[i], &count);
        } else {
            ok = run_file(argv[i]);
            count++;
        }
    }
    if (ok && count == 0) {
        fprintf(stderr, "no input files in the paths given\n");
        ok = false;
    }
    printf("replayed %zu inputs\n", count);
    return ok ? 0 : 1;
}
