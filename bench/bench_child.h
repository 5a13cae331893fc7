/* bench/bench_child.h: running one step of a benchmark in a child process, so that its peak
 * resident memory is its own. Header-only; each benchmark is one file. */
#ifndef WG_BENCH_CHILD_H
#define WG_BENCH_CHILD_H

#include "wg/core.h"

#include <stdio.h>
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
        wg_init();
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

#endif
