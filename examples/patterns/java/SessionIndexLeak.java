// A leak through a map of sessions never removed (written in session 7 as a held-out check, never
// tuned on): a login service on a pool of 4 request threads keeps its sessions in a
// ConcurrentHashMap by id and, for "log out everywhere", an index of each user's sessions. Sessions
// expire after 2 s and are removed from the map by a reaper, but the reaper forgets the user index,
// so every session object stays reachable from there. 100 logins a second, each session ~680 B
// (the object, its id, a 256-byte token and an attribute map); 1,000 page requests a second make
// ~20 MB/s of short-lived garbage (rendered pages) that G1's young collections take.
// Run as a small service would be: the default collector (G1), -Xmx128m.
// Truth: a slow leak, linear, of live Java objects: 100 sessions a second of ~680 B each (the object,
// its id and user strings, the token, the attribute map with its table and nodes) = ~68,000 B/s;
// measured with jstat -gc (without leakscope), the heap in use after each young collection grows
// 9.07 -> 10.34 MB over 3-19 s (63-77 kB/s; collections every ~2.5 s). That is ~1.4 MB over the run
// on a ~210 MB process: under 1%. RSS does not show it: G1 commits its whole 128 MB heap in the first
// ~11 s (RSS 148 MB at 4 s, 163 at 7 s, 222 at 11 s under leakscope run) and then stays at 214-222 MB
// to the end, the leak living inside pages already touched. Only the JVM's own figures (the heap in
// use after collections) can show it, over ~8 collections: an honest "undecided" is accepted.
// Usage: java -Xmx128m SessionIndexLeak.java SECONDS
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

public class SessionIndexLeak {
    static final class Session {
        final String id;
        final String user;
        final long created;
        final byte[] token = new byte[256];
        final Map<String, String> attributes = new HashMap<>();

        Session(String id, String user, long created) {
            this.id = id;
            this.user = user;
            this.created = created;
            java.util.Arrays.fill(token, (byte) id.hashCode());
            attributes.put("locale", "en-US");
            attributes.put("theme", "dark");
            attributes.put("csrf", Long.toHexString(created * 31 + id.length()));
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, List<Session>> byUser = new ConcurrentHashMap<>();
    private final ArrayDeque<Session> expiry = new ArrayDeque<>();
    private final AtomicLong rendered = new AtomicLong();

    Session login(long n, long nowMs) {
        String user = "user-" + (n % 5_000);
        Session s = new Session(String.format("sess-%016x", n * 0x9E3779B97F4A7C15L), user, nowMs);
        sessions.put(s.id, s);
        byUser.computeIfAbsent(user, u -> java.util.Collections.synchronizedList(new ArrayList<>())).add(s);
        synchronized (expiry) {
            expiry.addLast(s);
        }
        return s;
    }

    // The bug: expired sessions leave the map but not byUser.
    void reap(long nowMs) {
        synchronized (expiry) {
            while (!expiry.isEmpty() && nowMs - expiry.peekFirst().created > 2_000) {
                sessions.remove(expiry.pollFirst().id);
            }
        }
    }

    void renderPage(long n) {
        StringBuilder page = new StringBuilder(10_000);
        for (int i = 0; i < 300; ++i) page.append("<li>item ").append(n + i).append("</li>");
        rendered.addAndGet(page.toString().length());
    }

    public static void main(String[] args) throws InterruptedException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        SessionIndexLeak service = new SessionIndexLeak();
        ExecutorService workers = Executors.newFixedThreadPool(4);
        long start = System.nanoTime();
        long next = start;
        long n = 0;
        for (long tick = 0; (System.nanoTime() - start) / 1e9 < seconds; ++tick) {
            final long base = n;
            final long nowMs = (System.nanoTime() - start) / 1_000_000;
            workers.submit(() -> service.login(base, nowMs));  // 1 login and 10 pages a tick
            for (int k = 0; k < 10; ++k) {
                final long page = base * 10 + k;
                workers.submit(() -> service.renderPage(page));
            }
            ++n;
            if (tick % 10 == 0) service.reap(nowMs);
            next += 10_000_000L;  // paced by the wall clock: 100 ticks a second
            long sleep = next - System.nanoTime();
            if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
        workers.shutdown();
        workers.awaitTermination(10, TimeUnit.SECONDS);
        System.out.println(service.sessions.size() + " live sessions, " + service.byUser.values().stream()
                .mapToInt(List::size).sum() + " indexed, " + service.rendered.get() + " chars rendered");
    }
}
