/* bench/bench_child.h: running one step of a benchmark in a child process, so that its peak
 * resident memory is its own. Header-only; each benchmark is one file. */
#ifndef WG_BENCH_CHILD_H
#define WG_BENCH_CHILD_H

#include "wg/core.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn(scale, dir) in a child and prints "WHAT scale=S peak_rss_mib=N"; returns the
 * child's exit status (1 when it could not run). */
static inline int bench_in_child(int (*fn)(const char *, const char *), const char *what,
                                 const char *scale, const char *dir)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        int rc = fn(scale, dir);
        fflush(stdout);
        _exit(rc);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return 1;
    printf("%s scale=%s peak_rss_mib=%.1f\n", what, scale, (double)ru.ru_maxrss / 1024.0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* The workspace a benchmark keeps in its scale's folder. */
static inline void ws_path(const char *dir, char *out, size_t n)
{
    snprintf(out, n, "%s/bench.wangge", dir);
}

/* Runs a shell command (stdout flushed first, so output stays in order); returns its exit
 * status, or -1 when it did not run or was killed. */
static inline int sh(const char *fmt, ...) WG_PRINTF(1, 2);
static inline int sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof cmd)
        return -1;
    fflush(stdout);
    int rc = system(cmd);
    return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Writes `bytes` of data to DIR/NAME; returns 0, or 1 after saying why on stderr. */
static inline int write_file(const char *dir, const char *name, const void *data, size_t bytes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(data, 1, bytes, fp) != bytes) {
        perror(path);
        if (fp)
            fclose(fp);
        return 1;
    }
    return fclose(fp) == 0 ? 0 : 1;
}

/* This process's resident anonymous memory in MiB (resident minus file-backed pages, from
 * /proc/self/statm), or 0. */
static inline double self_anon_mib(void)
{
    FILE *fp = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0, shared = 0;
    int got = fp ? fscanf(fp, "%lu %lu %lu", &size, &resident, &shared) : 0;
    if (fp)
        fclose(fp);
    long page = sysconf(_SC_PAGESIZE);
    return got == 3 && resident > shared && page > 0
               ? (double)(resident - shared) * (double)page / (1024.0 * 1024.0)
               : 0.0;
}

/* Runs argv (argv[0] a path, no shell) with its standard output to `out` (NULL: /dev/null) and its
 * standard error to ours. *secs gets the wall time from the fork to the child's exit,
 * *mib the child's peak resident memory (ru_maxrss from wait4). That peak also counts the
 * anonymous pages the forked child shared with this process until its exec (Linux keeps the
 * larger of the two), so the callers keep this process small; a peak that could be this
 * process's own is flagged on stderr. Returns 0 when it ran and exited 0; otherwise says why
 * on stderr. */
static inline int run_timed(char *const argv[], const char *out, double *secs, double *mib)
{
    fflush(stdout);
    fflush(stderr);
    double launcher_mib = self_anon_mib();
    double t0 = wg_now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
            _exit(126);
        close(fd);
        execv(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        return 1;
    }
    *secs = wg_now() - t0;
    *mib = (double)ru.ru_maxrss / 1024.0; /* Linux reports KiB */
    if (*mib <= launcher_mib + 1.0)
        fprintf(stderr,
                "bench: the peak memory of %s %s (%.1f MiB) may be the launching "
                "process's (%.1f MiB anonymous at the fork), not its own\n",
                argv[0], argv[1] ? argv[1] : "", *mib, launcher_mib);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        fprintf(stderr, "bench: %s %s exited with status %d\n", argv[0], argv[1] ? argv[1] : "",
                WEXITSTATUS(status));
    else
        fprintf(stderr, "bench: %s %s was killed by signal %d\n", argv[0], argv[1] ? argv[1] : "",
                WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 1;
}

/* run_timed three times: the best wall time, and the peak memory of that run. */
static inline int run_best_of_3(char *const argv[], double *secs, double *peak_mib)
{
    *secs = 1e30;
    for (int run = 0; run < 3; run++) {
        double t = 0, m = 0;
        int rc = run_timed(argv, NULL, &t, &m);
        if (rc != 0)
            return rc;
        if (t < *secs)
            *secs = t, *peak_mib = m;
    }
    return 0;
}

typedef struct bench_step {
    int (*fn)(const char *scale, const char *dir);
    const char *what;
} bench_step;

/* Whether step `what` is among those BENCH_STEPS names (a comma-separated list; unset: all). */
static inline bool bench_step_wanted(const char *what)
{
    const char *list = getenv("BENCH_STEPS");
    if (!list || !*list)
        return true;
    size_t n = strlen(what);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, what, n) == 0)
            return true;
        p += len + (e != NULL);
    }
    return false;
}

