// A leak in the JVM's heap through a request-scoped cache made a singleton (written in session 24, batch
// 8, as a held-out check, never tuned on): the GraphQL service behind a shop's product pages, on a pool
// of 4 request threads, 300 queries a second. Each query resolves a product and its 5 "related"
// products through a DataLoader, which batches the loads of one request and caches them by id, so that
// a product asked for twice in one query is fetched once. The loader's cache is meant to live as long as
// its request (a DataLoader per request, in the request's context), but the wiring creates one loader
// per service, at start, and hands it to every request: every product ever loaded stays in its
// ConcurrentHashMap, and the catalog has five million. Each query also renders ~7 kB of JSON and its
// resolver objects, short-lived garbage the young collections take.
// Run with the parallel collector from a small heap (-XX:+UseParallelGC -Xms32m -Xmx512m), as the
// service's container sets it.
// Truth: a leak, linear, of live Java objects: ~1,750 products a second newly cached (the 5 related
// products of each query, the root product of the 70% of queries that do not open one of the 2,000
// featured products, and the featured ones at their first load), each the Product (its SKU, title and
// brand strings, a BigDecimal price, an ArrayList of 4 tags, a HashMap of 6 attributes), its completed
// future, its Long key and the map's node: ~1.09 kB, so ~1.9 MB/s, ~37 MB over the run. The JVM's
// heap is mapped by the JVM, not by malloc: the tracker sees none of it, and RSS shows it through the
// collector, as the old generation fills and the heap is expanded in steps, beside the young
// generation's own resizing.
// Measured (session 24): jcmd GC.class_histogram (live objects, after a full collection) in a plain run:
// 14.3 MB at 6 s, 25.5 at 12 s, 37.1 at 18 s (1.90 MB/s; 9,796, 20,147 and 30,785 products); -Xlog:gc:
// the heap after the young collections at 4.5 and 11.2 s 13 and 26 MB, after a full one at 17.9 s 34
// MB; tests/accuracy/measure.py --plain, RSS 106 MB at 1 s, 122 at 3 s, 123-137 MB until 11 s, 153 at
// 12 s, 155.6 at 20 s (+2.63 MB/s over 3-20 s, in steps at the collections); tracked, RSS 133 -> 169
// MB over 3-20 s; 6,000 queries, 35,317 products cached at exit.
// Usage: java -XX:+UseParallelGC -Xms32m -Xmx512m DataLoaderSingletonCacheLeak.java SECONDS
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

public class DataLoaderSingletonCacheLeak {
    static final long CATALOG = 5_000_000L;
    static final int FEATURED = 2_000;
    static final String[] BRANDS = {"Nordkamm", "Vellora", "Brightfield", "Oakhaven Outdoor", "Sunmaru", "Kettleby"};
    static final String[] TAGS = {"new", "sale", "eco", "bestseller", "bundle", "limited", "gift", "clearance"};

    record Product(long id, String sku, String title, String brand, BigDecimal price, List<String> tags,
                   Map<String, String> attributes) {}

