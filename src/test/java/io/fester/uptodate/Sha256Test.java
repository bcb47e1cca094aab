package io.fester.uptodate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.security.Provider;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** NSS's SHA-256 (ADR 0089) is loaded here and gives the JDK's digests, byte for byte. */
class Sha256Test {
    @Test
    void nssLoadsAndItsDigestsAreTheJdks() throws Exception {
        Provider nss = Sha256.load();
        assertNotNull(nss, () -> "NSS not used: " + Sha256.whyNot() + " (.ci/run installs libnss3)");
        assertNull(Sha256.whyNot());
        assertEquals(nss, Sha256.digest().getProvider(), "once loaded, every digest is NSS's");
        Random r = new Random(89);
        for (int size : new int[] {0, 1, 55, 56, 64, 65_537, 3 * 65_536 + 13}) {
            byte[] b = new byte[size];
            r.nextBytes(b);
            MessageDigest fast = Sha256.digest();
            for (int off = 0; off < size; off += 10_000) { // in pieces, as Blobs and FileHashes feed it
                fast.update(b, off, Math.min(10_000, size - off));
            }
            assertArrayEquals(Sha256.jdk().digest(b), fast.digest(), "size " + size);
        }
    }

    @Test
    void underTheLaunchersC1ThePrivateLoadSwitchesDigestsToNssAndUnderC2NothingIsLoaded() throws Exception {
        String before = System.getProperty(Sha256.JIT_PROPERTY);
        try {
            System.setProperty(Sha256.JIT_PROPERTY, "c2");
            Sha256.reset();
            assertEquals("SUN", Sha256.digest().getProvider().getName(), "the JDK's until NSS is loaded");
            Sha256.loader.join(); // what start() decided, in the background
            assertEquals("SUN", Sha256.digest().getProvider().getName(), "under C2 NSS is never loaded");
            assertTrue(Sha256.whyNot().contains("C2"), Sha256.whyNot());

            System.setProperty(Sha256.JIT_PROPERTY, "c1"); // as bin/fester passes for terminal commands
            Sha256.reset();
            Sha256.digest(); // the first use starts the load
            Sha256.loader.join();
            assertNull(Sha256.whyNot(), () -> "NSS not used: " + Sha256.whyNot());
            assertEquals("SunPKCS11-FesterNSS", Sha256.digest().getProvider().getName(), "digests switch to NSS");
            byte[] b = "fester".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            assertArrayEquals(Sha256.jdk().digest(b), Sha256.digest().digest(b));
        } finally {
            if (before == null) {
                System.clearProperty(Sha256.JIT_PROPERTY);
            } else {
                System.setProperty(Sha256.JIT_PROPERTY, before);
            }
        }
    }
}
