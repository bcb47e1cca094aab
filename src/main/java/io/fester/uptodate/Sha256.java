package io.fester.uptodate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.List;

/**
 * The SHA-256 digests of files, keys and blobs (stamps, cache keys, restored and stored blobs). Terminal
 * commands run with the client JIT only (C1, ADR 0065), which has no SHA-256 intrinsic: the JDK's own
 * SHA-256 then hashes at 25-130 MB/s, a sixth of a warm cache rebuild's CPU. NSS's softoken (libnss3, the
 * SHA-NI code of Firefox and Debian's crypto stack), reached through the JDK's own PKCS#11 provider, hashes
 * at memory speed whatever the JIT (ADR 0089). Under C1 it is loaded once per process on a background thread
 * at the first use (~0.1 s of CPU); digests asked for meanwhile, under C2 (whose intrinsic is as fast), or
 * where NSS is not installed, come from the JDK.
 * The digests are the same bytes either way: SHA-256 is SHA-256.
 */
public final class Sha256 {
    private Sha256() {}

    /** The directories NSS's libraries are looked for in (Debian's multiarch ones first). */
    static final List<String> NSS_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64", "/usr/lib");

    private static volatile Provider nss;
    private static volatile String why = "not loaded yet";
    private static boolean started;
    private static boolean tried;

    /** A new SHA-256 digest: NSS's once it is loaded, else the JDK's. */
    public static MessageDigest digest() {
        Provider p = nss;
        if (p == null) {
            start();
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

    /** Starts loading NSS on a background thread, once per process. */
    public static void start() {
        synchronized (Sha256.class) {
            if (started) {
                return;
            }
            started = true;
        }
        Thread t = new Thread(() -> {
            if (optimizingJit()) {
                synchronized (Sha256.class) {
                    if (!tried) {
                        why = "the JIT has C2, whose SHA-256 intrinsic is as fast";
                    }
                }
                return;
            }
            load();
        }, "fester-sha256-nss");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Loads NSS in this thread (once per process) and returns its provider, or null with {@link #whyNot()}
     * saying why (no libnss3, no PKCS#11 module in this JDK).
     */
    public static synchronized Provider load() {
        if (tried) {
            return nss;
        }
        tried = true;
        started = true;
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
            Provider p = pkcs11.configure("--name=FesterNSS\nnssLibraryDirectory=" + dir
                    + "\nnssDbMode=noDb\nattributes=compatibility\n");
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

    /**
     * Whether this JVM compiles hot code with C2 (the default JIT; the launcher's terminal commands stop at
     * C1): then the JDK's SHA-256 becomes the CPU's SHA instructions by itself, and loading NSS only costs.
     */
    static boolean optimizingJit() {
        try {
            var vm = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            boolean tiered = Boolean.parseBoolean(vm.getVMOption("TieredCompilation").getValue());
            return !tiered || Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue()) >= 4;
        } catch (RuntimeException | LinkageError unknown) {
            return false; // cannot tell: NSS is at least as fast
        }
    }

    /** Why NSS is not used, or null: it is. */
    public static String whyNot() {
        return why;
    }
}
