// Periodic spikes of live Java objects over a flat base, no leak (written in session 35, batch 14, as a
// held-out check, never tuned on): the reconciliation worker of a payments company's treasury service, run
// with the serial collector (-XX:+UseSerialGC -Xmx256m, as its container sets it). Every 3 s it reconciles the
// last window of the ledger against the bank's statement: it loads 160,000 ledger entries (each a record with
// its id, account IBAN, counterparty name, end-to-end reference, a BigDecimal amount, value date and booking
// text: ~0.2 kB each) and 150,000 statement lines, indexes the ledger by end-to-end reference in a HashMap,
// matches the lines, and keeps only the report: the unmatched entries' ids and the totals (a few kB, the last
// 20 reports kept). Everything else is dropped when the run ends, ~0.6 s after it started. Between runs the
// worker answers 200 balance queries a second from a fixed table of 5,000 accounts (short-lived garbage only).
// Truth: not a leak: periodic spikes of live objects (~38 MB of live objects at each run's peak, back to ~6 MB
// of the JVM's own objects, the accounts and the reports between runs, each run's objects live ~0.3-0.8 s), every 3 s from 1 s on, five or six runs in an 18 s run; the JVM's heap
// is mapped by the JVM, not by malloc, so leakscope sees it through RSS, which grows as the collector expands
// the heap for the first runs and then stays near the heap's committed size (a plateau in RSS).
// The program prints each run's counts and the JVM's used heap at its peak and after it on stderr.
// Measured (session 35): LEDGER_MEASURE_LIVE=1 (a full collection at each peak and after each run), used heap 37.3-41.4
// MB at the six peaks, 5.9-10.0 MB after them; tests/accuracy/measure.py --plain, RSS 122 MB at 1 s, 195 at 3 s, 249 at 9
// s, 256 at 13 s, 292 at 16 s (+8.7 MB/s over 1-16 s, +7.1 over 3-13 s: the heap committed toward -Xmx, young
// generations of garbage); tracked, RSS 113 -> 306 MB over 1-16 s, malloc's heap (the JVM's own) 16.0 -> 5.2 MB; -Xlog:gc:
// young collections every ~0.1 s during a run, full ones now and then; 6 runs, 3,600 balance queries.
// Usage: java -XX:+UseSerialGC -Xmx256m LedgerReconciliationSpikes.java SECONDS
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

public class LedgerReconciliationSpikes {
    static final int LEDGER_ENTRIES = 60_000;
    static final int STATEMENT_LINES = 56_000;
    static final int ACCOUNTS = 5_000;
    // LEDGER_MEASURE_LIVE=1: a full collection at each run's peak and after it, to print the live objects.
    static final boolean MEASURE_LIVE = "1".equals(System.getenv("LEDGER_MEASURE_LIVE"));
    static final String[] COUNTERPARTIES = {"Stadtwerke Leipzig GmbH", "Deutsche Bahn AG", "Zalando SE", "Allianz Versicherungs-AG",
            "Vattenfall Europe Sales", "Amazon EU S.a r.l.", "Finanzamt Hamburg-Mitte", "Techniker Krankenkasse"};

    record LedgerEntry(long id, String iban, String counterparty, String endToEndRef, BigDecimal amount,
                       LocalDate valueDate, String bookingText) {}

    record StatementLine(String endToEndRef, BigDecimal amount, LocalDate valueDate, String remittance) {}

    record Report(int run, int matched, int unmatchedLedger, int unmatchedBank, long[] unmatchedIds, BigDecimal difference) {}

