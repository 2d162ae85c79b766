// Wall-clock pacing for the Go programs of the corpus (the Go twin of ../pacing.h), built into each of
// them (CMakeLists.txt): work is tied to time, not to CPU speed, so a program's true growth rate holds
// on any machine, and a run that could not keep its pace says so in the line the runner looks for.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

// A tick that starts this much after its time means the machine did not give the program the CPU its
// pacing needs.
const lateTick = 250 * time.Millisecond

// runSeconds is argv[1], or fallback.
func runSeconds(fallback float64) float64 {
	if len(os.Args) > 1 {
		if s, err := strconv.ParseFloat(os.Args[1], 64); err == nil {
			return s
		}
	}
	return fallback
}

// every calls tick(i, t) every period (t: time since the start) until seconds have passed; a late tick
// runs at once (the work is caught up, not skipped), and lateness is reported on stderr at the end.
// It returns how long it ran.
func every(period time.Duration, seconds float64, tick func(i int, t time.Duration)) time.Duration {
	start := time.Now()
	lateTicks, i := 0, 0
	var worstLate time.Duration
	for ; ; i++ {
		t := time.Since(start)
		if t.Seconds() >= seconds {
			break
		}
		if late := t - time.Duration(i)*period; late > lateTick {
			lateTicks++
			if late > worstLate {
				worstLate = late
			}
		}
		tick(i, t)
		if wait := time.Until(start.Add(time.Duration(i+1) * period)); wait > 0 {
			time.Sleep(wait)
		}
	}
	if lateTicks > 0 {
		fmt.Fprintf(os.Stderr, "pacing lost: %d of %d ticks started more than %.2f s late (the latest %.2f s late)\n",
			lateTicks, i, lateTick.Seconds(), worstLate.Seconds())
	}
	return time.Since(start)
}

// heldBytes is what the collector cannot free: the heap in use after a forced collection, and the
// goroutines' stacks.
func heldBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}
