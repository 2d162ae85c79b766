/* A leak that starts late, after a warm-up and a flat stretch (written in session 15 as a held-out check,
 * never tuned on): a DHCP server after a site's power comes back. 20,000 clients boot in the first 4 s
 * (200 DISCOVERs per 20 ms tick at first, ever fewer, none after 4 s): each gets a lease (a record, its
 * hostname and client id, in a hash table by MAC). From then on the clients renew, 2,000 REQUESTs a
 * second: the lease is found and its expiry moved; each request's options are parsed into a scratch
 * buffer that is freed. At 8 s the configuration is reloaded with a relay agent trusted for the three
 * floors behind it (three clients in four): from then on their renewals carry relay option 82, which
 * parse_relay_option() copies into a fresh relay_info (the raw option, the circuit id and the remote
 * id) and stores in the lease, over the previous one, which is never freed (only lease release frees
 * it, and these clients never release).
 * Truth: a leak from 8 s, unreachable: 1,500 renewals a second each drop a relay_info of 4 blocks
 * (a 40-byte record, a 40-64 byte raw option copy, a 17-byte circuit id, a 19-byte remote id: ~128 B
 * asked of malloc, ~175 B of chunks), ~192 kB/s, ~1.9 MB over the last 10 s of an 18 s run. Before
 * it: a warm-up of ~2 MB (19,900 leases and the table) in the first 4 s, then flat from 4 s to 8 s.
 * The relay copies are made in parse_relay_option.
 * Measured (tests/accuracy/measure.py, session 15): live heap 0.85 -> 2.55 MB over 0-4 s, 2.56 MB flat
 * over 4-8 s (+33 B/s), then +192 kB/s over 8-18 s and 9-17 s (2.56 -> 4.44 MB); RSS 10.19 MB flat over
 * 4-8 s, +391 kB/s over 8-18 s under the tracker, 5.15 MB flat and +274 kB/s over 9-17 s without it;
 * 14,875 relayed renewals.
 * Usage: c_dhcp_relay_option_late_leak SECONDS */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum { kClients = 20000, kBuckets = 65536, kRenewalsPerTick = 40 };

struct relay_info {
    unsigned char* raw;
    size_t raw_length;
    char* circuit_id;
    char* remote_id;
    uint32_t link_selection;
};

struct lease {
    uint64_t mac;
    uint32_t address;
    double expires;
    char* hostname;
    unsigned char* client_id;
    size_t client_id_length;
    struct relay_info* relay;
    struct lease* next;
};

struct server {
    struct lease* buckets[kBuckets];
    struct lease** by_index; /* every lease, for the simulated clients to pick from */
    uint32_t leases;
    uint32_t next_address;
    int trust_relay;
    uint64_t discovers, renewals, relayed;
    uint64_t seed;
};

static uint32_t next_random(struct server* s) {
    s->seed = s->seed * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(s->seed >> 33);
}

static unsigned bucket_of(uint64_t mac) { return (unsigned)((mac * 0x9e3779b97f4a7c15ull) >> 48) % kBuckets; }

static struct lease* find_lease(struct server* s, uint64_t mac) {
    for (struct lease* l = s->buckets[bucket_of(mac)]; l; l = l->next)
        if (l->mac == mac) return l;
    return NULL;
}

/* The request's options, copied out of the packet for parsing; freed when the reply is sent. */
static unsigned char* parse_options(struct server* s) {
    size_t length = 300 + next_random(s) % 277;
    unsigned char* options = malloc(length);
    memset(options, 0, length);
    options[0] = 53; /* message type */
    return options;
}

__attribute__((noinline)) static struct relay_info* parse_relay_option(struct server* s, const struct lease* l) {
    struct relay_info* info = malloc(sizeof *info);
    info->raw_length = 40 + next_random(s) % 25;
    info->raw = malloc(info->raw_length);
    memset(info->raw, 82, info->raw_length);
    char circuit[32];
    snprintf(circuit, sizeof circuit, "sw%u/ge-0/0/%u.%u", (unsigned)(l->mac % 3) + 1, (unsigned)(l->mac % 48),
             (unsigned)(100 + l->mac % 900));
    info->circuit_id = strdup(circuit);
    char remote[32];
    snprintf(remote, sizeof remote, "relay-%012llx", (unsigned long long)(l->mac & 0xffffffffffffull));
    info->remote_id = strdup(remote);
    info->link_selection = 0x0a140000u | (uint32_t)(l->mac % 3) << 8;
    return info;
}

static void discover(struct server* s, double t) {
    struct lease* l = calloc(1, sizeof *l);
    l->mac = 0x02005e000000ull + s->leases;
    l->address = 0x0a100000u + s->next_address++;
    l->expires = t + 3600;
    char hostname[40];
    snprintf(hostname, sizeof hostname, "%s-%05u", (s->leases % 3) ? "desk" : "printer-floor", s->leases);
    l->hostname = strdup(hostname);
    l->client_id_length = 7 + s->leases % 12;
    l->client_id = malloc(l->client_id_length);
    memset(l->client_id, 1, l->client_id_length);
    unsigned b = bucket_of(l->mac);
    l->next = s->buckets[b];
    s->buckets[b] = l;
    s->by_index[s->leases++] = l;
    ++s->discovers;
}

static void renew(struct server* s, double t) {
    struct lease* l = find_lease(s, s->by_index[next_random(s) % s->leases]->mac);
    unsigned char* options = parse_options(s);
    l->expires = t + 3600;
    /* Three floors in four sit behind the relay agent (the MAC's low two bits say which floor). */
    if (s->trust_relay && (l->mac & 3) != 0) {
        l->relay = parse_relay_option(s, l); /* the previous relay_info is lost */
        ++s->relayed;
    }
    free(options);
    ++s->renewals;
}

static void tick(long i, double t, void* state) {
    struct server* s = state;
    (void)i;
    /* The boot storm: 200 - 50 t DISCOVERs per tick for 4 s (20,000 clients in all). */
    if (t < 4.0) {
        int due = (int)(200.0 - 50.0 * t);
        for (int k = 0; k < due && s->leases < kClients; ++k) discover(s, t);
    }
    if (t >= 8.0 && !s->trust_relay) s->trust_relay = 1; /* the reload that trusts the relay agent */
    if (s->leases > 0)
        for (int k = 0; k < kRenewalsPerTick; ++k) renew(s, t);
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 18);
    struct server* s = calloc(1, sizeof *s);
    s->by_index = calloc(kClients, sizeof *s->by_index);
    s->seed = 67;
    pattern_every(0.02, seconds, tick, s);
    fprintf(stderr, "%u leases, %llu discovers, %llu renewals, %llu relayed (each dropping the one before)\n",
            s->leases, (unsigned long long)s->discovers, (unsigned long long)s->renewals,
            (unsigned long long)s->relayed);
    return 0;
}
