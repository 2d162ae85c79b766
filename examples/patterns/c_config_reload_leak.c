/* An unreachable leak in plain C on a big base: a daemon holds a 40 MB lookup table loaded at start,
 * and reloads a 64-line config 10 times a second; the parser strdup()s every value (100 bytes) and the
 * reload frees the table of pointers but not the strings: 10 x 64 x 100 = 64,000 B/s lost for good.
 * Over 14 s that is ~0.9 MB on a ~40 MB process: a slow leak (about 2% of the process over the run).
 * Truth: linear leak, 64,000 B/s (after a 40 MB warm-up), top site parse_config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum { kLines = 64, kValueBytes = 99 };

__attribute__((noinline)) static char** parse_config(long generation) {
    char** values = calloc(kLines, sizeof *values);
    char line[kValueBytes + 1];
    for (int i = 0; i < kLines; ++i) {
        memset(line, (int)('a' + (generation + i) % 26), kValueBytes);
        line[kValueBytes] = '\0';
        values[i] = strdup(line);
    }
    return values;
}

static void reload(long i, double t, void* state) {
    (void)t;
    char*** config = state;
    free(*config);  /* the bug: the strings it points to are not freed */
    *config = parse_config(i);
}

int main(int argc, char** argv) {
    const size_t table_bytes = 40u * 1000 * 1000;
    char* table = malloc(table_bytes);
    memset(table, 1, table_bytes);
    char** config = NULL;
    pattern_every(0.1, pattern_run_seconds(argc, argv, 14), reload, &config);
    printf("%d\n", table[12345] + (config ? config[0][0] : 0));
    free(table);
    return 0;
}
