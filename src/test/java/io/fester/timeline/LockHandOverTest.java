package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An opening refused in a hand-over of H2's file lock (ADR 0136), in one process and the same way every time: a fake
 * holder writes a fresh lock file in H2's format, without a server to connect to, and rewrites its own properties
 * whenever an opener overwrites them, as H2's watchdog does; an opener of the file then gets H2's 90020 ("Locked by
 * another process") at each attempt until the holder lets go. The timeout is a hang guard (an opening that never
 * gives up), not a measurement.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LockHandOverTest {
    @TempDir
    Path dir;

    private String db() {
        return dir.resolve("timeline").toString();
    }

    /**
     * A lock file's holder as H2 2.5.252 shows it to another opener ({@code FILE_LOCK=FILE}, no {@code AUTO_SERVER}
     * server in the file): {@code method=file} and an {@code id} of the hexadecimal milliseconds at which it took the
     * lock then 32 hexadecimal digits; a watchdog thread writes them back whenever the file changes.
     */
    private static final class FakeHolder implements AutoCloseable {
        private final Path file;
        private final boolean newHolders;
        private final Thread watchdog;
        private volatile boolean letGo;
        /** The ids openers wrote over the holder's properties (each H2 lock protocol's attempt has its own). */
        final java.util.Set<String> openers = java.util.concurrent.ConcurrentHashMap.newKeySet();

        /** {@code newHolders}: each rewrite is dated now, as a lock taken by one holder after another. */
        FakeHolder(Path file, boolean newHolders) throws Exception {
            this.file = file;
            this.newHolders = newHolders;
            byte[] first = properties();
            Files.write(file, first);
            watchdog = new Thread(() -> watch(first), "fake-h2-lock-holder");
            watchdog.setDaemon(true);
            watchdog.start();
        }

        private static byte[] properties() {
            return ("#FileLock\nid=" + Long.toHexString(System.currentTimeMillis()) + "0123456789abcdef0123456789abcdef"
                    + "\nmethod=file\n").getBytes(StandardCharsets.ISO_8859_1);
        }

        private void watch(byte[] ours) {
            try {
                while (!letGo) {
                    Thread.sleep(10);
                    byte[] there;
                    try {
                        there = Files.readAllBytes(file);
                    } catch (NoSuchFileException gone) {
                        there = null;
                    }
                    if (!Arrays.equals(there, ours)) {
                        if (there != null) {
                            java.util.Properties theirs = new java.util.Properties();
                            theirs.load(new java.io.ByteArrayInputStream(there));
                            String id = theirs.getProperty("id", "");
                            if (id.length() > 32) { // not one caught half-written
                                openers.add(id);
                            }
                        }
                        if (newHolders) {
                            ours = properties();
                        }
                        Files.write(file, ours);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** Lets go of the lock, as a closing holder does: its watchdog stops, then its lock file goes. */
        @Override
        public void close() throws Exception {
            letGo = true;
            watchdog.join();
            Files.deleteIfExists(file);
        }
    }

    @Test
    void anOpeningWaitsForAHolderThatLetsGoOfTheFileAMomentLater() throws Exception {
        FakeHolder holder = new FakeHolder(Path.of(db() + ".lock.db"), false);
        Thread lettingGo = new Thread(() -> {
            try {
                Thread.sleep(5_000); // a holder closing: two refused attempts at least (each waits 2 s, then 2 s)
                holder.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        lettingGo.start();
        try (TimelineStore store = TimelineStore.open(db())) { // on main: refused with H2's 90020 at once
            int run = TimelineStoreTest.record(store, 3);
            assertEquals(3, store.events(run).size());
        } finally {
            lettingGo.join();
        }
        assertTrue(holder.openers.size() >= 1, "the opening was refused before it got the file");
    }

    @Test
    void anOpeningRefusedInHandOversIsSaidOnceItsBoundHasPassedAndNotBefore() throws Exception {
        long began = System.nanoTime();
        StoreException e;
        try (FakeHolder holder = new FakeHolder(Path.of(db() + ".lock.db"), true)) { // young whenever it is read
            e = assertThrows(StoreException.class, () -> TimelineStore.open(db()));
            assertTrue(holder.openers.size() >= 2, "tried again: " + holder.openers.size() + " attempts");
        }
        // a lower bound the code sets, not a measurement: without OPEN_RETRY_MS the opening never ends (the timeout)
        long tried = (System.nanoTime() - began) / 1_000_000;
        assertTrue(tried >= TimelineStore.OPEN_RETRY_MS, "refused after " + tried + " ms");
        assertTrue(e.getMessage().startsWith("cannot open the timeline database " + db() + ".mv.db"), e.getMessage());
        assertTrue(e.getMessage().contains("run the command again in a moment"), e.getMessage());
    }

    @Test
    void aCancelledOpeningStopsTryingAfterTheAttemptUnderWay() throws Exception {
        int oneConnection;
        try (FakeHolder holder = new FakeHolder(Path.of(db() + ".lock.db"), false)) {
            // what one H2 connection does to the lock file, refused (its lock protocol writes it more than once)
            assertThrows(java.sql.SQLException.class, () -> java.sql.DriverManager.getConnection(
                    "jdbc:h2:file:" + db() + ";AUTO_SERVER=TRUE", "fester", "").close());
            oneConnection = holder.openers.size();
        }
        try (FakeHolder holder = new FakeHolder(Path.of(db() + ".lock.db"), false)) {
            assertThrows(StoreException.class, () -> TimelineStore.open(db(), () -> true)); // Ctrl-C, as RunCommand
            assertEquals(oneConnection, holder.openers.size(), "the attempt under way, not tried again");
        }
    }

    @Test
    void aFileLockedItselfByAProgramWithoutALockFileIsSaidAtOnce() throws Exception {
        try (TimelineStore made = TimelineStore.open(db())) {
            TimelineStoreTest.record(made, 3);
        }
        Path mvDb = Path.of(db() + ".mv.db");
        AtomicInteger triesConsidered = new AtomicInteger();
        // as H2 opened with FILE_LOCK=FS holds it: a lock on the .mv.db file itself, no .lock.db written
        try (FileChannel channel = FileChannel.open(mvDb, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock held = channel.lock()) {
            StoreException e = assertThrows(StoreException.class, () -> TimelineStore.open(db(), () -> {
                triesConsidered.incrementAndGet(); // asked only when the refusal is taken for a hand-over
                return false;
            }));
            assertTrue(e.getMessage().startsWith("cannot open the timeline database " + mvDb), e.getMessage());
        }
        assertEquals(0, triesConsidered.get(), "not tried again: said at once, as on main");
        assertTrue(Files.notExists(Path.of(db() + ".lock.db")), "the attempt's lock file went with it");
        try (TimelineStore store = TimelineStore.open(db())) {
            assertEquals(1, store.runs().size(), "nothing recorded was lost");
        }
    }
}
