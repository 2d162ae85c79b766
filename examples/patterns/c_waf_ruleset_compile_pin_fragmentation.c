/* glibc fragmentation in one arena after a start-up parse, no leak (written in session 35, batch 14, as a
 * held-out check, never tuned on): a web application firewall's inspection daemon, one thread (glibc's main
 * arena). At start it reads its ruleset bundle (9,000 rules in a JSON-like document), parses it into a
 * document tree (a node per object, array, key and value: ~60 small blocks a rule, ~21.5 MB as asked of malloc, ~35 MB in glibc's chunks) and, rule by
 * rule, compiles each rule into its compact form (the matcher: its id, phase, target mask, a lowered pattern
 * string and an action: four blocks of 24-300 bytes, ~0.25 kB a rule), allocated right after the rule's
 * subtree; when the whole bundle is compiled, the tree is freed. It then inspects 3,000 requests a second
 * (each request's header copies, normalized URI and match list malloc'd and freed within the request) and keeps
 * a per-client-IP rate table of fixed size, allocated at start.
 * Truth: not a leak: the live heap climbs to ~25 MB (~38 MB of chunks) in the first ~0.1 s (the tree and the compiled
 * rules), falls to ~3.3 MB when the tree is freed, and is flat from then on (the compiled rules, the rate table, requests in
 * flight). The compiled rules are spread through the space the tree took, one every ~3 kB, up to the top of the
 * heap: glibc can neither trim it (the top is pinned by the last rules compiled) nor give back the holes
 * between them (free() never returns memory inside the heap), so RSS stays at ~40 MB, ~35 MB of it free in
 * malloc, while the heap holds ~3.3 MB (the rate table, 1 MB, is its own mapping); the requests' blocks reuse a little of that space. Fragmentation that
 * stays (RSS flat and high over a flat heap after the first second), not a leak. The program prints every 2 s on
 * stderr its own byte counters, mallinfo2's in-use, free-but-kept and arena bytes, and its RSS.
 * Measured (session 35, tests/accuracy/measure.py): tracked, live heap 3.34 MB from 1 s to 16 s (slope 0), RSS 44.87 ->
 * 44.93 MB; --plain, RSS 40.81 MB at 1 s, 40.82 at 16 s (+278 B/s over 1-16 s); the program's own counters: 24.80 MB
 * held before the tree is freed, 3.34 after; mallinfo2 in use 38.08 MB then 2.90, free but kept 35.22 MB, arena 38.12 MB
 * throughout; 48,000 requests.
 * Usage: c_waf_ruleset_compile_pin_fragmentation SECONDS */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"
#include "pacing.h"

enum { kRules = 9000, kRateSlots = 65536, kRequestsPerTick = 30 };

/* The parsed bundle: a generic document tree. */
enum node_kind { NODE_OBJECT, NODE_ARRAY, NODE_STRING, NODE_NUMBER };
struct node {
    enum node_kind kind;
    char* key;          /* the member name inside an object */
    char* text;         /* strings and numbers as written */
    struct node* first_child;
    struct node* next;
};

/* A compiled rule. */
struct matcher {
    uint32_t id;
    uint8_t phase, action, paranoia;
    uint64_t targets;   /* ARGS, REQUEST_HEADERS, REQUEST_URI... as a bit mask */
    char* pattern;      /* lowered, normalized match pattern */
    char* message;
    uint32_t* tags;     /* interned tag ids */
    int tag_count;
};

struct rate_slot {
    uint32_t ip;
    uint32_t hits;
    uint32_t blocked;
    float score;
};

static long g_tree_bytes, g_rule_bytes, g_table_bytes, g_request_bytes;
static struct matcher* g_rules[kRules];
static struct rate_slot* g_rates;
static double g_seconds;
static long g_requests, g_blocked;

static void* take(size_t n, long* counter) {
    *counter += (long)n;
    return malloc(n);
}

static char* take_string(const char* s, long* counter) {
    const size_t n = strlen(s) + 1;
    char* copy = take(n, counter);
    memcpy(copy, s, n);
    return copy;
}

static struct node* new_node(enum node_kind kind, const char* key, const char* text, struct node* parent,
                             struct node** last) {
    struct node* n = take(sizeof *n, &g_tree_bytes);
    n->kind = kind;
    n->key = key ? take_string(key, &g_tree_bytes) : NULL;
    n->text = text ? take_string(text, &g_tree_bytes) : NULL;
    n->first_child = n->next = NULL;
    if (parent) {
        if (*last) (*last)->next = n; else parent->first_child = n;
        *last = n;
    }
    return n;
}

static const char* const kVariables[] = {"ARGS", "ARGS_NAMES", "REQUEST_HEADERS", "REQUEST_COOKIES", "REQUEST_URI",
                                         "REQUEST_BODY", "XML", "FILES_NAMES"};
