// Which samples carry sampled tracking's heap (see sampled_heap_readings below).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "model/recording.hpp"

namespace leakscope::analysis {

/// Sampled tracking's heap is the allocator's in-use figure, read as often as its cost allows: a
/// mallinfo2 that walks a big heap's free chunks is read seconds apart (1000 x its CPU time), and the
/// samples between two reads repeat the last one. Repeats that long are no observations: a perl shipper
/// flushing a batch every 2 s, its figure read every ~4 s, showed five readings after its warm-up that
/// the phase drift of the aliasing made rise one after another, and 150 samples holding them read
/// "Leak: grows in 4 steps that never come back down, 440 MB/h". Where the reads are that sparse (the
/// next one half a second and five sampling intervals or more after the last), only the samples that
/// carry a new reading (the count of reads moved) are the heap's series. Reads a round or two apart are not thinned:
/// a value at most that stale is still the heap's shape, and thinning it lost the troughs of a sawtooth
/// read every ~170 ms (chat_history_index_leak, sampled: its leak under the sawtooth read "flat floor").
/// Reads that stopped long before the end (a 3M-entry perl hash: the read took so long that the next one
/// was due after the run) leave the heap unwatched for the rest: as for a tracker whose first report came
/// late, RSS alone judges. Recordings before format 2.9 have no count.
/// `at`: the samples whose heap is known, in order. Returns those that make the heap's series: all of
/// them, only those with a new reading, or none.
std::vector<std::size_t> sampled_heap_readings(const Recording& recording, std::span<const SamplePoint> samples,
                                               std::vector<std::size_t> at);

}  // namespace leakscope::analysis
