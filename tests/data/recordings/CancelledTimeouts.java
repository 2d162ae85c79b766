// Each request schedules a 1-hour timeout on a ScheduledThreadPoolExecutor and cancels it when the
// request completes. setRemoveOnCancelPolicy(false) is the default, so every cancelled task stays in the
// delay queue until its hour is up, with the 1 KB request context its lambda captured.
// Truth: leak (for any run shorter than an hour), linear from t=0: 1000 req/s x ~1.2 KB ~ 1.2 MB/s of
// Java heap; RSS follows as the JVM grows its heap.
import java.util.concurrent.*;
public class CancelledTimeouts {
    public static void main(String[] a) throws Exception {
        long end = System.nanoTime() + (long)(Double.parseDouble(a[0]) * 1e9);
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        long n = 0;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 100; i++) {
                final byte[] ctx = new byte[1024]; ctx[0] = (byte) n;
                ScheduledFuture<?> t = timer.schedule(() -> System.out.println("timeout " + ctx[0]), 1, TimeUnit.HOURS);
                t.cancel(false); n++;
            }
            Thread.sleep(100);
        }
        System.err.println("requests " + n + " queued " + timer.getQueue().size());
        timer.shutdownNow();
    }
}
