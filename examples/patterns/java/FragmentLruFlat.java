// A bounded LRU cache on a JVM, flat after its fill (written in session 7 as a held-out check, never
// tuned on): a storefront renders product-page fragments on a pool of 4 threads and keeps the last
// 3,000 in a LinkedHashMap in access order (the eldest removed on insert), behind a lock. 800 requests
// a second for products drawn uniformly from 10,000: the cache fills with ~3,000 fragments of ~3 kB
// in its first ~5 s, then evicts one per miss (about 70% of requests), and every request also makes
// a ~15 kB response that is garbage at once. Run as a throughput-minded service is run: the parallel
// collector, a fixed 256 MB heap (-Xms = -Xmx).
// Truth: warm-up, then flat: not a leak. The cache holds ~2,000 x ~3.1 kB = ~6.3 MB; the heap in use
// after each young collection (jstat -gc, without leakscope) is 8.6 MB after the first (5 s), then
// 9.6-9.9 MB from 9 s to the end, and the old generation stays empty (27 kB: the evicted fragments die
// in the survivor spaces); collections every ~4 s. RSS: 162 MB at 5 s (eden touched), 164.6 MB flat
// from 14 s (without leakscope); under leakscope run 174 MB at 5 s, 202 at 10 s, 199 MB flat over
// 15-20 s.
// Usage: java -XX:+UseParallelGC -Xms256m -Xmx256m FragmentLruFlat.java SECONDS
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

public class FragmentLruFlat {
    static final int kCapacity = 2_000;

    private final Map<Integer, String> fragments = new LinkedHashMap<>(4_096, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
            return size() > kCapacity;
        }
    };
    // The page layout around a fragment: ~6 kB before, ~6 kB after.
    static final String kHead = "<html><head>" + "<meta name=\"x\" content=\"y\">".repeat(200) + "</head><body>";
    static final String kTail = "<footer>" + "<a href=\"/help\">help</a>".repeat(250) + "</footer></body></html>";

    private final AtomicLong served = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    static String render(int product) {
        StringBuilder html = new StringBuilder(3_200);
        html.append("<div class=\"product\" id=\"p").append(product).append("\">");
        for (int i = 0; i < 60; ++i) html.append("<span>attr-").append(product * 31 + i).append("</span>");
        while (html.length() < 3_000) html.append(' ');
        return html.toString();
    }

    void serve(int product) {
        String fragment;
        synchronized (fragments) {
            fragment = fragments.get(product);
        }
        if (fragment == null) {
            fragment = render(product);
            misses.incrementAndGet();
            synchronized (fragments) {
                fragments.put(product, fragment);
            }
        }
        String response = kHead + fragment + kTail;  // the ~15 kB response, garbage at once
        served.addAndGet(response.length());
    }

    public static void main(String[] args) throws InterruptedException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        FragmentLruFlat cache = new FragmentLruFlat();
        ExecutorService workers = Executors.newFixedThreadPool(4);
        SplittableRandom random = new SplittableRandom(7);
        long start = System.nanoTime();
        long next = start;
        for (long tick = 0; (System.nanoTime() - start) / 1e9 < seconds; ++tick) {
            for (int k = 0; k < 8; ++k) {
                final int product = random.nextInt(8_000);
                workers.submit(() -> cache.serve(product));
            }
            next += 10_000_000L;  // paced by the wall clock: 100 ticks a second, 8 requests each
            long sleep = next - System.nanoTime();
            if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
        workers.shutdown();
        workers.awaitTermination(10, TimeUnit.SECONDS);
        System.out.println(cache.fragments.size() + " cached, " + cache.misses.get() + " misses, " + cache.served.get());
    }
}