static const char* const kTransforms[] = {"t:lowercase", "t:urlDecodeUni", "t:htmlEntityDecode", "t:compressWhitespace",
                                          "t:removeNulls", "t:cmdLine", "t:normalizePath", "t:base64Decode"};
static const char* const kTags[] = {"application-multi", "language-multi", "platform-multi", "attack-sqli",
                                    "attack-xss", "attack-rce", "attack-lfi", "paranoia-level/2", "OWASP_CRS",
                                    "capec/1000/152/248/66", "PCI/6.5.2"};

/* The parser's output for one rule of the bundle: an object of ~12 members, three arrays. */
static struct node* parse_rule(uint32_t id) {
    const uint64_t h = mix(id ^ 0x3af);
    char text[512];
    struct node* rule = new_node(NODE_OBJECT, NULL, NULL, NULL, NULL);
    struct node* last = NULL;
    snprintf(text, sizeof text, "%u", 900000 + id);
    new_node(NODE_NUMBER, "id", text, rule, &last);
    snprintf(text, sizeof text, "%u", 1 + (unsigned)(h % 4));
    new_node(NODE_NUMBER, "phase", text, rule, &last);
    new_node(NODE_STRING, "action", h >> 3 & 1 ? "block" : "pass", rule, &last);
    snprintf(text, sizeof text, "%u", 1 + (unsigned)(h >> 5 % 4));
    new_node(NODE_NUMBER, "paranoia-level", text, rule, &last);
    struct node* vars = new_node(NODE_ARRAY, "variables", NULL, rule, &last);
    struct node* vlast = NULL;
    for (unsigned k = 0; k < 2 + (h >> 8) % 6; ++k) new_node(NODE_STRING, NULL, kVariables[(h >> (10 + k)) % 8], vars, &vlast);
    struct node* trans = new_node(NODE_ARRAY, "transformations", NULL, rule, &last);
    struct node* tlast = NULL;
    for (unsigned k = 0; k < 1 + (h >> 16) % 5; ++k) new_node(NODE_STRING, NULL, kTransforms[(h >> (18 + k)) % 8], trans, &tlast);
    int at = snprintf(text, sizeof text, "(?i)(?:");
    for (unsigned k = 0; k < 3 + (h >> 24) % 9; ++k)
        at += snprintf(text + at, sizeof text - (size_t)at, "%s%s%u", k ? "|" : "",
                       (const char*[]){"union\\s+select", "<script", "\\.\\./", "/etc/passwd", "onerror\\s*=",
                                       "\\$\\{jndi:", "cmd\\.exe", "sleep\\("}[(h >> (26 + k)) % 8],
                       (unsigned)(mix(h + k) % 100));
    snprintf(text + at, sizeof text - (size_t)at, ")");
    new_node(NODE_STRING, "operator", "@rx", rule, &last);
    new_node(NODE_STRING, "pattern", text, rule, &last);
    snprintf(text, sizeof text, "Rule %u: %s detected in %s (matched data found within %%{MATCHED_VAR_NAME})",
             900000 + id, (const char*[]){"SQL injection", "XSS", "path traversal", "RCE", "Log4Shell"}[h % 5],
             kVariables[(h >> 12) % 8]);
    new_node(NODE_STRING, "msg", text, rule, &last);
    struct node* tags = new_node(NODE_ARRAY, "tag", NULL, rule, &last);
    struct node* glast = NULL;
    for (unsigned k = 0; k < 3 + (h >> 40) % 6; ++k) new_node(NODE_STRING, NULL, kTags[(h >> (42 + k)) % 11], tags, &glast);
    struct node* meta = new_node(NODE_OBJECT, "meta", NULL, rule, &last);
    struct node* mlast = NULL;
    for (unsigned k = 0; k < 14; ++k) {
        snprintf(text, sizeof text, "%016llx-%u", (unsigned long long)mix(h + 100 + k), k);
        new_node(NODE_STRING, (const char*[]){"ver", "rev", "author", "source", "hash", "reviewed", "cve"}[k % 7], text,
                 meta, &mlast);
    }
    return rule;
}

static const struct node* member(const struct node* object, const char* key) {
    for (const struct node* n = object->first_child; n; n = n->next)
        if (n->key && strcmp(n->key, key) == 0) return n;
    return NULL;
}

