// A decelerating warm-up in the JVM's heap (written in session 9 as a held-out check, never tuned on):
// a reverse-geocoding service answers 2,500 lookups a second on a pool of 4 threads. Each lookup
// falls in one of 8,000 map tiles, and a tile's boundary polygons (~4 kB) are loaded from the tile
// store the first time it is asked for and kept in a ConcurrentHashMap with no bound, since the
// region has only 8,000 tiles. Lookups spread evenly over the tiles, so the cache fills fast at first
// and ever more slowly: after t seconds a share 1 - exp(-2500 t / 8000) of the tiles is loaded (63% at
// 3.2 s, 95% at 9.6 s, 99.3% at 16 s), toward a ceiling of ~35 MB. Every lookup also makes ~10 kB of
// garbage (its JSON answer) that the young collections take, every ~3.5 s.
// Run with the serial collector and a fixed ceiling (-XX:+UseSerialGC -Xmx256m).
// Truth: not a leak: a warm-up of ~35 MB of live Java objects that slows down toward its ceiling (the
// growth is 10 MB/s at the start, 0.45 MB/s at 10 s, 70 kB/s at 16 s after the program starts), plus
// the JVM's own start-up and heap sizing. The run starts 1-4 s late (the source is compiled first).
// Measured with -Xlog:gc (without leakscope): the heap after the young collections at 2.3, 5.2, 8.6,
// 12.2, 15.8 and 19.6 s is 15, 27, 33, 34, 35 and 35 MB. Under leakscope run RSS steps up as the
// promoted tiles touch the old generation (203 MB at 4 s, 221 at 6 s, 230 at 9 s, 236.3 at 13 s) and
// stays at 236.3-236.5 MB from 13 s to the end (22.5 s).
// Usage: java -XX:+UseSerialGC -Xmx256m TileCacheSettling.java SECONDS
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

public class TileCacheSettling {
    static final int kTiles = 8_000;

    /** A tile's boundary polygons: the places in it and their outlines, as loaded from the store. */
    static final class Tile {
        final int id;
        final int[] outline;  // 1,000 packed coordinates: 4 kB
        final String[] places;

        Tile(int id) {
            this.id = id;
            outline = new int[1_000];
            for (int k = 0; k < outline.length; ++k) outline[k] = id * 31 + k * 7;
            places = new String[] {"Place " + id + "-A", "Place " + id + "-B", "District " + (id % 97)};
        }

        String nearest(double lat, double lon) { return places[(int) (Math.abs(lat * 1000 + lon)) % places.length]; }
    }

    private final Map<Integer, Tile> tiles = new ConcurrentHashMap<>();
    private final AtomicLong bytesOut = new AtomicLong();

    /** The tile a lookup falls in: spread evenly over all of them (a SplitMix64 step of n). */
    static int tileOf(long n) {
        long z = n * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (int) Long.remainderUnsigned(z ^ (z >>> 31), kTiles);
    }

    void lookup(long n) {
        Tile tile = tiles.computeIfAbsent(tileOf(n), Tile::new);
        double lat = 48.0 + (n % 1000) / 1000.0, lon = 11.0 + (n % 777) / 777.0;
        StringBuilder json = new StringBuilder(4_096);
        json.append("{\"lat\":").append(lat).append(",\"lon\":").append(lon).append(",\"tile\":").append(tile.id)
                .append(",\"place\":\"").append(tile.nearest(lat, lon)).append("\",\"outline\":[");
        for (int k = 0; k < 500; ++k) json.append(tile.outline[k * 7 % tile.outline.length]).append(',');
        json.append("]}");
        bytesOut.addAndGet(json.toString().length());
    }

    public static void main(String[] args) throws InterruptedException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 22;
        TileCacheSettling service = new TileCacheSettling();
        ExecutorService workers = Executors.newFixedThreadPool(4);
        long start = System.nanoTime();
        long next = start;
        long n = 0, ticks = 0, lateTicks = 0, worstLateNs = 0;
        for (long now; (now = System.nanoTime()) - start < (long) (seconds * 1e9); ++ticks) {
            long late = now - next;  // a tick this late means the machine starved the pacing
            if (late > 250_000_000L) ++lateTicks;
            worstLateNs = Math.max(worstLateNs, late);
            final long first = n;
            n += 25;
            workers.submit(() -> {  // 100 ticks a second, 25 lookups each
                for (long k = first; k < first + 25; ++k) service.lookup(k);
            });
            next += 10_000_000L;  // paced by the wall clock
            long sleep = next - System.nanoTime();
            if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
        if (lateTicks > 0)
            System.err.printf("pacing lost: %d of %d ticks started more than 0.25 s late (the latest %.2f s late)%n",
                    lateTicks, ticks, worstLateNs / 1e9);
        workers.shutdown();
        workers.awaitTermination(10, TimeUnit.SECONDS);
        System.out.println(service.tiles.size() + " tiles cached, " + n + " lookups, " + service.bytesOut.get() + " bytes out");
    }
}
