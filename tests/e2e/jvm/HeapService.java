// Tuning programs for the JVM heap verdict (src/diagnosis/runtime_heap.*), one service per mode, each
// run under G1 (the JVM's default here), -XX:+UseSerialGC and -XX:+UseParallelGC. Every mode serves 200
// requests a second (20 every 0.1 s, paced by the wall clock), each making ~20 KB of short-lived
// garbage (a response built in a StringBuilder) that dies young; what differs is what stays behind:
//   leak       a session map that never removes: 100 sessions of 10,000 bytes a second (1.0 MB/s live)
//   fast-leak  the same, 200 sessions a second (2.0 MB/s live)
//   slow-leak  the same, 10 sessions a second (0.1 MB/s live)
//   cache      an LRU of 20,000 entries of 2,000 bytes (40 MB), 2,000 puts a second from a key space
//              twice as large: full after ~12 s, then every put evicts the eldest; entries live ~10 s,
//              long enough to reach the old generation and die there (promoted garbage, not a leak)
//   sawtooth   every 0.5 s a batch of 24 MB (three 8 MB buffers, too large for G1's young regions, so
//              they go straight to old "humongous" regions) filled and dropped: flat
//   warmup     a 30 MB catalog (15,000 entries of 2,000 bytes) loaded over the first 5 s, then only read
// Truth: leak, fast-leak and slow-leak are leaks at the rates above; cache, sawtooth and warmup are not.
// Usage: java [GC flags] HeapService.java MODE SECONDS
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class HeapService {
    static long checksum;

    interface Workload {
        void tick(long tick);
    }

    /// Sessions added and never removed: `perSecond` of `bytes` each.
    static Workload sessionLeak(int perSecond, int bytes) {
        Map<Long, byte[]> sessions = new HashMap<>();
        return tick -> {
            for (int k = 0; k < perSecond / 10; ++k) {
                byte[] state = new byte[bytes];
                state[k] = (byte) tick;
                sessions.put(tick * 1000 + k, state);
            }
        };
    }

    static Workload lruCache() {
        final int capacity = 20_000;
        Map<Integer, byte[]> cache = new LinkedHashMap<>(capacity, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, byte[]> eldest) {
                return size() > capacity;
            }
        };
        return tick -> {
            for (int k = 0; k < 200; ++k) {
                int key = (int) ((tick * 200 + k) % (2 * capacity));  // a miss every time once full: evicts
                byte[] entry = cache.get(key);
                if (entry == null) cache.put(key, entry = new byte[2_000]);
                checksum += entry[k % entry.length]++;
            }
        };
    }

    static Workload batches() {
        return tick -> {
            if (tick % 5 != 0) return;
            List<byte[]> batch = new ArrayList<>();
            for (int i = 0; i < 3; ++i) {
                byte[] buffer = new byte[8 << 20];
                java.util.Arrays.fill(buffer, (byte) tick);
                batch.add(buffer);
            }
            for (byte[] b : batch) checksum += b[(int) (tick % b.length)];
        };
    }

    static Workload catalogWarmup() {
        List<byte[]> catalog = new ArrayList<>();
        return tick -> {
            if (catalog.size() < 15_000) {
                for (int k = 0; k < 300; ++k) catalog.add(new byte[2_000]);  // 15,000 entries in 50 ticks
            } else {
                checksum += catalog.get((int) (tick % catalog.size()))[0];
            }
        };
    }

    static void serveRequest(long request) {
        StringBuilder response = new StringBuilder(10_000);
        for (int i = 0; i < 400; ++i) response.append("field-").append(i).append(';');
        checksum += response.toString().hashCode() + request;
    }

    public static void main(String[] args) throws InterruptedException {
        String mode = args.length > 0 ? args[0] : "leak";
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 40;
        Workload workload = switch (mode) {
            case "leak" -> sessionLeak(100, 10_000);
            case "fast-leak" -> sessionLeak(200, 10_000);
            case "slow-leak" -> sessionLeak(10, 10_000);
            case "cache" -> lruCache();
            case "sawtooth" -> batches();
            case "warmup" -> catalogWarmup();
            default -> throw new IllegalArgumentException("mode: leak, fast-leak, slow-leak, cache, sawtooth or warmup");
        };
        long start = System.nanoTime();
        long next = start;
        long request = 0;
        for (long tick = 0; (System.nanoTime() - start) / 1e9 < seconds; ++tick) {
            workload.tick(tick);
            for (int k = 0; k < 20; ++k) serveRequest(request++);
            next += 100_000_000L;
            long sleep = next - System.nanoTime();
            if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
        System.out.println(mode + ": " + request + " requests, checksum " + checksum);
    }
}
