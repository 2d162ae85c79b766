/* A program that leaks 2 MB/s for 3 s with the tracker watching, then loses the tracker's stream while
 * it runs on and keeps leaking for 4 s:
 *   close-all    closes every descriptor above stderr one by one (daemons do): the tracker's socket moves
 *                out of the loop's way (its close hook) and the stream goes on, so nothing is lost
 *   close-raw    closes every descriptor above stderr by the raw close_range system call, which no hook
 *                sees: the tracker's socket goes with them
 *   corrupt      writes bytes of its own into the tracker's socket (found in /proc/self/fd)
 *   exec-static  exec's the static build of itself (argv[2]), which the tracker cannot enter
 *   silence      takes the tracker's socket over but keeps it open (a dup), /dev/null in its place by
 *                the raw dup3 system call (the dup2 hook would move the socket away first): the tracker
 *                stops sending and the stream stays connected but silent; leaks for 8 s
 *   stop         prints its pid, then stops itself (SIGSTOP) until the test continues it; leaks 3 s more
 *   exec-quiet   exec's itself (dynamically linked: the tracker is preloaded in it again) in mode quiet
 *   quiet        sleeps 4 s without a single malloc, so its tracker never reports: it lost nothing
 *   leak         (the static build's mode) only leaks
 * Each block is touched, so RSS grows with the leak. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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

/* The tracker's socket: the only socket this program has (-1 if none). */
static int tracker_socket(void) {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return -1;
    char link[64], target[128];
    int found = -1;
    for (struct dirent* entry; found < 0 && (entry = readdir(dir)) != NULL;) {
        int fd = atoi(entry->d_name);
        if (fd <= 2 || fd == dirfd(dir)) continue;
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = '\0';
        if (strncmp(target, "socket:", 7) == 0) found = fd;
    }
    closedir(dir);
    return found;
}

static void corrupt_tracker_socket(void) {
    int fd = tracker_socket();
    if (fd >= 0 && write(fd, "not a tracker packet", 20) < 0) perror("write");
}

/* The stream stays open through a copy kept here; the tracker finds another file under its number and
 * stops sending (it never writes to a descriptor the program reused). Raw: no hook sees it coming. */
static void silence_tracker_socket(void) {
    int fd = tracker_socket();
    int null = open("/dev/null", O_WRONLY);
    if (fd < 0 || null < 0 || dup(fd) < 0 || syscall(SYS_dup3, null, fd, 0) < 0) perror("silence");
    close(null);
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "leak") == 0) {
        leak_for(4.0);
        return 0;
    }
    if (strcmp(mode, "quiet") == 0) {
        struct timespec quiet = {4, 0};
        nanosleep(&quiet, NULL);
        static const char done[] = "lost_stream exec-quiet done\n";  /* write(2): stdio would malloc its buffer */
        return write(STDOUT_FILENO, done, sizeof done - 1) < 0;
    }
    if (strcmp(mode, "stop") == 0) {
        printf("pid %d\n", (int)getpid());
        fflush(stdout);
        leak_for(3.0);
        raise(SIGSTOP);
        leak_for(3.0);
        printf("lost_stream stop done\n");
        return 0;
    }
    leak_for(3.0);
    if (strcmp(mode, "close-all") == 0) {
        close_all();
    } else if (strcmp(mode, "close-raw") == 0) {
        if (syscall(SYS_close_range, 3u, ~0u, 0) != 0) perror("close_range");
    } else if (strcmp(mode, "silence") == 0) {
        silence_tracker_socket();
        leak_for(4.0);  /* with the 4 s after the switch below: 8 s, past the 5 s silence and its check */
    } else if (strcmp(mode, "corrupt") == 0) {
        corrupt_tracker_socket();
    } else if (strcmp(mode, "exec-quiet") == 0) {
        execl("/proc/self/exe", argv[0], "quiet", (char*)NULL);
        perror("exec");
        return 1;
    } else if (strcmp(mode, "exec-static") == 0 && argc > 2) {
        execl(argv[2], argv[2], "leak", (char*)NULL);
        perror("exec");
        return 1;
    } else {
        fprintf(stderr, "usage: lost_stream close-all|close-raw|corrupt|silence|stop|exec-static STATIC|exec-quiet|leak\n");
        return 2;
    }
    leak_for(4.0);
    printf("lost_stream %s done\n", mode);
    return 0;
}
