/* Every fsync and fdatasync of a process made FSYNC_DELAY_US microseconds slower, as on a
 * busy or shared disk: what residents wait for when SQLite syncs (bench/commits.py,
 * bench/README.md "At e27192a").
 *
 *     gcc -shared -fPIC -O2 -o /tmp/slow_fsync.so bench/slow_fsync.c -ldl
 *     LD_PRELOAD=/tmp/slow_fsync.so FSYNC_DELAY_US=5000 .venv/bin/python bench/commits.py
 *
 * A measuring aid only: nothing of the bot uses it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static long delay_us = -1;

static void wait_first(void) {
    if (delay_us < 0) {
        const char *set = getenv("FSYNC_DELAY_US");
        delay_us = set ? atol(set) : 0;
    }
    if (delay_us > 0) {
        struct timespec pause = {delay_us / 1000000, (delay_us % 1000000) * 1000};
        nanosleep(&pause, NULL);
    }
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    wait_first();
    return real(fd);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    wait_first();
    return real(fd);
}
