/* A leak that starts late, after a warm-up and a flat stretch (written in session 16 as a held-out check,
 * never tuned on): one node of a replicated key-value store (raft-like). For its first 7 s it is a
 * follower: the leader streams 400 log entries a second (key 16-40 B, value 200-900 B), which it
 * appends, applies to its key-value table (20,000 keys, so the table fills in the first seconds and
 * then only replaces values) and compacts: only the last 1,024 entries are kept in a ring. At 7 s the
 * leader's lease runs out and this node wins the election. As leader it appends the client writes
 * itself and sends each entry to its four peers: queue_append_for_peer() copies the entry into a
 * per-peer in-flight list, freed when the peer acknowledges it (~50 ms later). Peer 5 was
 * partitioned away at 5 s: its acknowledgements never come, and the leader has no cap on a peer's
 * in-flight window (no probe state for an unreachable peer), so every entry's copy for it is kept.
 * Truth: a leak from 7 s, linear: 400 entries a second, each copy a 56-byte record plus its key and
 * value (~20 + ~550 B) in one malloc of ~626 B: ~250 kB/s asked of malloc, ~2.75 MB over the last
 * 11 s of an 18 s run. Before it: the snapshot's warm-up (~13 MB in the first second), the log ring
 * filling (~0.6 MB, to ~4 s), then flat from ~4 s to 7 s (values replaced, the ring's entries freed
 * as they are overwritten, a few keys the snapshot missed still arriving). The copies are made in
 * queue_append_for_peer.
 * Measured (session 16, glibc mallinfo2 in-use bytes and /proc VmRSS sampled every 100 ms by a scratch
 * preload shim, no tracker): heap 0.3 -> 12.95 MB over 0-1 s, 12.98 -> 13.50 MB over 1-4 s, 13.50 ->
 * 13.53 MB over 4-7 s (+6.8 kB/s), then 13.53 -> 16.52 MB over 7-18 s, +268 kB/s of malloc chunks
 * (+269 kB/s over 7.5-12 s, +265 kB/s over 12-18 s); RSS 15.2 MB flat over 4-7 s, +283 kB/s over
 * 7-18 s; 4,400 entries in flight for the unreachable peer at the end, 24 for each of the others.
 * Usage: c_raft_leader_inflight_late_leak SECONDS */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum { kKeys = 20000, kBuckets = 32768, kRing = 1024, kPeers = 4, kEntriesPerTick = 8 };
#define ELECTION_AT_S 7.0
#define PARTITION_AT_S 5.0
#define ACK_DELAY_S 0.05

struct entry {
    uint64_t index;
    uint64_t term;
    double appended_s;
    uint32_t key_length, value_length;
    char* key;   /* points into data */
    char* value; /* points into data */
    struct entry* next;
    char data[];
};

struct kv {
    char* key;
    char* value;
    uint32_t value_length;
    struct kv* next;
};

struct peer {
    int id;
    int reachable;
    struct entry* inflight_head; /* oldest first */
    struct entry* inflight_tail;
    uint64_t inflight;
    uint64_t match_index;
};

struct node {
    struct kv* table[kBuckets];
    struct entry* ring[kRing];
    uint64_t last_index, term, applied, keys;
    int leader;
    struct peer peers[kPeers];
    uint64_t seed;
    uint64_t bytes_replicated;
};

static uint32_t next_random(struct node* n) {
    n->seed = n->seed * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(n->seed >> 33);
}

static unsigned hash_key(const char* key, uint32_t length) {
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < length; ++i) h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
    return (unsigned)(h % kBuckets);
}

static struct entry* make_entry(struct node* n, uint64_t index, double now_s) {
    char key[48];
    static const char* const kFields[] = {"profile", "settings/locale", "cart", "session/last-seen"};
    const uint32_t id = next_random(n) % kKeys;
    const uint32_t key_length = (uint32_t)snprintf(key, sizeof key, "user:%05u:%s", id, kFields[id % 4]);
    const uint32_t value_length = 200 + next_random(n) % 701;
    struct entry* e = malloc(sizeof *e + key_length + value_length);
    e->index = index;
    e->term = n->term;
    e->appended_s = now_s;
    e->key_length = key_length;
    e->value_length = value_length;
    e->key = e->data;
    e->value = e->data + key_length;
    e->next = NULL;
    memcpy(e->key, key, key_length);
    memset(e->value, 'a' + (int)(index % 26), value_length);
    return e;
}

