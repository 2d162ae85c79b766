/* The C entry point from a C program built against the installed library. */
#include <leakscope/events.h>
#include <stdio.h>

int main(void) {
    leakscope_events(5);
    if (leakscope_event_count() != 5) return 1;
    puts("consumer_c ok");
    return 0;
}
