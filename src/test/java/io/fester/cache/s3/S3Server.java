package io.fester.cache.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for tests: s3proxy 4.1.0 as a process of its own (this test run's class path), on a
 * free loopback port, storing objects as files under a directory (its filesystem backend). It checks
 * AWS v2/v4 signatures with its own access key and a secret that tests can search for in everything Fester
 * wrote. {@link #stop} kills it (a store gone mid-build); {@link #start} brings it back on the same port
 * with the same objects.
 */
public final class S3Server implements AutoCloseable {
    public static final String ACCESS_KEY = "FESTERTESTACCESSKEY1";
    /** Distinctive, so a grep for it cannot match anything by chance. */
    public static final String SECRET_KEY = "s3cr3t-Qz7Wv9Xk2Lm4Np6Rt8Yb0Hd3Jf5Gs1";

    private final Path dir;
    private final int port;
    private Process process;

    private S3Server(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Starts a server keeping its objects under {@code dir} and creates {@code bucket}. */
    public static S3Server start(Path dir, String bucket) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        S3Server server = new S3Server(dir, port);
        server.start();
        try (S3Client c = server.client()) {
            c.createBucket(b -> b.bucket(bucket));
        }
        return server;
    }

    /** Starts (again) and waits until it accepts connections. */
    public synchronized void start() throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("data"));
        Path props = dir.resolve("s3proxy.properties");
        Files.writeString(props, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + dir.resolve("data"),
                "jclouds.identity=local",
                "jclouds.credential=local", ""), StandardCharsets.UTF_8);
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "org.gaul.s3proxy.Main", "--properties", props.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("s3proxy exited with " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("s3proxy.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IOException("s3proxy did not listen on port " + port + " within 60 s");
    }

    /** Kills the server (its objects stay on disk). */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** The environment a Fester process needs to reach this server as an S3 tool would. */
    public Map<String, String> env() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY,
                "AWS_ENDPOINT_URL", endpoint().toString(), "AWS_REGION", "us-east-1");
    }

    /** Settings for a layer on {@code url} (s3://BUCKET[/PREFIX]) of this server. */
    public S3Settings settings(String url, boolean push) {
        return S3Settings.resolve(S3Location.parse(url), null, null, push, env(), dir.resolve("home"));
    }

    /** A plain client of this server, for tests that look at or tamper with what is stored. */
    public S3Client client() {
        return S3CacheLayer.client(new S3Settings(new S3Location("unused", ""), endpoint(), "us-east-1", true,
                new S3Credentials(ACCESS_KEY, SECRET_KEY, null, "test")));
    }

    /** Replaces an object's bytes behind Fester's back (a corrupted blob). */
    public void overwrite(String bucket, String key, byte[] bytes) {
        try (S3Client c = client()) {
            c.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
        }
    }

    /** Every object key in the bucket. */
    public List<String> keys(String bucket) {
        try (S3Client c = client()) {
            return c.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream().map(o -> o.key()).sorted().toList();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