/* For each scale named on the command line (default: medium large), runs the steps in order
 * (those BENCH_STEPS names, when set: BENCH_STEPS=prepare,tiles), each in a child, in a fresh
 * temporary folder (under $TMPDIR) removed afterwards; stops at the first failing step.
 * Returns 0 or the failing step's status. */
static inline int bench_scales(int argc, char **argv, const char *name, const bench_step *steps,
                               int nsteps)
{
    const char *defaults[] = {"medium", "large"};
    const char **scales = argc > 1 ? (const char **)argv + 1 : defaults;
    int n = argc > 1 ? argc - 1 : 2;
    const char *base = getenv("TMPDIR");
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s.XXXXXX", base && *base ? base : "/tmp", name);
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
        for (int s = 0; s < nsteps && rc == 0; s++)
            if (bench_step_wanted(steps[s].what))
                rc = bench_in_child(steps[s].fn, steps[s].what, scales[i], dir);
        char cmd[1100];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "%s: could not remove %s\n", name, dir);
    }
    return rc;
}

/* ---- Targets --------------------------------------------------------------------------------
 * A step that checks a target calls bench_target(); bench_main() runs the scales, prints every
 * verdict again at the end, and with --check exits 2 when any target was missed (without it a
 * miss is printed, not an error). The verdicts go through a file because each step runs in a
 * child. */

static char bench_verdict_file[4096];

static inline char *bench_read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 4096, n = 0;
    char *text = malloc(cap);
    while (text) {
        n += fread(text + n, 1, cap - 1 - n, fp);
        if (n < cap - 1)
            break;
        char *more = realloc(text, 2 * cap);
        if (!more)
            free(text);
        text = more;
        cap *= 2;
    }
    fclose(fp);
    if (text)
        text[n] = '\0';
    return text;
}

/* Prints one target's verdict and records it for bench_main; a target without its figure is a
 * miss. */
static inline void bench_target(const char *scale, const char *what, const char *figure, bool pass)
{
    printf("  target       %s: %s: %s %s\n", scale, what, figure, pass ? "PASS" : "MISS");
    FILE *fp = bench_verdict_file[0] ? fopen(bench_verdict_file, "a") : NULL;
    if (fp) {
        fprintf(fp, "%s %s: %s (%s)\n", pass ? "PASS" : "MISS", scale, what, figure);
        fclose(fp);
    }
}

/* main() of a benchmark: `--check` anywhere, the other arguments scales (none: defaults). */
static inline int bench_main(int argc, char **argv, char **defaults, int ndefaults,
                             const char *name, const bench_step *steps, int nsteps)
{
    char **args = calloc((size_t)(argc > ndefaults ? argc : ndefaults) + 1, sizeof *args);
    if (!args)
        return 1;
    bool check = false;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[i], "--check") == 0)
            check = true;
        else
            args[n++] = argv[i];
    }
    if (n <= 1 && defaults) /* no scale named: the benchmark's own */
        for (n = 0; n < ndefaults; n++)
            args[n] = defaults[n];
    const char *base = getenv("TMPDIR");
    snprintf(bench_verdict_file, sizeof bench_verdict_file, "%s/%s_targets.XXXXXX",
             base && *base ? base : "/tmp", name);
    int fd = mkstemp(bench_verdict_file);
    if (fd < 0) {
        perror("mkstemp");
        free(args);
        return 1;
    }
    close(fd);
    int rc = bench_scales(n, args, name, steps, nsteps);
    char *verdicts = bench_read_text(bench_verdict_file);
    size_t ntargets = 0, nmissed = 0;
    for (const char *c = verdicts; c && *c; c = strchr(c, '\n') ? strchr(c, '\n') + 1 : "") {
        ntargets++;
        nmissed += strncmp(c, "MISS", 4) == 0;
    }
    printf("targets: %zu checked, %zu missed%s\n%s", ntargets, nmissed,
           nmissed && !check ? " (not an error without --check)" : "", verdicts ? verdicts : "");
    free(verdicts);
    unlink(bench_verdict_file);
    free(args);
    return rc ? rc : check && nmissed ? 2 : 0;
}

#endif
