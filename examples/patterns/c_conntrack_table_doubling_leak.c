/* A leak that grows in capacity-doubling steps (written in session 15 as a held-out check, never tuned
 * on): a NAT gateway's connection tracker in C. Flows live in one open-addressing hash table of inline
 * 64-byte entries (linear probing, backward-shift deletion), kept at most half full: when an insert
 * would pass that, the table is rebuilt at twice its size (calloc, reinsert, free the old one). Every
 * 20 ms: 20 new TCP connections (each closes after 0.4-2.4 s), 10 UDP flows that get a reply (NTP,
 * QUIC; idle-expired after 1 s), and 40 DNS queries from new source ports whose replies come back on
 * another path, so their flows are never marked replied. The sweeper, every 500 ms, expires closed TCP
 * flows and idle replied UDP flows; its switch has no case for unreplied UDP flows, so those are kept
 * for good.
 * Truth: a leak: 2,000 unreplied flows a second kept for good. The table holds 2 to 4 slots of 64 B per
 * flow (its load bound, then a doubling), so it grows by 256-512 kB/s depending on where a window
 * starts and ends among the doublings, 384 kB/s in the middle: in steps that double in height and come
 * ever further apart (the table is the only big allocation; glibc maps each one and unmaps the one
 * before, so RSS steps too). The bounded part (~2,400 TCP and replied UDP flows) fills in the first
 * ~2 s. The table is allocated in grow_table.
 * Measured (tests/accuracy/measure.py, session 15): live heap steps at 0.7 (0.33 -> 0.60 MB), 1.3 (1.12),
 * 2.9 (2.17), 6.9 (4.27) and 15.0 s (8.46 MB), slopes +422 kB/s over 0-18 s, +430 kB/s over 3-18 s,
 * +299 kB/s over 3-13 s; RSS 8.2 -> 14.5 MB over 3-18 s under the tracker; 38,433 flows in 131,072
 * slots at the end.
 * Usage: c_conntrack_table_doubling_leak SECONDS */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum { kInitialSlots = 4096 };
enum flow_kind { kEmpty = 0, kTcpOpen, kTcpClosed, kUdpReplied, kUdpUnreplied };

struct ct_entry {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t kind, proto;
    uint16_t nat_port;
    double last_seen;
    double closes_at;
    uint64_t packets;
    uint64_t bytes;
    uint32_t nat_address;
    uint32_t mark;
    uint64_t zone;
};
_Static_assert(sizeof(struct ct_entry) == 64, "an entry is one cache line");

struct conntrack {
    struct ct_entry* slots;
    size_t capacity;
    size_t count;
    uint64_t new_flows, expired, rebuilds;
    uint64_t seed;
};

static uint64_t flow_hash(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t proto) {
    uint64_t h = ((uint64_t)src << 32 | dst) * 0x9e3779b97f4a7c15ull;
    h ^= ((uint64_t)sport << 24 | (uint64_t)dport << 8 | proto) * 0xc2b2ae3d27d4eb4full;
    return h ^ (h >> 29);
}

static size_t home_slot(const struct conntrack* ct, const struct ct_entry* e) {
    return flow_hash(e->src, e->dst, e->sport, e->dport, e->proto) & (ct->capacity - 1);
}

static void place(struct conntrack* ct, const struct ct_entry* e) {
    size_t at = home_slot(ct, e);
    while (ct->slots[at].kind != kEmpty) at = (at + 1) & (ct->capacity - 1);
    ct->slots[at] = *e;
}

__attribute__((noinline)) static void grow_table(struct conntrack* ct) {
    struct ct_entry* old = ct->slots;
    size_t old_capacity = ct->capacity;
    ct->capacity = old ? old_capacity * 2 : kInitialSlots;
    ct->slots = calloc(ct->capacity, sizeof *ct->slots);
    for (size_t k = 0; k < old_capacity; ++k)
        if (old[k].kind != kEmpty) place(ct, &old[k]);
    free(old);
    ++ct->rebuilds;
}

