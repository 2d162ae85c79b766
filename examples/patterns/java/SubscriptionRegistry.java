// RSS growth in a JVM's own heap (failure class 3): a pub/sub registry adds 10 subscriptions of
// 10,000 bytes every 0.1 s and never removes them (1 MB/s retained on the Java heap). The JVM's heap is
// mapped by the JVM itself, not by malloc: the tracker sees none of it, RSS sees all of it (the heap
// expands as the old generation fills). Run with a small initial heap so the retained data, not a
// first fill of a huge eden, is what RSS shows.
// Truth: a leak, linear, ~1,000,000 B/s of live Java objects (RSS rises in GC-sized steps around it).
// Usage: java -Xms16m -XX:+UseSerialGC SubscriptionRegistry.java SECONDS
import java.util.ArrayList;
import java.util.List;

public class SubscriptionRegistry {
    private final List<byte[]> subscriptions = new ArrayList<>();

    void subscribe(long id) {
        byte[] state = new byte[10_000];
        java.util.Arrays.fill(state, (byte) id);
        subscriptions.add(state);
    }

    public static void main(String[] args) throws InterruptedException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        SubscriptionRegistry registry = new SubscriptionRegistry();
        long start = System.nanoTime();
        long next = start;
        for (long tick = 0; (System.nanoTime() - start) / 1e9 < seconds; ++tick) {
            for (int k = 0; k < 10; ++k) registry.subscribe(tick * 10 + k);
            next += 100_000_000L;  // paced by the wall clock: 10 ticks a second
            long sleep = next - System.nanoTime();
            if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
        System.out.println(registry.subscriptions.size() + " subscriptions");
    }
}
