/* A small staircase leak on a big base: a realloc'd array growing by half its size (written in session 35,
 * batch 14, as a held-out check, never tuned on): the policy daemon of an SSH bastion, two threads. At start it
 * loads its host inventory (120,000 hosts, each a struct with its name, address, owning team, environment and
 * allowed roles: ~26.2 MB as asked of malloc in ~800,000 blocks) in ~0.3 s. The session thread then judges 3,000 commands a second
 * typed in the proxied sessions (each command line parsed into its argv and a decision built, malloc'd and
 * freed at once); ~11% are denied (sudo to root outside a change window, writes under /etc, scp of key files),
 * and each denial is appended as an 88-byte audit event to the pending-export array of the SIEM forwarder, a
 * plain C array grown with realloc to 1.5 times its capacity when full (from 1,024 events). The forwarder
 * thread should drain it to the SIEM every second, but since the config key moved from `siem_url` to
 * `siem.endpoint`, it finds no endpoint, logs a warning once a second and drains nothing.
 * Truth: a leak, reachable, in steps: ~325 events a second (~28.6 kB/s of events) stay; what the program holds
 * (the array's capacity, as asked of malloc, in allocate_pending_events) steps from 90 kB to 135 kB at ~3.1 s,
 * 203 kB at ~4.7 s, 304 kB at ~7.1 s, 456 kB at ~10.6 s and 684 kB at ~15.9 s, ~0.6 MB over a 16 s run (~31 kB/s
 * over it) on a ~26.3 MB heap, ~1.3% of a ~45 MB process by the end: a staircase whose steps
 * grow by half each time. Above glibc's 128 KiB mmap threshold each step is an mremap of the array's mapping,
 * so RSS grows page by page as events are written, not in steps. Undecided is honest for a leak this small.
 * The program prints on stderr each growth of the array and at the end the events pending and the bytes held.
 * Measured (session 35, tests/accuracy/measure.py): tracked, live heap 26.31 MB at 1 s, 26.52 at 9 s, 26.67 at 16 s (+31.4
 * kB/s over 1-16 s, +37.3 over 3-13 s, +28.8 over 9-16 s), RSS 78.9 -> 79.4 MB (the tracker's tables for the inventory's
 * blocks); --plain, RSS 44.46 MB at 1 s, 44.97 at 16 s (+33.5 kB/s over 1-16 s, +30.7 over 3-13 s); 48,000 commands,
 * 5,201 denied, all pending at exit in an array of 7,776 (684 kB), 6 growths.
 * Usage: c_bastion_denied_audit_array_staircase SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mix.h"
#include "pacing.h"

enum { kHosts = 120000, kCommandsPerTick = 30 };

struct host {
    char* name;        /* db-17.payments.fra2.corp.example */
    char* address;
    char* team;
    char* environment;
    char** roles;
    int role_count;
    uint32_t ssh_port;
    struct host* next_in_bucket;
};

struct audit_event {
    uint64_t session;
    uint64_t at_ns;
    uint32_t host, uid;
    char verdict[8];
    char command[56];  /* the command line, truncated */
};

struct pending {
    pthread_mutex_t mutex;
    struct audit_event* events;
    size_t count, capacity;
    long grows;
};

static struct host* g_hosts;
static struct pending g_pending = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0};
static long g_inventory_bytes, g_commands, g_denied;
static const char* g_siem_endpoint;  /* read from "siem_url", which the config no longer has */
static double g_seconds;
static volatile int g_running = 1;

static char* keep_string(const char* s) {
    const size_t n = strlen(s) + 1;
    g_inventory_bytes += (long)n;
    return memcpy(malloc(n), s, n);
}

static void load_inventory(void) {
    static const char* const teams[] = {"payments", "search", "identity", "storage", "observability", "ml-platform"};
    static const char* const roles[] = {"read-only", "operator", "dba", "sre-oncall", "deploy", "break-glass"};
    char buf[96];
    g_hosts = calloc(kHosts, sizeof *g_hosts);
    g_inventory_bytes += (long)(kHosts * sizeof *g_hosts);
    for (uint32_t i = 0; i < kHosts; ++i) {
        const uint64_t h = mix(i ^ 0xba5);
        struct host* host = &g_hosts[i];
        snprintf(buf, sizeof buf, "%s-%u.%s.%s%u.corp.example", (const char*[]){"db", "api", "cache", "batch", "web"}[h % 5],
                 (unsigned)(h >> 8) % 400, teams[h >> 16 & 3], (const char*[]){"fra", "ams", "iad", "sin"}[h >> 20 & 3],
                 1 + (unsigned)(h >> 24) % 3);
        host->name = keep_string(buf);
        snprintf(buf, sizeof buf, "10.%u.%u.%u", (unsigned)(h >> 28) & 255, (unsigned)(h >> 36) & 255, (unsigned)(h >> 44) & 255);
        host->address = keep_string(buf);
        host->team = keep_string(teams[(h >> 16) % 6]);
        host->environment = keep_string(h >> 50 & 1 ? "production" : "staging");
        host->role_count = 2 + (int)(h >> 52) % 4;
        host->roles = malloc((size_t)host->role_count * sizeof(char*));
        g_inventory_bytes += (long)((size_t)host->role_count * sizeof(char*));
        for (int r = 0; r < host->role_count; ++r) {
            snprintf(buf, sizeof buf, "%s@%s", roles[(h >> (56 - r)) % 6], host->team);
            host->roles[r] = keep_string(buf);
        }
        host->ssh_port = 22;
    }
}