static void apply(struct node* n, const struct entry* e) {
    const unsigned b = hash_key(e->key, e->key_length);
    struct kv* slot = n->table[b];
    while (slot && !(strlen(slot->key) == e->key_length && memcmp(slot->key, e->key, e->key_length) == 0)) slot = slot->next;
    if (!slot) {
        slot = calloc(1, sizeof *slot);
        slot->key = strndup(e->key, e->key_length);
        slot->next = n->table[b];
        n->table[b] = slot;
        ++n->keys;
    }
    free(slot->value);
    slot->value = malloc(e->value_length);
    memcpy(slot->value, e->value, e->value_length);
    slot->value_length = e->value_length;
    n->applied = e->index;
}

/* Appends to the log ring; the entry it overwrites is compacted away (it is in the applied table). */
static void append_to_log(struct node* n, struct entry* e) {
    struct entry** slot = &n->ring[e->index % kRing];
    free(*slot);
    *slot = e;
    n->last_index = e->index;
}

/* The leader's copy of an entry for one peer, kept until that peer acknowledges it. */
__attribute__((noinline)) static void queue_append_for_peer(struct peer* p, const struct entry* e) {
    const size_t size = sizeof *e + e->key_length + e->value_length;
    struct entry* copy = malloc(size);
    memcpy(copy, e, size);
    copy->key = copy->data;
    copy->value = copy->data + e->key_length;
    copy->next = NULL;
    if (p->inflight_tail)
        p->inflight_tail->next = copy;
    else
        p->inflight_head = copy;
    p->inflight_tail = copy;
    ++p->inflight;
}

/* Acknowledgements from the peers that can be reached: everything sent more than ACK_DELAY_S ago. */
static void collect_acks(struct peer* p, double now_s) {
    if (!p->reachable) return;
    while (p->inflight_head && now_s - p->inflight_head->appended_s >= ACK_DELAY_S) {
        struct entry* done = p->inflight_head;
        p->inflight_head = done->next;
        if (!p->inflight_head) p->inflight_tail = NULL;
        p->match_index = done->index;
        --p->inflight;
        free(done);
    }
}

static void tick(long i, double t, void* state) {
    struct node* n = state;
    (void)i;
    if (!n->leader && t >= ELECTION_AT_S) {
        n->leader = 1;
        ++n->term;
    }
    if (t >= PARTITION_AT_S) n->peers[3].reachable = 0;
    for (int k = 0; k < kEntriesPerTick; ++k) {
        struct entry* e = make_entry(n, n->last_index + 1, t);
        if (n->leader)
            for (int p = 0; p < kPeers; ++p) {
                queue_append_for_peer(&n->peers[p], e);
                n->bytes_replicated += e->value_length;
            }
        apply(n, e);
        append_to_log(n, e);
    }
    for (int p = 0; p < kPeers; ++p) collect_acks(&n->peers[p], t);
}

/* A follower that joins takes the leader's snapshot first: every key, with its current value. */
static void install_snapshot(struct node* n) {
    for (uint64_t k = 0; k < 3 * kKeys; ++k) {
        struct entry* e = make_entry(n, k + 1, 0);
        apply(n, e);
        free(e);
    }
    n->last_index = 3 * kKeys;
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 18);
    struct node* n = calloc(1, sizeof *n);
    n->seed = 1616;
    n->term = 41;
    for (int p = 0; p < kPeers; ++p) {
        n->peers[p].id = p + 2;
        n->peers[p].reachable = 1;
    }
    install_snapshot(n);
    pattern_every(0.02, seconds, tick, n); /* 50 ticks a second, 8 entries each: 400 a second */
    fprintf(stderr, "term %llu, %llu entries, %llu keys, leader=%d, in flight per peer: %llu %llu %llu %llu, %llu bytes replicated\n",
            (unsigned long long)n->term, (unsigned long long)n->last_index, (unsigned long long)n->keys, n->leader,
            (unsigned long long)n->peers[0].inflight, (unsigned long long)n->peers[1].inflight,
            (unsigned long long)n->peers[2].inflight, (unsigned long long)n->peers[3].inflight,
            (unsigned long long)n->bytes_replicated);
    return 0;
}
