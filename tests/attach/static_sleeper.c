/* attach --track target that cannot take the tracker: statically linked (no dynamic loader). */
#include <stdlib.h>
#include <time.h>

int main(int argc, char** argv) {
    long ms = argc > 1 ? atol(argv[1]) : 3000;
    char* kept = malloc(4096);
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
    return kept != NULL ? 0 : 1;
}
