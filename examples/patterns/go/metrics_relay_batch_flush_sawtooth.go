// A bounded sawtooth in a Go service (written in session 33, batch 12, as a held-out check, never tuned
// on): a StatsD-protocol metrics relay in front of a time-series database. Its listener goroutine
// receives 12,000 samples a second ("checkout.latency:12.5|ms|#region:eu-west-1,route:/cart,..."),
// parses each into a sample (name, value, type and tag strings that point into the received line) and
// appends it to the current batch; every 2 s the flusher swaps the batch for a new one, sums it per
// series into a map, encodes the series as a remote-write body and posts it, then drops the lot. A
// batch holds ~24,000 samples and their lines when it is swapped: with the slice's own doublings and
// the flush's temporaries the live heap climbs from ~2 to ~12 MiB and falls back every 2 s. The relay
// also counts the samples of each of the 9,000 series it has seen (filled by the first flush). The
// collector's goal is twice what was live at its last collection, which a fresh batch keeps small, so
// it runs four times a second or so.
// Truth: not a leak: a sawtooth of period 2 s whose floor does not rise. This program prints at exit
// what the collector cannot free (runtime.MemStats after a forced collection) at the same point of two
// cycles (1 s after a flush: 5 s and 13 s), and the largest batch.
// Measured (session 33): held 6.13 MB at 5 s, 6.14 MB at 13 s (+0.7 kB/s), largest batch 24,120
// samples; GODEBUG=gctrace=1: 72 collections in 16 s, live climbing from 2 to 11-13 MiB and back to 2
// every 2 s from the first flush on; under tests/accuracy/measure.py --plain, RSS swinging between ~15
// and ~29 MB with the batches (once a second at 4-11 s: 19.7, 17.8, 21.9, 19.3, 22.4, 19.2, 24.1, 18.8
// MB), its floor 15 MB at 3 s, ~19 MB from 7 s on (+0.32 MB/s over 3-13 s, -0.02 over 9-16 s), tracked
// the same (a static binary: nothing is preloaded); 3% of a core.
// Usage: metrics_relay_batch_flush_sawtooth SECONDS
package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

type sample struct {
	name  string
	value float64
	kind  string
	tags  []string
}

type relay struct {
	mu      sync.Mutex
	batch   []sample
	largest int
	flushes int
	series  map[string]int // the series seen, and how many samples each had
}

func parseLine(line string) (sample, bool) {
	colon := strings.IndexByte(line, ':')
	if colon < 0 {
		return sample{}, false
	}
	fields := strings.Split(line[colon+1:], "|")
	if len(fields) < 2 {
		return sample{}, false
	}
	value, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return sample{}, false
	}
	s := sample{name: line[:colon], value: value, kind: fields[1]}
	if len(fields) > 2 && strings.HasPrefix(fields[2], "#") {
		s.tags = strings.Split(fields[2][1:], ",")
	}
	return s, true
}

func (r *relay) receive(line string) {
	s, ok := parseLine(line)
	if !ok {
		return
	}
	r.mu.Lock()
	r.batch = append(r.batch, s)
	r.mu.Unlock()
}

// flush sums the batch per series and posts it as one remote-write body.
func (r *relay) flush(sink io.Writer) {
	r.mu.Lock()
	batch := r.batch
	r.batch = nil
	if len(batch) > r.largest {
		r.largest = len(batch)
	}
	r.mu.Unlock()
	sums := make(map[string]float64)
	counts := make(map[string]int)
	for _, s := range batch {
		key := s.name + "{" + strings.Join(s.tags, ",") + "}"
		sums[key] += s.value
		counts[key]++
	}
	keys := make([]string, 0, len(sums))
	for key := range sums {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	var body bytes.Buffer
	for _, key := range keys {
		body.WriteString(key)
		body.WriteString(" sum=" + strconv.FormatFloat(sums[key], 'g', -1, 64) + " count=" + strconv.Itoa(counts[key]))
		for k := 0; k < counts[key] && k < 40; k++ { // the exemplars
			body.WriteString(" " + strconv.Itoa(k))
		}
		body.WriteByte('\n')
	}
	sink.Write(body.Bytes())
	r.mu.Lock()
	for key, n := range counts {
		r.series[key] += n
	}
	r.flushes++
	r.mu.Unlock()
}

var metricNames = []string{"checkout.latency", "checkout.requests", "cart.items", "search.latency", "search.hits",
	"payment.declines", "inventory.reserve", "session.active", "cdn.bytes", "db.pool.wait"}
var kinds = []string{"ms", "c", "g", "h"}

func statsdLine(r *rand.Rand) string {
	name := metricNames[r.Intn(len(metricNames))]
	var b strings.Builder
	b.WriteString(name + ":" + strconv.FormatFloat(r.Float64()*250, 'f', 3, 64) + "|" + kinds[r.Intn(len(kinds))])
	b.WriteString("|#region:eu-west-" + strconv.Itoa(1+r.Intn(3)) + ",route:/api/v2/" + name + "/" +
		strconv.Itoa(r.Intn(100)) +
		",pod:web-" + strconv.Itoa(r.Intn(3)) + ",deployment:storefront-7f9c8d6b5,env:production,team:commerce-platform")
	// A sample's line arrives in a datagram read into a fresh buffer: the parsed strings point into it.
	return string(append(make([]byte, 0, b.Len()+200), b.String()...))
}

func main() {
	seconds := runSeconds(20)
	rl := &relay{series: make(map[string]int)}
	lines := make(chan string, 4096)
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		for line := range lines {
			rl.receive(line)
		}
	}()
	flushes := time.NewTicker(2 * time.Second)
	defer flushes.Stop()
	flushing := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(flushing)
		for {
			select {
			case <-flushes.C:
				rl.flush(io.Discard)
			case <-stop:
				return
			}
		}
	}()
	r := rand.New(rand.NewSource(20261210))
	var heldAt5s, heldAt13s uint64
	// 120 samples every 10 ms.
	every(10*time.Millisecond, seconds, func(i int, t time.Duration) {
		if heldAt5s == 0 && t >= 5*time.Second {
			heldAt5s = heldBytes()
		}
		if heldAt13s == 0 && t >= 13*time.Second {
			heldAt13s = heldBytes()
		}
		for k := 0; k < 120; k++ {
			lines <- statsdLine(r)
		}
	})
	close(stop)
	<-flushing
	close(lines)
	<-listening
	fmt.Printf("%d flushes, largest batch %d samples, %d series; held %d B at 5 s, %d B at 13 s (%.0f B/s)\n",
		rl.flushes, rl.largest, len(rl.series), heldAt5s, heldAt13s, (float64(heldAt13s)-float64(heldAt5s))/8)
}
