// Teeth against a level's own jitter: drops that a level wandering as much inside its "teeth" makes are
// no sawtooth; the same drops after steady climbs are.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "diagnosis/cycles.hpp"
#include "diagnosis/diagnosis.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::load_live_heap;

TEST(Cycles, DropsOfALevelThatWandersAsMuchInsideItsTeethAreNoSawtooth) {
    // examples/patterns/noisy_flat.cpp as the clean-clone suite measured it (tests/FLAKES.md): a
    // mean-reverting working set whose live heap fell by 1.1, 0.9 and 1.6 MB 4.1 and 4.6 s apart, and by
    // 0.71 and 0.78 MB inside the two stretches between (a threshold of 0.89 MB). It was called "a
    // sawtooth of 1.11 MB every 4.3 s".
    const Diagnosis d = diagnose(load_live_heap("noisy_flat.csv"));
    EXPECT_NE(d.pattern, Pattern::bounded_sawtooth) << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
}

TEST(Cycles, TwoDipsOfAWanderingLevelAreNoSawtooth) {
    // The same working set in the clean-clone suite of session 31: drops of 1.11, 1.09 and 1.65 MB at 0.6,
    // 5.7 and 9.3 s, and inside the first "tooth" a slide from 21.02 MB at 4.7 s to 20.00 MB at 5.7 s. Its
    // falls counted within three bins only (0.72 and 0.25 of the drops) passed for teeth at 0.485:
    // "Bounded: a sawtooth of 1.11 MB every 4.3 s".
    const Diagnosis d = diagnose(load_live_heap("noisy_flat_two_dips.csv"));
    EXPECT_NE(d.pattern, Pattern::bounded_sawtooth) << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
}

TEST(Cycles, TwoFallsInOneLongSlideAreJudgedWithoutReadingPastThem) {
    // A release that goes on sliding after its fall, with a second fall in the slide: the first drop's
    // bottom, followed down the slide, lies past the second drop's peak. The tooth between them has no
    // climb to measure (reading it from the bottom to the peak went backwards: a crash, session 31).
    std::vector<double> values;
    for (int tooth = 0; tooth < 4; ++tooth) {
        for (int i = 0; i < 20; ++i) values.push_back(10 + 0.2 * i);  // the climb
        for (const double v : {7.0, 6.9, 6.8, 6.7, 6.6, 6.5, 3.5, 3.4, 3.3}) values.push_back(v);  // two falls, one slide
    }
    const detail::CycleAnalysis analysis = detail::analyse_cycles(values, 2.0);
    EXPECT_GE(analysis.drops, 4u);
    EXPECT_TRUE(std::isfinite(analysis.inner_fall));
}

TEST(Cycles, AWanderingLevelIsNoStaircaseThatNeverComesBackDown) {
    // The same working set in another run (session 18): its live heap read 18.4 MB at the first samples,
    // 21.1 MB at 3.9 s, 19.0 MB at 6.0 s and 21.8 MB at 9.3 s. Four rises were taken for steps ("Leak:
    // grows in 4 steps that never come back down, 336 MB/h") though the level gave back 2 MB between them.
    const Diagnosis d = diagnose(load_live_heap("noisy_flat_wandering.csv"));
    EXPECT_NE(d.pattern, Pattern::staircase_growth) << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
}

TEST(Cycles, TheSameDropsAfterSteadyClimbsAreASawtooth) {
    // Three releases of ~1.2 MB 4.1-4.6 s apart on a 20 MB level, each tooth climbing steadily back with
    // a few kB of noise: the falls inside a tooth are a few percent of its drop.
    Series s;
    const double drops_s[] = {0.5, 4.6, 9.2};
    for (int i = 0; i <= 100; ++i) {
        const double t = 0.1 * i;
        double since = t;  // time since the last release (or since the start)
        for (double d : drops_s)
            if (t > d) since = t - d;
        const double period = t > 4.6 ? 4.6 : 4.1;
        s.t_s.push_back(t);
        s.value.push_back(19 * kMB + 1.2 * kMB * std::min(1.0, since / period) + 20e3 * std::sin(7.0 * i));
    }
    const Diagnosis d = diagnose(s);
    EXPECT_EQ(d.pattern, Pattern::bounded_sawtooth) << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
}


TEST(Cycles, BatchesSeenFromInsideTheFirstOneArePeriodicSpikes) {
    // examples/patterns/periodic_batch.cpp (30 MB every 2 s, held 0.5 s) as the analysis judged a run
    // beside `stress-ng --cpu 4`: its first sample was already inside the first batch, and its last was
    // the fall of the sixth. The first spike has no level before it to return to; held against the
    // spikes, it left five of six returning, under the 70% asked, and the run read "flat".
    const Diagnosis d = diagnose(load_live_heap("periodic_batch_started_in_a_batch.csv"));
    EXPECT_EQ(d.pattern, Pattern::periodic_spikes) << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
}

TEST(Cycles, ASpikeStillUnderwayWhenTheRunEndsIsNoPartOfTheBaseline) {
    // stats_flush_sawtooth's RSS alone: flushes every 2 s lift it ~240 kB and give it back; the baseline
    // settles from 4.40 to ~4.62 MB by 6 s and stays there. The run ended 0.3 s into a flush, its last
    // three samples 0.06-0.32 MB up: read as baseline, they made it "rise 31 kB/s", a leak.
    const Series s = load_live_heap("stats_flush_sawtooth_rss.csv");
    const Diagnosis d = diagnose(s);
    EXPECT_EQ(d.pattern, Pattern::periodic_spikes) << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
}

}  // namespace
}  // namespace leakscope::diagnosis
