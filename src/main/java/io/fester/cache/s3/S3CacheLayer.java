package io.fester.cache.s3;

import io.fester.cache.Blobs;
import io.fester.cache.CacheLayer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The shared layer of Fester's cache on an S3-compatible store (MinIO, Garage, SeaweedFS, Ceph RGW,
 * AWS S3), through the AWS SDK v2 with the JDK's HTTP client (ADR 0024); on a self-hosted store (an endpoint
 * given) the reads are {@link SignedGet}s instead, and the SDK's clients are made at their first use (ADR 0095).
 *
 * <p>Layout under {@code s3://BUCKET/PREFIX}: blobs at {@code PREFIX/cas/DIGEST}, results at
 * {@code PREFIX/ac/KEY}. A result is written with {@code If-None-Match: *} after a {@code HEAD} that
 * found none, so the first writer wins even when two builds push at once (a store that ignores the
 * condition still keeps the first result unless two writes cross between the HEAD and the PUT). Blobs are
 * content-addressed: one already there is not sent again.
 *
 * <p>Every failure to reach or use the store is an {@link IOException} whose message names the store
 * ({@code s3://BUCKET/PREFIX at ENDPOINT}) and what went wrong (HTTP status and S3 error code, or the
 * connection's failure), never a credential. Requests give up after one retry and 5 s to connect, so an
 * unreachable store costs a build seconds, not minutes. Safe for use by several threads at once (the SDK's
 * client is).
 */
public final class S3CacheLayer implements CacheLayer {
    /** Digests and keys are names we made: lower-case hex and a few separators, nothing that walks. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    private final S3Settings settings;
    private final S3Location location;
    /** The SDK's clients, made at their first use (ADR 0095): a build whose every lookup hits makes none. */
    private S3Client s3;
    private S3Client once;
    private boolean closed;
    /** Reads from a self-hosted store (an endpoint given), without the SDK (ADR 0095); null for AWS S3 itself. */
    private final SignedGet reads;
    private final String name;
    private final AtomicLong tmpSeq = new AtomicLong();

    private S3CacheLayer(S3Settings settings, boolean sdkReads) {
        this.settings = settings;
        this.location = settings.location();
        this.reads = settings.endpoint() == null || sdkReads ? null
                : new SignedGet(settings.endpoint(), location.bucket(), settings.region(), settings.credentials());
        this.name = location.toString();
    }

    /** The SDK's client (one retry), made at its first use. */
    private synchronized S3Client s3() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (s3 == null) {
            s3 = client(settings, 2);
        }
        return s3;
    }

    /** Whether the SDK's client was made (for the tests). */
    synchronized boolean sdkMade() {
        return s3 != null || once != null;
    }

    /** The SDK's client that never retries (the conditional put), made at its first use. */
    private synchronized S3Client once() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (once == null) {
            once = client(settings, 1);
        }
        return once;
    }

    /** A layer on the store these settings name. Nothing is sent until the first call. */
    public static S3CacheLayer open(S3Settings settings) {
        keepAlive();
        return new S3CacheLayer(settings, false);
    }

    /** A layer whose reads go through the SDK's client even on a self-hosted store (the tests compare the two). */
    static S3CacheLayer openWithSdkReads(S3Settings settings) {
        keepAlive();
        return new S3CacheLayer(settings, true);
    }

    private static void keepAlive() {
        // the JDK keeps at most 5 idle connections per destination by default (http.maxConnections); a run
        // looks up to Cache.MAX_LOOKUP_THREADS actions at once, so keep that many alive instead of
        // reconnecting for every request beyond the fifth (read once, when the JDK first keeps one alive)
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", String.valueOf(io.fester.cache.Cache.MAX_LOOKUP_THREADS + 4));
        }
    }

    static S3Client client(S3Settings settings) {
        return client(settings, 2);
    }

    private static S3Client client(S3Settings settings, int attempts) {
        var builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(60)))
                .region(Region.of(settings.region()))
                .credentialsProvider(provider(settings.credentials()))
                // S3-compatible stores (s3proxy, older MinIO, Garage) do not all take the SDK's default
                // trailing CRC checksums; checksums only where the API requires them
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o
                        // the SDK reads no profile file behind our back: resolving is S3Settings' job
                        .defaultProfileFile(ProfileFile.aggregator().build())
                        .defaultProfileName("default")
                        .retryStrategy(r -> r.maxAttempts(attempts))
                        .apiCallAttemptTimeout(Duration.ofSeconds(120)));
        if (settings.endpoint() != null) {
            // self-hosted stores are addressed by path (http://host:9000/BUCKET/KEY), not by DNS name
            builder.endpointOverride(settings.endpoint()).forcePathStyle(true);
        }
        return builder.build();
    }

    private static AwsCredentialsProvider provider(S3Credentials c) {
        if (c == null) {
            return AnonymousCredentialsProvider.create();
        }
        return StaticCredentialsProvider.create(c.sessionToken() == null
                ? AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey())
                : AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()));
    }

    /** The settings this layer was opened with. */
    public S3Settings settings() {
        return settings;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean writable() {
        return settings.push();
    }

    @Override
    public boolean getBlob(String digest, Path target) throws IOException {
        String key = location.blobKey(checked(digest));
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(".fester-s3-" + ProcessHandle.current().pid() + "-" + tmpSeq.incrementAndGet() + ".tmp");
        try {
            if (reads != null) {
                Boolean got = read("get blob " + digest, key, in -> {
                    try (var out = Files.newOutputStream(tmp)) {
                        in.transferTo(out);
                    }
                    return Boolean.TRUE;
                });
                if (got == null) {
                    return false;
                }
            } else {
                call("get blob " + digest, () -> s3().getObject(b -> b.bucket(location.bucket()).key(key),
                        ResponseTransformer.<GetObjectResponse>toFile(tmp)));
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (Missing e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Streams the object into {@code target}, hashing as it goes (one pass; the caller compares the digest). */
    @Override
    public String fetchBlob(String digest, Path target) throws IOException {
        String key = location.blobKey(checked(digest));
        if (reads != null) {
            return read("get blob " + digest, key, in -> Blobs.copy(in, target));
        }
        try {
            return call("get blob " + digest, () -> s3().getObject(b -> b.bucket(location.bucket()).key(key),
                    (response, in) -> Blobs.copy(in, target)));
        } catch (Missing e) {
            return null;
        }
    }

    @Override
    public boolean hasBlob(String digest) throws IOException {
        return exists("blob " + digest, location.blobKey(checked(digest)));
    }

    @Override
    public void putBlob(String digest, Path source) throws IOException {
        writableOrThrow();
        String key = location.blobKey(checked(digest));
        if (exists("blob " + digest, key)) {
            return;
        }
        if (!Files.isRegularFile(source)) {
            throw new IOException(name + ": cannot store blob " + digest + ": " + source + " is not a file");
        }
        try {
            call("put blob " + digest, () -> s3().putObject(b -> b.bucket(location.bucket()).key(key)
                    .contentType("application/octet-stream"), RequestBody.fromFile(source)));
        } catch (Missing e) {
            throw failure("put blob " + digest, "no bucket '" + location.bucket() + "' (create it first)");
        }
    }

    @Override
    public void putBlob(String digest, byte[] content) throws IOException {
        writableOrThrow();
        String key = location.blobKey(checked(digest));
        if (exists("blob " + digest, key)) {
            return;
        }
        try {
            call("put blob " + digest, () -> s3().putObject(b -> b.bucket(location.bucket()).key(key)
                    .contentType("application/octet-stream"), RequestBody.fromBytes(content)));
        } catch (Missing e) {
            throw failure("put blob " + digest, "no bucket '" + location.bucket() + "' (create it first)");
        }
    }

    /**
     * A URL by which anyone holding it may read ({@code put} false) or write ({@code put} true) the blob with
     * this digest for {@code valid}, signed here with this layer's credentials (AWS signature v4 in the query
     * string): an SSH host moves blobs with it without ever holding the store's secret (ADR 0034). A store
     * used without credentials gets its plain URL. The URL is a bearer token for one object: it is never
     * recorded, logged or put on a command line.
     */
    public String blobUrl(String digest, boolean put, Duration valid) {
        String key = location.blobKey(checked(digest));
        if (settings.credentials() == null) {
            return s3().utilities().getUrl(b -> b.bucket(location.bucket()).key(key)).toString();
        }
        return presigner().map(p -> put
                ? p.presignPutObject(r -> r.signatureDuration(valid).putObjectRequest(o -> o.bucket(location.bucket())
                        .key(key))).url().toString()
                : p.presignGetObject(r -> r.signatureDuration(valid).getObjectRequest(o -> o.bucket(location.bucket())
                        .key(key))).url().toString()).orElseThrow();
    }

    private volatile software.amazon.awssdk.services.s3.presigner.S3Presigner presigner;

    private synchronized java.util.Optional<software.amazon.awssdk.services.s3.presigner.S3Presigner> presigner() {
        if (presigner == null) {
            var b = software.amazon.awssdk.services.s3.presigner.S3Presigner.builder()
                    .region(Region.of(settings.region()))
                    .credentialsProvider(provider(settings.credentials()))
                    .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder()
                            .pathStyleAccessEnabled(settings.endpoint() != null).build());
            if (settings.endpoint() != null) {
                b.endpointOverride(settings.endpoint());
            }
            presigner = b.build();
        }
        return java.util.Optional.of(presigner);
    }

    @Override
    public void deleteBlob(String digest) throws IOException {
        writableOrThrow();
        delete("delete blob " + digest, location.blobKey(checked(digest)));
    }

    @Override
    public byte[] readBlob(String digest) throws IOException {
        if (reads != null) {
            return read("get blob " + digest, location.blobKey(checked(digest)), InputStream::readAllBytes);
        }
        return CacheLayer.super.readBlob(digest);
    }

    @Override
    public byte[] getResult(String key) throws IOException {
        String k = location.resultKey(checked(key));
        if (reads != null) {
            return read("get result " + key, k, InputStream::readAllBytes);
        }
        try {
            ResponseBytes<GetObjectResponse> bytes = call("get result " + key,
                    () -> s3().getObjectAsBytes(b -> b.bucket(location.bucket()).key(k)));
            return bytes.asByteArray();
        } catch (Missing e) {
            return null;
        }
    }

    @Override
    public boolean putResultIfAbsent(String key, byte[] result) throws IOException {
        writableOrThrow();
        String k = location.resultKey(checked(key));
        if (exists("result " + key, k)) {
            return false;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                Boolean wrote = call("put result " + key, () -> conditionalPut(k, result));
                if (wrote != null) {
                    return wrote;
                }
            } catch (Missing e) {
                throw failure("put result " + key, "no bucket '" + location.bucket() + "' (create it first)");
            } catch (IOException e) {
                // the PUT may or may not have reached the store before the connection failed: look
                byte[] stored = getResult(key);
                if (stored != null) {
                    return Arrays.equals(stored, result);
                }
                if (attempt == 2) {
                    throw e;
                }
                continue;
            }
            if (attempt == 2) {
                return false;
            }
        }
    }

    /**
     * One {@code PUT} with {@code If-None-Match: *} on the client that never retries (a retried PUT that had
     * reached the store would come back 412 and look lost): true when written, false on 412 (another
     * writer's result is there), null on 409 (another conditional write of the key was under way: look
     * again).
     */
    private Boolean conditionalPut(String k, byte[] result) {
        try {
            once().putObject(b -> b.bucket(location.bucket()).key(k).ifNoneMatch("*")
                    .contentType("application/octet-stream"), RequestBody.fromBytes(result));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return false;
            }
            if (e.statusCode() == 409) {
                return null;
            }
            throw e;
        }
    }

    @Override
    public void deleteResult(String key) throws IOException {
        writableOrThrow();
        delete("delete result " + key, location.resultKey(checked(key)));
    }

    @Override
    public List<String> resultKeys() throws IOException {
        List<String> out = new ArrayList<>();
        list("list results", location.under("ac/"), o -> out.add(o.key().substring(location.under("ac/").length())));
        return out;
    }

    @Override
    public List<String> blobDigests() throws IOException {
        List<String> out = new ArrayList<>();
        list("list blobs", location.under("cas/"), o -> out.add(o.key().substring(location.under("cas/").length())));
        return out;
    }

    @Override
    public java.util.Map<String, Long> blobTimes() throws IOException {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        String under = location.under("cas/");
        list("list blobs", under, o -> out.put(o.key().substring(under.length()),
                o.lastModified() == null ? 0L : o.lastModified().toEpochMilli()));
        return out;
    }

    @Override
    public Usage usage() throws IOException {
        long[] n = new long[3];
        list("list results", location.under("ac/"), o -> {
            if (!o.key().substring(location.under("ac/").length()).contains(".m")) {
                n[0]++; // manifest entries (KEY.mN) count in the bytes, not as results (as on the local layer)
            }
            n[2] += o.size();
        });
        list("list blobs", location.under("cas/"), o -> {
            n[1]++;
            n[2] += o.size();
        });
        return new Usage(n[0], n[1], n[2]);
    }

    @Override
    public void clear() throws IOException {
        writableOrThrow();
        // results first: a result never names a blob that is gone while it is still there
        for (String dir : new String[] {"ac/", "cas/"}) {
            List<String> keys = new ArrayList<>();
            list("list " + dir, location.under(dir), o -> keys.add(o.key()));
            for (String k : keys) {
                delete("clear", k);
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (s3 != null) {
                s3.close();
            }
            if (once != null) {
                once.close();
            }
            if (presigner != null) {
                presigner.close();
            }
        }
    }

    @Override
    public String toString() {
        return settings.toString();
    }

    // --- the calls, with the store's failures turned into messages that name it ---

    private boolean exists(String what, String key) throws IOException {
        try {
            call("look up " + what, () -> s3().headObject(b -> b.bucket(location.bucket()).key(key)));
            return true;
        } catch (Missing e) {
            return false;
        }
    }

    /**
     * One read through {@link SignedGet}: the body as {@code body} takes it, or null when the object is not
     * there; a failure is an {@link IOException} worded as the SDK's calls' are (the store, what, why).
     */
    private <T> T read(String what, String key, SignedGet.Body<T> body) throws IOException {
        try {
            return reads.get(key, body);
        } catch (SignedGet.Local e) {
            throw (IOException) e.getCause(); // here, not the store: said as it is, not as the store's failure
        } catch (SignedGet.Refused e) {
            if (e.location != null) {
                throw failure(what, e.getMessage() + " (redirected to " + e.location
                        + "; use that endpoint as --remote-cache-endpoint)");
            }
            if ("RequestTimeTooSkewed".equals(e.code)) {
                throw failure(what, e.getMessage() + (e.skewMillis == null
                        ? " (the clock here is off from the store's: set this machine's clock)"
                        : " (the clock here is off by " + Math.max(1, Math.round(Math.abs(e.skewMillis) / 60_000.0))
                                + " min from the store's, " + (e.skewMillis > 0 ? "behind" : "ahead")
                                + "; signed again with its time and still refused: set this machine's clock)"));
            }
            String hint = e.status == 403 ? (settings.credentials() == null
                    ? " (no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
                    : " (check the " + settings.credentials() + " and the bucket's policy)") : "";
            throw failure(what, e.getMessage() + hint);
        } catch (ConnectException e) {
            throw failure(what, "cannot connect (" + e.getMessage() + ")");
        } catch (UnknownHostException e) {
            throw failure(what, "unknown host " + e.getMessage());
        } catch (SocketTimeoutException e) {
            throw failure(what, "no answer in time (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw failure(what, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    private void delete(String what, String key) throws IOException {
        try {
            call(what, () -> s3().deleteObject(b -> b.bucket(location.bucket()).key(key)));
        } catch (Missing e) {
            // absent is not an error
        }
    }

    private void list(String what, String prefix, Consumer<S3Object> each) throws IOException {
        try {
            call(what, () -> {
                s3().listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(location.bucket()).prefix(prefix).build())
                        .contents().forEach(each);
                return null;
            });
        } catch (Missing e) {
            throw failure(what, "no bucket '" + location.bucket() + "' (create it first)");
        }
    }

    private void writableOrThrow() throws IOException {
        if (!settings.push()) {
            throw new IOException(name + " is read-only (push: false)");
        }
    }

    private String checked(String digestOrKey) {
        if (digestOrKey == null || !NAME.matcher(digestOrKey).matches()) {
            throw new IllegalArgumentException("not a digest or action key: '" + digestOrKey + "'");
        }
        return digestOrKey;
    }

    /** The object (or the bucket) is not there: a miss, not a failure. */
    private static final class Missing extends Exception {
        private static final long serialVersionUID = 1L;
    }

    private interface Call<T> {
        T run();
    }

    private <T> T call(String what, Call<T> c) throws IOException, Missing {
        try {
            return c.run();
        } catch (NoSuchKeyException e) {
            throw new Missing();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new Missing();
            }
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            String hint = e.statusCode() == 403 ? (settings.credentials() == null
                    ? " (no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
                    : " (check the " + settings.credentials() + " and the bucket's policy)") : "";
            throw failure(what, "HTTP " + e.statusCode() + (code == null ? "" : " " + code) + hint);
        } catch (SdkClientException e) {
            throw failure(what, reachFailure(e));
        } catch (SdkException e) {
            throw failure(what, e.getClass().getSimpleName());
        } catch (UncheckedIOException e) {
            throw failure(what, e.getCause().getMessage());
        }
    }

    /** What went wrong reaching the store, from the cause chain (a refused connection, a timeout, …). */
    private String reachFailure(SdkClientException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "cannot connect (" + t.getMessage() + ")";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host " + t.getMessage();
            }
            if (t instanceof SocketTimeoutException) {
                return "no answer in time (" + t.getMessage() + ")";
            }
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private IOException failure(String what, String detail) {
        String where = settings.describe();
        S3Credentials c = settings.credentials();
        String message = where + ": cannot " + what + ": " + detail;
        return new IOException(c == null ? message : c.scrub(message));
    }
}
