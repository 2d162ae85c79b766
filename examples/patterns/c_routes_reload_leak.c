/* A leaked strdup per parsed config line, on a reload every second (written in session 6 as a
 * held-out check, never tuned on): a reverse proxy re-reads its 2,000-line routes file once a second
 * (as if on SIGHUP from a config watcher), parsing "host path -> upstream" lines with getline and
 * strdup'ing the host and the upstream of each route into a fresh table. Freeing the old table frees
 * the hosts and the table but not the upstreams (their ownership once moved to a connection cache
 * that was later removed). Every upstream string is 63 characters: 64 bytes asked of malloc each,
 * 2,000 x 64 = 128,000 bytes lost at each reload, in one step. Beside it the proxy keeps a 6 MB
 * connection table.
 * Truth: a leak of 128,000 B/s, in one step a second (a staircase; over 14 steps also a line), ~1.8 MB
 * over 14 s on ~7 MB; top site parse_route_line.
 * Usage: c_routes_reload_leak SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pacing.h"

#define ROUTES 2000

typedef struct {
    char* host;
    char* path;  /* points into host's allocation: "host\0path" */
    char* upstream;
} Route;

typedef struct {
    Route* routes;
    size_t count;
} RouteTable;

typedef struct {
    const char* file;
    RouteTable table;
    char* connections;
    unsigned long lookups;
} Proxy;

__attribute__((noinline)) static int parse_route_line(char* line, Route* route) {
    char* arrow = strstr(line, " -> ");
    char* space = strchr(line, ' ');
    if (!arrow || !space || space > arrow) return 0;
    *arrow = '\0';
    char* upstream = arrow + 4;
    upstream[strcspn(upstream, "\n")] = '\0';
    route->host = strdup(line);  /* "host\0path" after the split below */
    route->host[space - line] = '\0';
    route->path = route->host + (space - line) + 1;
    route->upstream = strdup(upstream);
    return route->host && route->upstream;
}

static RouteTable load_routes(const char* file) {
    RouteTable table = {calloc(ROUTES, sizeof(Route)), 0};
    FILE* f = fopen(file, "r");
    char* line = NULL;
    size_t cap = 0;
    while (f && table.count < ROUTES && getline(&line, &cap, f) > 0)
        if (parse_route_line(line, &table.routes[table.count])) ++table.count;
    free(line);
    if (f) fclose(f);
    return table;
}

static void free_routes(RouteTable* table) {
    for (size_t k = 0; k < table->count; ++k) free(table->routes[k].host);  /* the bug: not .upstream */
    free(table->routes);
    table->routes = NULL;
    table->count = 0;
}

static void tick(long i, double t, void* state) {
    (void)t;
    Proxy* proxy = state;
    if (i % 100 == 0) {  /* once a second */
        RouteTable fresh = load_routes(proxy->file);
        free_routes(&proxy->table);
        proxy->table = fresh;
    }
    /* Traffic between reloads: route lookups against the table and the connection table. */
    for (int k = 0; k < 50 && proxy->table.count; ++k) {
        const Route* r = &proxy->table.routes[(size_t)(i * 50 + k) % proxy->table.count];
        proxy->lookups += (unsigned char)r->upstream[0] + (unsigned char)proxy->connections[(size_t)(i * 977 + k) % 6000000];
    }
}

int main(int argc, char** argv) {
    char file[] = "/tmp/leakscope-routes-XXXXXX";
    const int fd = mkstemp(file);
    FILE* f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        perror("c_routes_reload_leak: temporary routes file");
        return 1;
    }
    for (int k = 0; k < ROUTES; ++k)  /* each upstream: "http://" + 56 characters = 63 */
        fprintf(f, "svc%04d.internal /api/v%d/r%04d -> http://upstream-%04d.pool-%02d.eu-west-1.cluster.example.net:8%03d\n", k,
                k % 3 + 1, k, k, k % 50, k % 1000);
    fclose(f);
    Proxy proxy = {file, {NULL, 0}, malloc(6000000), 0};
    if (!proxy.connections) return 1;
    memset(proxy.connections, 3, 6000000);
    pattern_every(0.01, pattern_run_seconds(argc, argv, 14), tick, &proxy);
    printf("%zu routes, %lu\n", proxy.table.count, proxy.lookups);
    unlink(file);
    free(proxy.connections);
    return 0;
}
