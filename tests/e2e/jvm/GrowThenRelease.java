// The JVM end-to-end target (tests/e2e/e2e_jvm.py): keeps KEPT_BYTES in 64 KiB arrays (small enough
// to stay out of G1's humongous regions), then lets them go. A full collection (System.gc()) marks each
// phase, so the old generation's used bytes after each one are exact: base, base + KEPT_BYTES, base.
import java.util.ArrayList;
import java.util.List;

public class GrowThenRelease {
    static final int CHUNK = 64 * 1024;
    static final int CHUNKS = 640;  // 640 x 64 KiB = 40 MiB = 41,943,040 bytes kept
    static volatile long checksum;

    public static void main(String[] args) throws Exception {
        long startDelayMs = args.length > 0 ? Long.parseLong(args[0]) : 500;
        Thread.sleep(startDelayMs);  // attach: leakscope watches before anything happens
        System.gc();
        Thread.sleep(1500);
        List<byte[]> kept = new ArrayList<>();
        for (int i = 0; i < CHUNKS; ++i) {
            byte[] chunk = new byte[CHUNK];
            chunk[i % CHUNK] = (byte) i;
            kept.add(chunk);
            if (i % 64 == 63) Thread.sleep(100);
        }
        System.gc();
        System.out.println("kept " + (long) CHUNKS * CHUNK + " bytes");
        Thread.sleep(1500);
        for (byte[] chunk : kept) checksum += chunk[0];
        kept.clear();
        kept = null;
        System.gc();
        System.out.println("released");
        Thread.sleep(1500);
    }
}