    static long mix(long x) {
        x += 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    // The product service's answer for one id (the batched HTTP call is not simulated: its result is).
    static Product fetch(long id) {
        long h = mix(id);
        List<String> tags = new ArrayList<>(4);
        for (int k = 0; k < 4; ++k) tags.add(TAGS[(int) Long.remainderUnsigned(h >>> (8 * k), TAGS.length)]);
        Map<String, String> attributes = new HashMap<>();
        attributes.put("color", "shade-" + Long.remainderUnsigned(h, 140));
        attributes.put("size", Long.toString(34 + Long.remainderUnsigned(h >>> 8, 16)));
        attributes.put("material", "blend-" + Long.remainderUnsigned(h >>> 16, 60) + "% cotton");
        attributes.put("care", "wash at " + (30 + 10 * Long.remainderUnsigned(h >>> 24, 3)) + " C, do not tumble dry");
        attributes.put("origin", "lot " + Long.toHexString(h >>> 32));
        attributes.put("ean", Long.toString(4_000_000_000_000L + Long.remainderUnsigned(h, 999_999_999_999L)));
        return new Product(id, "SKU-" + Long.toString(id, 36).toUpperCase(),
                "Everyday product " + id + " in shade " + Long.remainderUnsigned(h, 140) + ", relaxed fit",
                BRANDS[(int) Long.remainderUnsigned(h >>> 40, BRANDS.length)],
                BigDecimal.valueOf(Long.remainderUnsigned(h, 50_000) + 99, 2), tags, attributes);
    }

    // Batches and caches the loads by id. Meant to be created per request.
    static final class ProductLoader {
        final Map<Long, CompletableFuture<Product>> cache = new ConcurrentHashMap<>();
        final AtomicLong fetched = new AtomicLong();

        CompletableFuture<Product> load(long id) {
            return cache.computeIfAbsent(id, k -> {
                fetched.incrementAndGet();
                return CompletableFuture.completedFuture(fetch(k));
            });
        }
    }

    // The bug: one loader for the whole service, wired at start, instead of one per request.
    final ProductLoader loader = new ProductLoader();
    final AtomicLong bytesOut = new AtomicLong();

    void productPage(long n) {
        long h = mix(n ^ 0x51ED270B27L);
        long root = Long.remainderUnsigned(h, 100) < 30 ? Long.remainderUnsigned(h >>> 8, FEATURED)
                                                       : FEATURED + Long.remainderUnsigned(h >>> 8, CATALOG);
        List<CompletableFuture<Product>> loads = new ArrayList<>();
        loads.add(loader.load(root));
        for (int k = 1; k <= 5; ++k) loads.add(loader.load(FEATURED + Long.remainderUnsigned(mix(h + k), CATALOG)));
        StringBuilder json = new StringBuilder(8_192).append("{\"data\":{\"product\":");
        for (CompletableFuture<Product> load : loads) {
            Product p = load.join();
            json.append("{\"id\":\"").append(p.sku()).append("\",\"title\":\"").append(p.title())
                .append("\",\"brand\":\"").append(p.brand()).append("\",\"price\":").append(p.price())
                .append(",\"tags\":").append(p.tags()).append(",\"attributes\":{");
            p.attributes().forEach((k, v) -> json.append('"').append(k).append("\":\"").append(v).append("\","));
            json.append("\"reviews\":[");
            for (int r = 0; r < 6; ++r)
                json.append("{\"stars\":").append(1 + (p.id() + r) % 5).append(",\"text\":\"Review ").append(r)
                    .append(" of ").append(p.sku()).append(": fits as expected, colour as pictured\"},");
            json.append("{}]}},");
        }
        json.append("{}}}");
        bytesOut.addAndGet(json.length());
    }

    public static void main(String[] args) throws InterruptedException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        DataLoaderSingletonCacheLeak service = new DataLoaderSingletonCacheLeak();
        ExecutorService workers = Executors.newFixedThreadPool(4);
        long start = System.nanoTime();
        long next = start;
        long n = 0, ticks = 0, lateTicks = 0, worstLateNs = 0;
        for (long now; (now = System.nanoTime()) - start < (long) (seconds * 1e9); ++ticks) {
            long late = now - next;  // a tick this late means the machine starved the pacing
            if (late > 250_000_000L) ++lateTicks;
            worstLateNs = Math.max(worstLateNs, late);
            for (int k = 0; k < 3; ++k) {  // 100 ticks a second, 3 queries each
                final long query = n++;
                workers.submit(() -> service.productPage(query));
            }
            next += 10_000_000L;  // paced by the wall clock
            long sleep = next - System.nanoTime();
            if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
        if (lateTicks > 0)
            System.err.printf("pacing lost: %d of %d ticks started more than 0.25 s late (the latest %.2f s late)%n",
                    lateTicks, ticks, worstLateNs / 1e9);
        workers.shutdown();
        workers.awaitTermination(10, TimeUnit.SECONDS);
        System.out.println(n + " queries, " + service.loader.fetched.get() + " products fetched, "
                + service.loader.cache.size() + " cached, " + service.bytesOut.get() + " bytes out");
    }
}