    static long mix(long x) {
        x += 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    static String iban(long h) {
        return String.format("DE%02d%08d%010d", Long.remainderUnsigned(h, 90) + 10, Long.remainderUnsigned(h >>> 8, 100_000_000L),
                Long.remainderUnsigned(h >>> 20, 10_000_000_000L));
    }

    final long[] balances = new long[ACCOUNTS];
    final String[] accountIbans = new String[ACCOUNTS];
    final ArrayDeque<Report> reports = new ArrayDeque<>();
    long queries;
    final long start = System.nanoTime();

    LedgerReconciliationSpikes() {
        for (int a = 0; a < ACCOUNTS; ++a) {
            accountIbans[a] = iban(mix(a));
            balances[a] = Long.remainderUnsigned(mix(a + 7), 10_000_000L);
        }
    }

    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    Report reconcile(int run) {
        long base = (long) run * LEDGER_ENTRIES;
        List<LedgerEntry> ledger = new ArrayList<>(LEDGER_ENTRIES);
        for (int i = 0; i < LEDGER_ENTRIES; ++i) {
            long h = mix(base + i);
            ledger.add(new LedgerEntry(base + i, iban(h), COUNTERPARTIES[(int) Long.remainderUnsigned(h >>> 40, 8)],
                    "E2E-" + Long.toHexString(h).toUpperCase(), BigDecimal.valueOf(Long.remainderUnsigned(h >>> 3, 5_000_000L), 2),
                    LocalDate.of(2026, 12, 1 + (int) Long.remainderUnsigned(h >>> 50, 28)),
                    "SEPA-UEBERWEISUNG RE " + Long.remainderUnsigned(h >>> 12, 1_000_000L)));
        }
        List<StatementLine> statement = new ArrayList<>(STATEMENT_LINES);
        for (int i = 0; i < STATEMENT_LINES; ++i) {
            long h = mix(base + i);
            statement.add(new StatementLine("E2E-" + Long.toHexString(h).toUpperCase(),
                    BigDecimal.valueOf(Long.remainderUnsigned(h >>> 3, 5_000_000L), 2),
                    LocalDate.of(2026, 12, 1 + (int) Long.remainderUnsigned(h >>> 50, 28)),
                    "SVWZ+RE " + Long.remainderUnsigned(h >>> 12, 1_000_000L) + " KREF+" + Long.toString(h >>> 16, 36)));
        }
        Map<String, LedgerEntry> byRef = new HashMap<>(LEDGER_ENTRIES * 2);
        for (LedgerEntry e : ledger) byRef.put(e.endToEndRef(), e);
        int matched = 0, unmatchedBank = 0;
        BigDecimal difference = BigDecimal.ZERO;
        for (StatementLine line : statement) {
            LedgerEntry e = byRef.remove(line.endToEndRef());
            if (e == null) { ++unmatchedBank; continue; }
            ++matched;
            difference = difference.add(e.amount().subtract(line.amount()));
        }
        if (MEASURE_LIVE) System.gc();  // measurement only: the live objects at the run's peak
        long peak = usedHeap();
        long[] unmatchedIds = byRef.values().stream().mapToLong(LedgerEntry::id).limit(500).toArray();
        Report report = new Report(run, matched, byRef.size(), unmatchedBank, unmatchedIds, difference);
        System.err.printf("run %d: %d ledger entries, %d statement lines, %d matched, %d unmatched; used heap %.1f MB at its peak%n",
                run, ledger.size(), statement.size(), matched, byRef.size(), peak / 1e6);
        return report;
    }

    void balanceQueries(long n) {
        for (int k = 0; k < 4; ++k, ++queries) {
            int a = (int) Long.remainderUnsigned(mix(n * 4 + k), ACCOUNTS);
            String json = "{\"iban\":\"" + accountIbans[a] + "\",\"balance\":" + BigDecimal.valueOf(balances[a], 2) + "}";
            if (json.isEmpty()) throw new IllegalStateException();
        }
    }

    public static void main(String[] args) throws InterruptedException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 18;
        LedgerReconciliationSpikes worker = new LedgerReconciliationSpikes();
        ExecutorService batch = Executors.newSingleThreadExecutor();
        long start = worker.start, next = start;
        long ticks = 0, lateTicks = 0, worstLateNs = 0;
        int run = 0;
        double nextRunS = 1.0;
        for (long now; (now = System.nanoTime()) - start < (long) (seconds * 1e9); ++ticks) {
            long late = now - next;  // a tick this late means the machine starved the pacing
            if (late > 250_000_000L) ++lateTicks;
            worstLateNs = Math.max(worstLateNs, late);
            double t = (now - start) / 1e9;
            worker.balanceQueries(ticks);  // 50 ticks a second, 4 queries each
            if (t >= nextRunS) {  // the scheduler hands the run to the batch thread
                final int thisRun = run++;
                batch.submit(() -> {
                    Report report = worker.reconcile(thisRun);
                    synchronized (worker.reports) {
                        worker.reports.addLast(report);
                        if (worker.reports.size() > 20) worker.reports.removeFirst();
                    }
                    if (MEASURE_LIVE) System.gc();
                    System.err.printf("t=%.2f s: run %d done, used heap %.1f MB%n", (System.nanoTime() - worker.start) / 1e9,
                            thisRun, usedHeap() / 1e6);
                });
                nextRunS += 3.0;
            }
            next += 20_000_000L;  // paced by the wall clock
            long sleep = next - System.nanoTime();
            if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
        if (lateTicks > 0)
            System.err.printf("pacing lost: %d of %d ticks started more than 0.25 s late (the latest %.2f s late)%n",
                    lateTicks, ticks, worstLateNs / 1e9);
        batch.shutdown();
        batch.awaitTermination(10, TimeUnit.SECONDS);
        System.out.println(run + " reconciliation runs, " + worker.queries + " balance queries, " + worker.reports.size()
                + " reports kept");
    }
}
