/* A program that leaks 2 MB/s for 3 s with the tracker watching, then loses the tracker's stream while
 * it runs on and keeps leaking for 4 s:
 *   close-all    closes every descriptor above stderr (daemons do), the tracker's socket with them
 *   corrupt      writes bytes of its own into the tracker's socket (found in /proc/self/fd)
 *   exec-static  exec's the static build of itself (argv[2]), which the tracker cannot enter
 *   leak         (the static build's mode) only leaks
 * Each block is touched, so RSS grows with the leak. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static void leak_for(double seconds) {
    struct timespec step = {0, 50 * 1000 * 1000};
    for (int i = 0; i < (int)(seconds * 20); ++i) {
        char* block = malloc(100000);
        if (block) memset(block, i & 0xff, 100000);
        nanosleep(&step, NULL);
    }
}

static void close_all(void) {
    struct rlimit limit;
    int top = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536 ? (int)limit.rlim_cur : 65536;
    for (int fd = 3; fd < top; ++fd) close(fd);
}

static void corrupt_tracker_socket(void) {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return;
    char link[64], target[128];
    for (struct dirent* entry; (entry = readdir(dir)) != NULL;) {
        int fd = atoi(entry->d_name);
        if (fd <= 2 || fd == dirfd(dir)) continue;
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = '\0';
        if (strncmp(target, "socket:", 7) == 0 && write(fd, "not a tracker packet", 20) < 0) perror("write");
    }
    closedir(dir);
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "leak") == 0) {
        leak_for(4.0);
        return 0;
    }
    leak_for(3.0);
    if (strcmp(mode, "close-all") == 0) close_all();
    else if (strcmp(mode, "corrupt") == 0) corrupt_tracker_socket();
    else if (strcmp(mode, "exec-static") == 0 && argc > 2) {
        execl(argv[2], argv[2], "leak", (char*)NULL);
        perror("exec");
        return 1;
    } else {
        fprintf(stderr, "usage: lost_stream close-all|corrupt|exec-static STATIC|leak\n");
        return 2;
    }
    leak_for(4.0);
    printf("lost_stream %s done\n", mode);
    return 0;
}
