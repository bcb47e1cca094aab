package io.fester.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.cache.s3.S3Server;
import io.fester.hosts.DoctorCheck;
import io.fester.hosts.HostsFile;
import io.fester.timeline.TimelineStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The doctor's checks of the shared cache (a real s3proxy) and of the timeline database. */
class DoctorChecksTest {
    static final String BUCKET = "fester-doctor";
    @TempDir
    static Path dir;
    static S3Server server;

    @BeforeAll
    static void start() throws Exception {
        server = S3Server.start(dir.resolve("s3"), BUCKET);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Doctor doctor(SharedCacheConfig cache, Map<String, String> env, String db) {
        return new Doctor(HostsFile.local(1), cache, db, "cc", env, false, dir.resolve("home"), dir, Doctor.TIMEOUT);
    }

    private static List<String> lines(List<DoctorCheck> checks) {
        return checks.stream().map(DoctorCheck::line).toList();
    }

    @Test
    void aWritableStoreIsReadAndWrittenAReadOnlyOneOnlyRead() {
        String url = "s3://" + BUCKET + "/team";
        List<String> rw = lines(doctor(new SharedCacheConfig(url, null, false), server.env(), "x").sharedCache());
        assertEquals(List.of("ok   shared cache " + url + ": reachable and readable at " + server.endpoint(),
                "ok   shared cache " + url + ": writable"), rw);
        assertTrue(server.keys(BUCKET).stream().anyMatch(k -> k.startsWith("team/")), server.keys(BUCKET).toString());
        List<String> ro = lines(doctor(new SharedCacheConfig(url, null, true), server.env(), "x").sharedCache());
        assertEquals(2, ro.size(), ro.toString());
        assertTrue(ro.get(1).startsWith("ok   shared cache " + url + ": read-only"), ro.toString());
    }

    @Test
    void wrongCredentialsFailWithWhatToCheck() {
        Map<String, String> env = new HashMap<>(server.env());
        env.put("AWS_SECRET_ACCESS_KEY", "not-the-secret");
        List<String> l = lines(doctor(new SharedCacheConfig("s3://" + BUCKET, null, false), env, "x").sharedCache());
        assertEquals(1, l.size(), l.toString());
        assertTrue(l.get(0).startsWith("FAIL shared cache s3://" + BUCKET + ": cannot be read — ")
                && l.get(0).contains("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"), l.get(0));
    }

    @Test
    void noSharedCacheConfiguredIsNoLine() {
        assertEquals(List.of(), doctor(SharedCacheConfig.NONE, Map.of(), "x").sharedCache());
    }

    @Test
    void aDatabaseOthersMayReadFailsWithTheChmodAndAPrivateOneOpens() throws Exception {
        String db = dir.resolve("db/timeline").toString();
        TimelineStore.open(db).close();
        Path file = Path.of(db + ".mv.db");
        DoctorCheck ok = doctor(SharedCacheConfig.NONE, Map.of(), db).database();
        assertTrue(ok.ok() && ok.line().startsWith("ok   timeline " + file + " opens"), ok.line());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        DoctorCheck open = doctor(SharedCacheConfig.NONE, Map.of(), db).database();
        assertEquals("FAIL timeline " + file + " has mode rw-r--r-- (others may read what it holds) — chmod 600 " + file,
                open.line());
    }

    @Test
    void aDatabaseLockedByAnotherProgramFailsWithWhatToDo() throws Exception {
        String db = dir.resolve("locked/timeline").toString();
        TimelineStore.open(db).close();
        // another program holding the file without sharing it (no AUTO_SERVER): H2's file lock, in a process of its own
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), HoldDatabase.class.getName(), db)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            assertEquals('h', other.getInputStream().read(), "the holder opened the database");
            DoctorCheck c = doctor(SharedCacheConfig.NONE, Map.of(), db).database();
            assertTrue(!c.ok() && c.line().contains("does not open") && c.line().contains("locked by another program"),
                    c.line());
        } finally {
            other.destroy();
            other.waitFor();
        }
    }

    /** Holds a database open without sharing it until stdin closes or it is killed. */
    public static final class HoldDatabase {
        public static void main(String[] args) throws Exception {
            try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:h2:file:" + args[0], "fester", "")) {
                System.out.print('h');
                System.out.flush();
                System.in.read();
            }
        }
    }
}
