/* geo/atomic.c: files written whole or not at all (wg/atomic.h). */
#define _GNU_SOURCE /* strndup, O_CLOEXEC */
#include "wg/atomic.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct wg_atomic {
    char *path;     /* the destination */
    char *dir;      /* its folder ("." when the path has none) */
    char *base;     /* its name in the folder */
    char *tmp;      /* the temporary file, or folder for a set */
    char *tmp_main; /* a set: tmp/base */
    bool set;
    int fd; /* the temporary file's, -1 once closed */
    FILE *stream;
};

static void remove_stale(const char *dir, const char *base);

static char *joined(const char *a, const char *sep, const char *b)
{
    size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, sep, b);
    return s;
}

static void atomic_free(wg_atomic *a)
{
    if (a->stream)
        fclose(a->stream);
    else if (a->fd >= 0)
        close(a->fd);
    free(a->path), free(a->dir), free(a->base), free(a->tmp), free(a->tmp_main);
    free(a);
}

static wg_status cannot_create(wg_ctx *ctx, const wg_atomic *a, int err)
{
    struct stat sb;
    if (err == ENOENT || (err == ENOTDIR && stat(a->dir, &sb) != 0))
        return wg_fail(ctx, WG_EIO, "%s: its folder %s does not exist", a->path, a->dir);
    if (err == EACCES || err == EPERM || err == EROFS)
        return wg_fail(ctx, WG_EIO, "%s: its folder %s is not writable (%s)", a->path, a->dir,
                       strerror(err));
    return wg_fail(ctx, WG_EIO, "%s: cannot write in its folder %s: %s", a->path, a->dir,
                   strerror(err));
}

/* Creates the file named by `pattern` (ending in XXXXXX, replaced by random letters) with
 * O_EXCL, as open() with mode 0666 does: the umask applies, as it does to any file a user's
 * program writes (mkstemp would make it 0600). The descriptor, or -1 with errno set. */
static int open_exclusive(char *pattern)
{
    static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    char *x = pattern + strlen(pattern) - 6;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t r = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)pattern;
    for (int attempt = 0; attempt < 100; attempt++) {
        for (int k = 0; k < 6; k++) {
            r = r * 6364136223846793005u + 1442695040888963407u;
            x[k] = abc[(r >> 33) % (sizeof abc - 1)];
        }
        int fd = open(pattern, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

wg_status wg_atomic_begin(wg_ctx *ctx, const char *path, bool set, wg_atomic **out)
{
    *out = NULL;
    size_t n = path ? strlen(path) : 0;
    if (n == 0)
        return wg_fail(ctx, WG_EINPUT, "no file name to write to");
    if (path[n - 1] == '/')
        return wg_fail(ctx, WG_EINPUT, "%s: names a folder, not a file", path);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return wg_fail(ctx, WG_EINPUT, "%s: is a folder, not a file", path);
    wg_atomic *a = calloc(1, sizeof *a);
    if (!a)
        return wg_fail(ctx, WG_ENOMEM, "out of memory writing %s", path);
    a->fd = -1;
    a->set = set;
    const char *slash = strrchr(path, '/');
    a->path = strdup(path);
    a->base = strdup(slash ? slash + 1 : path);
    a->dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    char *name = a->base ? joined(".", "", a->base) : NULL;
    char *pattern = name && a->dir ? joined(a->dir, "/", name) : NULL;
    free(name);
    char pid[32];
    snprintf(pid, sizeof pid, ".%ld.XXXXXX", (long)getpid());
    a->tmp = pattern ? joined(pattern, "", pid) : NULL;
    free(pattern);
    if (!a->path || !a->base || !a->dir || !a->tmp) {
        atomic_free(a);
        return wg_fail(ctx, WG_ENOMEM, "out of memory writing %s", path);
    }
    remove_stale(a->dir, a->base);
    if (set) {
        if (!mkdtemp(a->tmp)) {
            wg_status st = cannot_create(ctx, a, errno);
            atomic_free(a);
            return st;
        }
        if (!(a->tmp_main = joined(a->tmp, "/", a->base))) {
            rmdir(a->tmp);
            atomic_free(a);
            return wg_fail(ctx, WG_ENOMEM, "out of memory writing %s", path);
        }
    } else if ((a->fd = open_exclusive(a->tmp)) < 0) {
        wg_status st = cannot_create(ctx, a, errno);
        atomic_free(a);
        return st;
    }
    *out = a;
    return WG_OK;
}

const char *wg_atomic_path(const wg_atomic *a)
{
    return a->path;
}

const char *wg_atomic_tmp(const wg_atomic *a)
{
    return a->tmp;
}

const char *wg_atomic_tmp_main(const wg_atomic *a)
{
    return a->tmp_main;
}

FILE *wg_atomic_stream(wg_atomic *a)
{
    if (!a->stream && !a->set && a->fd >= 0)
        a->stream = fdopen(a->fd, "w");
    return a->stream;
}

/* fsync of a file or folder by name. */
static int sync_path(const char *path, bool dir)
{
    int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    errno = err;
    return rc;
}

static void empty_dir(int fd);

/* Removes the file or folder (and what is in it) `name` in the folder open as fd. */
static void remove_at(int fd, const char *name)
{
    if (unlinkat(fd, name, 0) != 0 && errno == EISDIR) {
        int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sub >= 0)
            empty_dir(sub);
        unlinkat(fd, name, AT_REMOVEDIR);
    }
}

/* Removes the files in the folder open as fd, and the folders in it the same way; closes fd.
 * Allocates nothing (it runs when cleaning up after a failure, out of memory included). */
static void empty_dir(int fd)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        remove_at(fd, e->d_name);
    }
    closedir(d); /* closes fd */
}