static void insert_flow(struct conntrack* ct, const struct ct_entry* e) {
    if ((ct->count + 1) * 2 > ct->capacity) grow_table(ct);
    place(ct, e);
    ++ct->count;
    ++ct->new_flows;
}

/* Backward-shift deletion: later entries of the probe run move up, so no tombstones are left. */
static void remove_at(struct conntrack* ct, size_t at) {
    size_t mask = ct->capacity - 1;
    size_t hole = at;
    for (size_t next = (hole + 1) & mask; ct->slots[next].kind != kEmpty; next = (next + 1) & mask) {
        size_t home = home_slot(ct, &ct->slots[next]);
        /* The entry may fill the hole if its home is not in (hole, next]. */
        if (((next - home) & mask) >= ((next - hole) & mask)) {
            ct->slots[hole] = ct->slots[next];
            hole = next;
        }
    }
    memset(&ct->slots[hole], 0, sizeof ct->slots[hole]);
    --ct->count;
}

static void sweep(struct conntrack* ct, double now) {
    for (size_t k = 0; k < ct->capacity;) {
        struct ct_entry* e = &ct->slots[k];
        int expire = 0;
        switch (e->kind) {
        case kTcpOpen:
            if (now >= e->closes_at) e->kind = kTcpClosed; /* FIN seen; gone at the next sweep */
            break;
        case kTcpClosed:
            expire = 1;
            break;
        case kUdpReplied:
            expire = now - e->last_seen > 1.0;
            break;
        default: /* kEmpty, and unreplied UDP: nothing (the bug) */
            break;
        }
        if (expire) {
            remove_at(ct, k);
            ++ct->expired;
            continue; /* slot k now holds a shifted entry: look at it again */
        }
        ++k;
    }
}

static uint32_t next_random(struct conntrack* ct) {
    ct->seed = ct->seed * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(ct->seed >> 33);
}

static void new_flow(struct conntrack* ct, double now, enum flow_kind kind) {
    struct ct_entry e;
    memset(&e, 0, sizeof e);
    e.src = 0x0a000000u | (next_random(ct) % 20000);
    e.dst = kind == kUdpUnreplied ? 0x08080808u : 0x5db8d800u + next_random(ct) % 4096;
    e.sport = (uint16_t)(1024 + next_random(ct) % 64000);
    e.dport = kind == kUdpUnreplied ? 53 : kind == kUdpReplied ? 123 : 443;
    e.proto = kind == kTcpOpen ? 6 : 17;
    e.kind = (uint8_t)kind;
    e.nat_port = (uint16_t)(20000 + next_random(ct) % 40000);
    e.nat_address = 0xc6336401u;
    e.last_seen = now;
    e.closes_at = now + 0.4 + (double)(next_random(ct) % 2000) / 1000.0;
    e.packets = 1;
    e.bytes = 60 + next_random(ct) % 1400;
    insert_flow(ct, &e);
}

static void tick(long i, double t, void* state) {
    struct conntrack* ct = state;
    for (int k = 0; k < 20; ++k) new_flow(ct, t, kTcpOpen);
    for (int k = 0; k < 10; ++k) new_flow(ct, t, kUdpReplied);
    for (int k = 0; k < 40; ++k) new_flow(ct, t, kUdpUnreplied);
    if (i % 25 == 24) sweep(ct, t);
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 18);
    struct conntrack* ct = calloc(1, sizeof *ct);
    ct->seed = 1515;
    grow_table(ct);
    pattern_every(0.02, seconds, tick, ct);
    fprintf(stderr, "%zu flows in %zu slots (%zu bytes), %llu new, %llu expired, %llu rebuilds\n", ct->count,
            ct->capacity, ct->capacity * sizeof(struct ct_entry), (unsigned long long)ct->new_flows,
            (unsigned long long)ct->expired, (unsigned long long)ct->rebuilds);
    return 0;
}
