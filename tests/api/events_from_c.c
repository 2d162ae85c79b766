/* Compiled as C: proves <leakscope/events.h> is a C header. Returns 0 when counting works. */
#include <leakscope/events.h>

int main(void) {
    uint64_t before = leakscope_event_count();
    leakscope_event();
    leakscope_events(2);
    return leakscope_event_count() - before == 3 && leakscope_tracker_present() == 0 ? 0 : 1;
}