/* Removes the temporaries of `base` in dir that killed runs left (".BASE.PID.XXXXXX" of a
 * process that no longer exists). Best effort: what cannot be removed stays. */
static void remove_stale(const char *dir, const char *base)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    size_t nb = strlen(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (n[0] != '.' || strncmp(n + 1, base, nb) != 0 || n[1 + nb] != '.')
            continue;
        char *end = NULL;
        long pid = strtol(n + 2 + nb, &end, 10);
        if (end == n + 2 + nb || *end != '.' || strlen(end + 1) != 6 || pid <= 0 ||
            pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        remove_at(fd, n);
    }
    closedir(d);
}

/* Removes a temporary folder and what is in it. */
static void remove_tmpdir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0)
        empty_dir(fd);
    rmdir(dir);
}

/* The names of the files in folder dir, main (if there) last. */
static wg_status list_set(wg_ctx *ctx, const wg_atomic *a, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    size_t cap = 0;
    DIR *d = opendir(a->tmp);
    if (!d)
        return wg_fail(ctx, WG_EIO, "%s: its temporary folder vanished: %s", a->path,
                       strerror(errno));
    wg_status st = WG_OK;
    struct dirent *e;
    while (st == WG_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *s = strdup(e->d_name);
        if (!s || (st = wg_grow(ctx, (void **)names, &cap, *n + 1, sizeof **names)) != WG_OK) {
            free(s);
            st = st != WG_OK ? st : wg_fail(ctx, WG_ENOMEM, "out of memory writing %s", a->path);
            break;
        }
        (*names)[(*n)++] = s;
    }
    closedir(d);
    for (size_t i = 0; st == WG_OK && i + 1 < *n; i++)
        if (strcmp((*names)[i], a->base) == 0) { /* the main file moves last */
            char *m = (*names)[i];
            (*names)[i] = (*names)[*n - 1];
            (*names)[*n - 1] = m;
        }
    return st;
}

/* Moves the set's files from the temporary folder into place, each by one rename over the
 * file it replaces (so no destination is ever missing), the main file last. The old files are
 * kept as hard links in tmp/.old until all are in, and put back if a move fails. */