/* Room for one more pending event: the array grows by half its capacity when full. */
static struct audit_event* allocate_pending_events(struct pending* p) {
    if (p->count == p->capacity) {
        const size_t capacity = p->capacity ? p->capacity + p->capacity / 2 : 1024;
        p->events = realloc(p->events, capacity * sizeof(struct audit_event));
        p->capacity = capacity;
        ++p->grows;
        fprintf(stderr, "pending SIEM events: %zu, array grown to %zu (%.0f kB)\n", p->count, capacity,
                capacity * sizeof(struct audit_event) / 1e3);
    }
    return &p->events[p->count++];
}

static void audit_denied(uint64_t session, uint32_t host, uint32_t uid, const char* line) {
    pthread_mutex_lock(&g_pending.mutex);
    struct audit_event* e = allocate_pending_events(&g_pending);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    e->session = session;
    e->at_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    e->host = host;
    e->uid = uid;
    memcpy(e->verdict, "DENY", 5);
    snprintf(e->command, sizeof e->command, "%s", line);
    pthread_mutex_unlock(&g_pending.mutex);
}

/* One command of a proxied session: parsed, judged against the host's roles, the decision logged. */
static void judge(uint64_t n) {
    static const char* const commands[] = {"sudo -i", "systemctl restart nginx", "tail -f /var/log/syslog",
                                           "vi /etc/ssh/sshd_config", "scp ~/.ssh/id_ed25519 jump:", "psql -U app",
                                           "kubectl get pods -A", "journalctl -u kubelet --since today", "ls -la /srv"};
    const uint64_t h = mix(n ^ 0x55a);
    const uint32_t host = (uint32_t)(h % kHosts);
    char* line = malloc(160);
    snprintf(line, 160, "%s # session %llu on %s", commands[h >> 20 & 7], (unsigned long long)(n >> 6),
             g_hosts[host].name);
    char** argv = malloc(16 * sizeof(char*));
    int argc = 0;
    char* copy = strdup(line);
    for (char* save = NULL, *tok = strtok_r(copy, " ", &save); tok && argc < 16; tok = strtok_r(NULL, " ", &save))
        argv[argc++] = tok;
    const int denied = h % 1000 < 110;
    char* decision = malloc(256);
    snprintf(decision, 256, "{\"host\":\"%s\",\"argv0\":\"%s\",\"roles\":%d,\"verdict\":\"%s\"}", g_hosts[host].name,
             argv[0], g_hosts[host].role_count, denied ? "deny" : "allow");
    if (denied) {
        audit_denied(n >> 6, host, 1000 + (uint32_t)(h >> 40) % 3000, line);
        ++g_denied;
    }
    ++g_commands;
    free(decision);
    free(copy);
    free(argv);
    free(line);
}

static void* siem_forwarder(void* arg) {
    (void)arg;
    for (long second = 0; g_running; ++second) {
        if (g_siem_endpoint == NULL) {
            pthread_mutex_lock(&g_pending.mutex);
            const size_t pending = g_pending.count;
            pthread_mutex_unlock(&g_pending.mutex);
            if (second % 4 == 3) fprintf(stderr, "siem forwarder: no endpoint configured, %zu events pending\n", pending);
        }
        struct timespec second = {1, 0};
        nanosleep(&second, NULL);
    }
    return NULL;
}

static void tick(long i, double t, void* state) {
    (void)i, (void)t;
    uint64_t* n = state;
    for (int k = 0; k < kCommandsPerTick; ++k) judge((*n)++);
}

int main(int argc, char** argv) {
    g_seconds = pattern_run_seconds(argc, argv, 16);
    load_inventory();
    g_siem_endpoint = getenv("BASTION_SIEM_URL");  /* the old key; the deployment sets siem.endpoint */
    fprintf(stderr, "inventory: %d hosts, %.2f MB\n", kHosts, g_inventory_bytes / 1e6);
    pthread_t forwarder;
    pthread_create(&forwarder, NULL, siem_forwarder, NULL);
    uint64_t n = 0;
    pattern_every(0.01, g_seconds, tick, &n);
    g_running = 0;
    pthread_join(forwarder, NULL);
    fprintf(stderr, "%ld commands, %ld denied, %zu events pending (%.1f kB of events) in an array of %zu (%.1f kB held), "
            "%ld growths\n", g_commands, g_denied, g_pending.count, g_pending.count * sizeof(struct audit_event) / 1e3,
            g_pending.capacity, g_pending.capacity * sizeof(struct audit_event) / 1e3, g_pending.grows);
    return 0;
}