static struct matcher* compile_rule(const struct node* rule) {
    struct matcher* m = take(sizeof *m, &g_rule_bytes);
    m->id = (uint32_t)strtoul(member(rule, "id")->text, NULL, 10);
    m->phase = (uint8_t)atoi(member(rule, "phase")->text);
    m->action = strcmp(member(rule, "action")->text, "block") == 0;
    m->paranoia = (uint8_t)atoi(member(rule, "paranoia-level")->text);
    m->targets = 0;
    for (const struct node* v = member(rule, "variables")->first_child; v; v = v->next)
        for (int k = 0; k < 8; ++k)
            if (strcmp(v->text, kVariables[k]) == 0) m->targets |= 1ull << k;
    const char* pattern = member(rule, "pattern")->text;
    m->pattern = take(strlen(pattern) + 1, &g_rule_bytes);
    for (size_t k = 0; k <= strlen(pattern); ++k) m->pattern[k] = (char)(pattern[k] >= 'A' && pattern[k] <= 'Z' ? pattern[k] + 32 : pattern[k]);
    m->message = take_string(member(rule, "msg")->text, &g_rule_bytes);
    m->tag_count = 0;
    for (const struct node* t = member(rule, "tag")->first_child; t; t = t->next) ++m->tag_count;
    m->tags = take((size_t)m->tag_count * sizeof(uint32_t), &g_rule_bytes);
    int k = 0;
    for (const struct node* t = member(rule, "tag")->first_child; t; t = t->next) m->tags[k++] = (uint32_t)(mix((uint64_t)t->text[4]) % 4096);
    return m;
}

static void free_tree(struct node* n) {
    while (n) {
        struct node* next = n->next;
        free_tree(n->first_child);
        if (n->key) { g_tree_bytes -= (long)strlen(n->key) + 1; free(n->key); }
        if (n->text) { g_tree_bytes -= (long)strlen(n->text) + 1; free(n->text); }
        g_tree_bytes -= (long)sizeof *n;
        free(n);
        n = next;
    }
}

/* One request through the rules: its copies and match list live for the request only. */
static void inspect(uint64_t n) {
    const uint64_t h = mix(n ^ 0x1bad);
    const size_t header_bytes = 300 + h % 3000, uri_bytes = 40 + (h >> 12) % 400;
    char* headers = take(header_bytes, &g_request_bytes);
    char* uri = take(uri_bytes, &g_request_bytes);
    memset(headers, 'h', header_bytes - 1);
    headers[header_bytes - 1] = 0;
    memset(uri, '/', uri_bytes - 1);
    uri[uri_bytes - 1] = 0;
    uint32_t* matches = take(64 * sizeof(uint32_t), &g_request_bytes);
    int hits = 0;
    for (int k = 0; k < 40; ++k) {
        const struct matcher* m = g_rules[mix(h + (uint64_t)k) % kRules];
        if (m->targets & (1ull << (h % 8)) && m->pattern[(h >> 20) % 8] == uri[0] && hits < 64) matches[hits++] = m->id;
    }
    struct rate_slot* slot = &g_rates[(h >> 32) % kRateSlots];
    slot->ip = (uint32_t)(h >> 32);
    ++slot->hits;
    if (hits > 0 || h % 97 == 0) { ++slot->blocked; ++g_blocked; }
    slot->score = slot->score * 0.9f + (float)hits;
    g_request_bytes -= (long)(header_bytes + uri_bytes + 64 * sizeof(uint32_t));
    free(matches);
    free(uri);
    free(headers);
    ++g_requests;
}

static long rss_bytes(void) {
    long pages = 0, resident = 0;
    FILE* f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * 4096;
}

static void report(double t) {
    const struct mallinfo2 mi = mallinfo2();
    fprintf(stderr,
            "t=%5.2f s: held %.2f MB (tree %.2f, compiled rules %.2f, rate table %.2f); malloc in use %.2f MB, free kept "
            "%.2f MB, arena %.2f MB; rss %.2f MB\n",
            t, (g_tree_bytes + g_rule_bytes + g_table_bytes + g_request_bytes) / 1e6, g_tree_bytes / 1e6,
            g_rule_bytes / 1e6, g_table_bytes / 1e6, mi.uordblks / 1e6, mi.fordblks / 1e6, mi.arena / 1e6, rss_bytes() / 1e6);
}

static void tick(long i, double t, void* state) {
    uint64_t* n = state;
    for (int k = 0; k < kRequestsPerTick; ++k) inspect((*n)++);
    if ((i + 1) % 200 == 0 || t + 0.01 >= g_seconds) report(t);
}

int main(int argc, char** argv) {
    g_seconds = pattern_run_seconds(argc, argv, 16);
    g_rates = take(kRateSlots * sizeof(struct rate_slot), &g_table_bytes);
    memset(g_rates, 0, kRateSlots * sizeof(struct rate_slot));
    /* Load: parse each rule of the bundle and compile it; the tree is kept until the bundle is complete
     * (cross-rule references, chained rules and the bundle's signature are checked over the whole tree). */
    struct node* bundle = new_node(NODE_ARRAY, "rules", NULL, NULL, NULL);
    struct node* last = NULL;
    for (uint32_t id = 0; id < kRules; ++id) {
        struct node* rule = parse_rule(id);
        if (last) last->next = rule; else bundle->first_child = rule;
        last = rule;
        g_rules[id] = compile_rule(rule);
    }
    report(0);
    free_tree(bundle);
    report(0);
    uint64_t n = 0;
    pattern_every(0.01, g_seconds, tick, &n);
    fprintf(stderr, "%ld requests, %ld blocked, %d rules\n", g_requests, g_blocked, kRules);
    return 0;
}