static wg_status move_set(wg_ctx *ctx, wg_atomic *a)
{
    char **names = NULL;
    size_t n = 0, moved = 0;
    wg_status st = list_set(ctx, a, &names, &n);
    char *old = st == WG_OK ? joined(a->tmp, "/", ".old") : NULL;
    if (st == WG_OK && !old)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory writing %s", a->path);
    if (st == WG_OK && mkdir(old, 0700) != 0)
        st = wg_fail(ctx, WG_EIO, "%s: cannot make room for the old files: %s", a->path,
                     strerror(errno));
    /* per file: 0 none was there, 1 the old one kept, 2 one was there but could not be kept */
    int *had = st == WG_OK ? calloc(n + 1, sizeof *had) : NULL;
    if (st == WG_OK && !had)
        st = wg_fail(ctx, WG_ENOMEM, "out of memory writing %s", a->path);
    char **from = st == WG_OK ? calloc(n + 1, sizeof *from) : NULL;
    char **to = st == WG_OK ? calloc(n + 1, sizeof *to) : NULL;
    char **keep = st == WG_OK ? calloc(n + 1, sizeof *keep) : NULL;
    if (st == WG_OK && (!from || !to || !keep))
        st = wg_fail(ctx, WG_ENOMEM, "out of memory writing %s", a->path);
    for (size_t i = 0; st == WG_OK && i < n; i++)
        if (!(from[i] = joined(a->tmp, "/", names[i])) ||
            !(to[i] = joined(a->dir, "/", names[i])) || !(keep[i] = joined(old, "/", names[i])))
            st = wg_fail(ctx, WG_ENOMEM, "out of memory writing %s", a->path);
    /* the new files on disk first, and the old ones kept (a hard link: they stay in place) */
    for (size_t i = 0; st == WG_OK && i < n; i++) {
        if (sync_path(from[i], false) != 0)
            st = wg_fail(ctx, WG_EIO, "%s: cannot sync %s: %s", a->path, names[i], strerror(errno));
        else if (link(to[i], keep[i]) == 0)
            had[i] = 1;
        else
            had[i] = errno == ENOENT ? 0 : 2; /* none, or a file system without links */
    }
    /* each new one over its old one, the main file last */
    for (; st == WG_OK && moved < n; moved++)
        if (rename(from[moved], to[moved]) != 0)
            st = wg_fail(ctx, WG_EIO, "%s: cannot move %s into place: %s", a->path, names[moved],
                         strerror(errno));
    if (st != WG_OK) /* back as it was where it can be: the old files over the new ones */
        for (size_t i = 0; i < moved && to[i] && keep[i]; i++) {
            if (had[i] == 1)
                rename(keep[i], to[i]);
            else if (had[i] == 0)
                unlink(to[i]);
        }
    if (st == WG_OK && sync_path(a->dir, true) != 0)
        st = wg_fail(ctx, WG_EIO, "%s: cannot sync its folder: %s", a->path, strerror(errno));
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
        if (from)
            free(from[i]);
        if (to)
            free(to[i]);
        if (keep)
            free(keep[i]);
    }
    free(names), free(old), free(had), free(from), free(to), free(keep);
    return st;
}

wg_status wg_atomic_end(wg_ctx *ctx, wg_atomic *a, bool commit)
{
    if (!a)
        return WG_OK;
    wg_status st = WG_OK;
    if (!a->set) {
        bool ok = true;
        if (a->stream) {
            ok = fflush(a->stream) == 0;
            ok = fclose(a->stream) == 0 && ok;
            a->stream = NULL;
            a->fd = -1;
        } else if (a->fd >= 0) {
            close(a->fd);
            a->fd = -1;
        }
        /* by name: a library may have written the file through its own descriptor */
        if (commit && (!ok || sync_path(a->tmp, false) != 0))
            st = wg_fail(ctx, WG_EIO, "%s: cannot write: %s", a->path, strerror(errno));
        if (commit && st == WG_OK && rename(a->tmp, a->path) != 0)
            st =
                wg_fail(ctx, WG_EIO, "%s: cannot move it into place: %s", a->path, strerror(errno));
        if (commit && st == WG_OK && sync_path(a->dir, true) != 0)
            st = wg_fail(ctx, WG_EIO, "%s: cannot sync its folder: %s", a->path, strerror(errno));
        if (!commit || st != WG_OK)
            unlink(a->tmp);
    } else {
        if (commit)
            st = move_set(ctx, a);
        remove_tmpdir(a->tmp);
    }
    atomic_free(a);
    return st;
}
