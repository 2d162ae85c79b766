// A JVM service in steady state (a bounded Java heap that only looks like growth): 200 requests a
// second look up a session in an LRU map capped at 1,000 sessions (LinkedHashMap in access order,
// the eldest removed on insert), each session holding 4,000 bytes of state; every request also makes
// ~20 KB of short-lived garbage (a response buffer and its string) that the young generation collects.
// Truth: no leak. Users come round-robin from 1,300 ids at 200 a second, so the pool is full (1,000
// sessions, 4 MB of state) after 5 s and then evicts: a warm-up of the pool and of the JVM's heap,
// then flat (the heap's collections make RSS move in steps around that level).
// Usage: java -Xms16m -XX:+UseSerialGC SessionPoolFlat.java SECONDS
import java.util.LinkedHashMap;
import java.util.Map;

public class SessionPoolFlat {
    static final int kSessions = 1_000;

    private final Map<Integer, byte[]> sessions = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, byte[]> eldest) {
            return size() > kSessions;
        }
    };
    private long checksum = 0;

    void serve(long request) {
        int user = (int) (request % 1_300);  // a few more users than the pool holds: evictions go on
        byte[] state = sessions.get(user);
        if (state == null) {
            state = new byte[4_000];
            sessions.put(user, state);
        }
        state[(int) (request % state.length)]++;
        StringBuilder response = new StringBuilder(10_000);
        for (int i = 0; i < 400; ++i) response.append("field-").append(i).append(';');
        checksum += response.toString().hashCode();
    }

    public static void main(String[] args) throws InterruptedException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        SessionPoolFlat pool = new SessionPoolFlat();
        long start = System.nanoTime();
        long next = start;
        long request = 0;
        for (long tick = 0; (System.nanoTime() - start) / 1e9 < seconds; ++tick) {
            for (int k = 0; k < 20; ++k) pool.serve(request++);
            next += 100_000_000L;  // paced by the wall clock: 10 ticks a second
            long sleep = next - System.nanoTime();
            if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
        System.out.println(request + " requests, " + pool.sessions.size() + " sessions, " + pool.checksum);
    }
}
