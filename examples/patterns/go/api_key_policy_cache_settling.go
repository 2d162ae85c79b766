// A settling warm-up in a Go service (written in session 33, batch 12, as a held-out check, never tuned
// on): the authorization sidecar of a public API's gateway. Each request carries one of the platform's
// 15,000 live API keys; the sidecar resolves a key's policy from the control plane at its first request
// (its scopes, its rate-limit plan, its allowed CIDRs parsed with net.ParseCIDR, its route ACL: ~3.6 kB
// of strings, slices and maps) and keeps it, keys drawn uniformly at 6,000 requests a second on four
// workers, so the cache fills as 1 - e^(-t/2.5 s): ~12,000 keys by 4 s, ~14,400 by 8 s, the last few
// dozen still arriving at the end. A key's policy changes only when its owner edits it, which this run
// does not model. Each request's own garbage is small (its decision and an audit line, a few hundred
// bytes), so once the cache is filled the collector runs rarely: its goal is twice what was live at the
// last collection, ~96 MB after the one at ~6 s, against ~3 MB/s of garbage: the next is due at ~22 s.
// Truth: not a leak: a warm-up that keeps slowing down and settles at ~54.5 MB of policies. This
// program prints at exit the cache's size at 4, 8 and 12 s and what the collector cannot free at the
// end (runtime.MemStats after a forced collection; none is forced during the run, which would add a
// collection the service does not make).
// Measured (session 33): 11,986 policies at 4 s, 14,390 at 8 s, 14,868 at 12 s, 14,970 at 16 s, held
// 54.5 MB at the end (3,644 B a policy); GODEBUG=gctrace=1: 13 collections in the first 3 s (live 1 ->
// 36 MiB), one at 5.4-6.0 s (46-48 MiB), then none until the forced one at exit (51 MiB); under
// tests/accuracy/measure.py --plain, RSS 61.9 MB at 3 s, 84.7 at 6 s, flat to 12 s, 91.9 at 16 s;
// tracked (a static binary: nothing is preloaded), 63.2 at 3 s, 79.6 at 8 s, 96.9 at 16 s (+2.3 MB/s
// over 8-16 s): the heap filling toward its goal with garbage; 4% of a core.
// The manifest allows an undecided verdict: after the collection at ~6 s the run's last 10 s hold no
// measure of the live heap, while RSS climbs toward the goal at a leak's pace.
// Usage: api_key_policy_cache_settling SECONDS
package main

import (
	"fmt"
	"io"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

type policy struct {
	key         string
	owner       string
	scopes      []string
	plan        string
	perSecond   int
	burst       int
	allowedNets []*net.IPNet
	routes      map[string][]string // route prefix -> methods
	fetchedAt   time.Time
}

type policyCache struct {
	mu       sync.RWMutex
	policies map[string]*policy
	misses   int
}

var scopeNames = []string{"orders:read", "orders:write", "catalog:read", "catalog:write", "customers:read",
	"customers:write", "payments:read", "refunds:write", "webhooks:manage", "reports:read", "inventory:read",
	"inventory:write", "shipping:read", "shipping:write", "analytics:read", "admin"}

// fetch stands in for the control plane's answer: the key's policy, rebuilt from its id.
func fetch(key string, k int) *policy {
	r := rand.New(rand.NewSource(int64(k)))
	plans := []string{"free", "starter", "growth", "enterprise"}
	p := &policy{key: key, owner: "org_" + strconv.Itoa(k/3), plan: plans[k%4],
		perSecond: 10 + 10*(k%50), burst: 100 + k%400, routes: make(map[string][]string), fetchedAt: time.Now()}
	for s := 0; s < 4+r.Intn(12); s++ {
		p.scopes = append(p.scopes, scopeNames[r.Intn(len(scopeNames))]+"@"+p.owner)
	}
	for c := 0; c < 2+r.Intn(8); c++ {
		if _, network, err := net.ParseCIDR(strconv.Itoa(10+r.Intn(200)) + "." + strconv.Itoa(r.Intn(256)) + "." +
			strconv.Itoa(r.Intn(256)) + ".0/24"); err == nil {
			p.allowedNets = append(p.allowedNets, network)
		}
	}
	for route := 0; route < 12+r.Intn(16); route++ {
		resource := strings.Split(scopeNames[r.Intn(len(scopeNames))], ":")[0]
		prefix := "/v3/" + resource + "/" + strconv.Itoa(route) + "/" + p.owner
		p.routes[prefix] = []string{"GET", "HEAD", "POST", "PUT"}[:1+r.Intn(4)]
	}
	return p
}

func (c *policyCache) get(key string, k int) *policy {
	c.mu.RLock()
	p := c.policies[key]
	c.mu.RUnlock()
	if p != nil {
		return p
	}
	p = fetch(key, k)
	c.mu.Lock()
	if existing := c.policies[key]; existing != nil {
		p = existing
	} else {
		c.policies[key] = p
		c.misses++
	}
	c.mu.Unlock()
	return p
}

func (c *policyCache) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.policies)
}

func authorize(p *policy, route string, client net.IP, audit io.Writer) bool {
	allowed := len(p.allowedNets) == 0
	for _, network := range p.allowedNets {
		if network.Contains(client) {
			allowed = true
		}
	}
	for prefix := range p.routes {
		if strings.HasPrefix(route, prefix) {
			break
		}
	}
	line := "key=" + p.key + " owner=" + p.owner + " route=" + route + " client=" + client.String() +
		" plan=" + p.plan + " decision=" + strconv.FormatBool(allowed) + "\n"
	audit.Write([]byte(line))
	return allowed
}

func main() {
	seconds := runSeconds(20)
	const keys = 15000
	cache := &policyCache{policies: make(map[string]*policy)}
	keyNames := make([]string, keys)
	for k := range keyNames {
		keyNames[k] = "ak_live_" + strconv.FormatUint(uint64(k)*0x9E3779B97F4A7C15, 36)
	}
	requests := make(chan int, 1024)
	var workers sync.WaitGroup
	for w := 0; w < 4; w++ {
		workers.Add(1)
		go func(w int) {
			defer workers.Done()
			r := rand.New(rand.NewSource(int64(500 + w)))
			for range requests {
				k := r.Intn(keys)
				p := cache.get(keyNames[k], k)
				client := net.IPv4(byte(10+r.Intn(200)), byte(r.Intn(256)), byte(r.Intn(256)), byte(r.Intn(256)))
				authorize(p, "/v3/orders/"+strconv.Itoa(r.Intn(30))+"/"+p.owner, client, io.Discard)
			}
		}(w)
	}
	var sizes [3]int
	n := 0
	// 60 requests every 10 ms.
	every(10*time.Millisecond, seconds, func(i int, t time.Duration) {
		for s, at := range []time.Duration{4 * time.Second, 8 * time.Second, 12 * time.Second} {
			if sizes[s] == 0 && t >= at {
				sizes[s] = cache.size()
			}
		}
		for k := 0; k < 60; k++ {
			n++
			requests <- n
		}
	})
	close(requests)
	workers.Wait()
	end := heldBytes()
	fmt.Printf("%d requests, %d of %d keys' policies cached (%d at 4 s, %d at 8 s, %d at 12 s); "+
		"held %d B at the end (%.0f B a policy)\n",
		n, cache.size(), keys, sizes[0], sizes[1], sizes[2], end, float64(end)/float64(cache.size()))
}
