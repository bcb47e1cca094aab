package io.fester.uptodate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The SHA-256 digests of files, blobs and cache keys (stamps, cache keys, restored and stored blobs; the
 * up-to-date check's keys and terms take the JDK's SHA-256 from {@link #jdk()} instead, ADR 0092). Terminal
 * commands run with the client JIT only (C1, ADR 0065), which has no SHA-256 intrinsic: the JDK's own
 * SHA-256 then hashes at 25-130 MB/s, a sixth of a warm cache rebuild's CPU. NSS's softoken (libnss3, the
 * SHA-NI code of Firefox and Debian's crypto stack), reached through the JDK's own PKCS#11 provider, hashes
 * at memory speed whatever the JIT (ADR 0089). Under C1 (the launchers pass {@code -Dfester.jit=c1}) it is
 * loaded once per process on a background thread at the first use (~0.1 s of CPU); digests asked for
 * meanwhile, under C2 (whose intrinsic is as fast), or where NSS is not installed, come from the JDK.
 * {@link #digest()} takes no lock.
 * The digests are the same bytes either way: SHA-256 is SHA-256.
 */
public final class Sha256 {
    private Sha256() {}

    /** The directories NSS's libraries are looked for in (Debian's multiarch ones first). */
    static final List<String> NSS_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64", "/usr/lib");

    /** The system property the launchers set for the JIT they chose ({@code c1} for terminal commands). */
    static final String JIT_PROPERTY = "fester.jit";

    private static volatile Provider nss;
    private static volatile String why = "not loaded yet";
    /** Whether the background load was started: read without a lock by every {@link #digest()}. */
    private static final AtomicBoolean started = new AtomicBoolean();
    /** Held by {@link #load()} for the whole load: only the loading thread and explicit loads wait on it. */
    private static final Object loadLock = new Object();
    private static boolean tried; // under loadLock
    private static Provider configured; // under loadLock
    /** The background thread {@link #start()} made, or null. */
    static volatile Thread loader;

    /** A new SHA-256 digest: NSS's once it is loaded, else the JDK's. */
    public static MessageDigest digest() {
        Provider p = nss;
        if (p == null) {
            if (!started.get()) {
                start();
            }
        } else {
            try {
                return MessageDigest.getInstance("SHA-256", p);
            } catch (NoSuchAlgorithmException | RuntimeException e) {
                nss = null; // never again in this process: the JDK's from here on
                why = "NSS's SHA-256 failed: " + e;
            }
        }
        return jdk();
    }

    /** The JDK's own SHA-256. */
    public static MessageDigest jdk() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts loading NSS on a background thread, once per process (when the JIT is C1 only). */
    public static void start() {
        if (started.get() || !started.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(new Loader(), "fester-sha256-nss");
        t.setDaemon(true);
        loader = t;
        t.start();
    }

    /** What the background thread does (a class of its own: a no-op run's class log shows it was never started). */
    private static final class Loader implements Runnable {
        @Override
        public void run() {
            String skip = notClientJit();
            if (skip != null) {
                synchronized (loadLock) {
                    if (!tried) {
                        why = skip;
                    }
                }
                return;
            }
            load();
        }
    }

    /**
     * Loads NSS in this thread (once per process) and returns its provider, or null with {@link #whyNot()}
     * saying why (no libnss3, no PKCS#11 module in this JDK).
     */
    public static Provider load() {
        synchronized (loadLock) {
            if (tried) {
                return nss;
            }
            tried = true;
            started.set(true);
            String dir = NSS_DIRS.stream().filter(d -> Files.isRegularFile(Path.of(d, "libsoftokn3.so"))
                    && Files.isRegularFile(Path.of(d, "libnss3.so"))).findFirst().orElse(null);
            if (dir == null) {
                why = "NSS (libnss3.so, libsoftokn3.so) is not installed in " + String.join(", ", NSS_DIRS);
                return null;
            }
            try {
                Provider pkcs11 = Security.getProvider("SunPKCS11");
                if (pkcs11 == null) {
                    why = "this JDK has no PKCS#11 provider (module jdk.crypto.cryptoki)";
                    return null;
                }
                if (configured == null) { // NSS is configured once per process (then reused after a reset)
                    configured = pkcs11.configure("--name=FesterNSS\nnssLibraryDirectory=" + dir
                            + "\nnssDbMode=noDb\nattributes=compatibility\n");
                }
                Provider p = configured;
                MessageDigest md = MessageDigest.getInstance("SHA-256", p);
                byte[] probe = "fester".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                if (!MessageDigest.isEqual(md.digest(probe), jdk().digest(probe))) {
                    why = "NSS's SHA-256 disagrees with the JDK's";
                    return null;
                }
                why = null;
                nss = p;
                return p;
            } catch (Exception | LinkageError e) {
                why = "NSS could not be loaded from " + dir + ": " + e;
                return null;
            }
        }
    }

    /**
     * Null when this JVM compiles with C1 only (the launchers' terminal commands, ADR 0065), whose JDK
     * SHA-256 has no intrinsic; else why NSS is not loaded. The launchers say which JIT they chose in
     * {@value #JIT_PROPERTY} ({@code c1}); without it the JVM's own command line is read
     * ({@code -XX:TieredStopAtLevel=1..3}, from /proc: no java.management in a hashing process). With C2
     * the JDK's SHA-256 becomes the CPU's SHA instructions by itself, and loading NSS only costs.
     */
    static String notClientJit() {
        String jit = System.getProperty(JIT_PROPERTY);
        if (jit != null) {
            return jit.equalsIgnoreCase("c1") ? null
                    : JIT_PROPERTY + "=" + jit + ": the JIT has C2, whose SHA-256 intrinsic is as fast";
        }
        try {
            String level = null;
            for (String a : ProcessHandle.current().info().arguments().orElse(new String[0])) {
                if (a.startsWith("-XX:TieredStopAtLevel=")) {
                    level = a.substring("-XX:TieredStopAtLevel=".length());
                }
            }
            if (level != null && Integer.parseInt(level.trim()) < 4) {
                return null;
            }
        } catch (RuntimeException unknown) {
            // cannot tell: the default JIT, C2
        }
        return "the JIT has C2, whose SHA-256 intrinsic is as fast";
    }

    /** Forgets what was loaded and decided, as in a new process (tests of the background load). */
    static void reset() throws InterruptedException {
        Thread t = loader;
        if (t != null) {
            t.join();
        }
        synchronized (loadLock) {
            nss = null;
            why = "not loaded yet";
            tried = false;
            loader = null;
            started.set(false);
        }
    }

    /**
     * What hashes in this process, for {@code fester doctor}: {@code SHA-256 through NSS (libnss3)}, or the
     * JDK's and why (under C1 NSS is loaded here to find out).
     */
    public static String describe() {
        String skip = notClientJit();
        if (skip == null && load() != null) {
            return "SHA-256 through NSS (libnss3, loaded from " + NSS_DIRS.stream()
                    .filter(d -> Files.isRegularFile(Path.of(d, "libnss3.so"))).findFirst().orElse("?") + ")";
        }
        return "SHA-256 by the JDK's own code: " + (skip != null ? skip : whyNot());
    }

    /** Why NSS is not used, or null: it is. */
    public static String whyNot() {
        return why;
    }
}
