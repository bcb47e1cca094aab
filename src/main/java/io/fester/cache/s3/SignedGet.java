package io.fester.cache.s3;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * The shared layer's reads on a self-hosted store (an endpoint given: MinIO, Garage, SeaweedFS, Ceph RGW,
 * s3proxy): one {@code GET} of {@code ENDPOINT/BUCKET/KEY} (path style, as the SDK's client addresses such a
 * store), signed with AWS signature version 4 in the headers by the AWS SDK's standalone {@link AwsV4HttpSigner},
 * sent over the JDK's {@link HttpURLConnection} and its kept-alive connections (ADR 0095). A hit reads three objects (a manifest entry, a result, a blob): through
 * the AWS SDK each went through its interceptors, endpoint rules, signer and marshallers — half the lookup
 * threads' CPU on a hit from the store — and a new JVM first built the SDK's client (thousands of classes).
 * Here a read is the SDK's signer on one request and one GET: no client, no pipeline.
 *
 * <p>Only reads: writes, lists and deletes stay with the SDK (conditional puts, paginated lists, its retry
 * policy). The request's signing needs the current time ({@code x-amz-date}); the store checks it, nothing
 * in the engine sees it. Safe for use by several threads at once.
 */
final class SignedGet {
    /** The AWS SDK's own signature version 4 signer (stateless, safe for several threads at once). */
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();
    private static final Pattern CODE = Pattern.compile("<Code>([^<]{1,100})</Code>");
    private static final Pattern SERVER_TIME = Pattern.compile("<ServerTime>([^<]{1,40})</ServerTime>");
    /** A request's whole time (connect, answer, body), as the SDK's client's attempt timeout in S3CacheLayer. */
    static final int DEADLINE_SECONDS = 120;
    /** Ends a request past its deadline ({@code disconnect()}): the read timeout alone allows a trickle forever. */
    private static final ScheduledThreadPoolExecutor WATCHDOG = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "fester-s3-read-deadline");
        t.setDaemon(true);
        return t;
    });

    static {
        WATCHDOG.setRemoveOnCancelPolicy(true);
    }

    private final String base;
    /** The endpoint's own path (if any) and the bucket: where every key's path starts. */
    private final String bucket;
    private final String region;
    private final S3Credentials credentials;
    /** The credentials as the signer takes them (with the session token, when there is one). */
    private final AwsCredentialsIdentity identity;
    private final long deadlineMillis;
    /**
     * How far the store's clock is ahead of this one's, learnt from a {@code RequestTimeTooSkewed} answer's
     * {@code Date}: requests are signed with the corrected time from then on (as the SDK's client does).
     */
    private volatile long skewMillis;

    /** What the store answered other than 200 and 404: its status and S3 error code (when it sent one). */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;
        /** For {@code RequestTimeTooSkewed}: the store's clock minus this one's (from its {@code Date}), or null. */
        final Long skewMillis;
        /** For a redirect (3xx): where to, from its {@code Location} ("another endpoint" without one), or null. */
        final String location;

        Refused(int status, String code, Long skewMillis, String location) {
            super("HTTP " + status + (code == null ? "" : " " + code));
            this.status = status;
            this.code = code;
            this.skewMillis = skewMillis;
            this.location = location;
        }
    }

    /** What the body's consumer itself failed with (writing the blob locally, say): the cause is its exception. */
    static final class Local extends IOException {
        private static final long serialVersionUID = 1L;

        Local(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** The body's stream, counting the bytes read from it. */
    private static final class Counted extends java.io.FilterInputStream {
        long count;
        /** Whether reading from the connection failed (not the consumer's own work). */
        boolean failed;

        Counted(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b;
            try {
                b = in.read();
            } catch (IOException e) {
                failed = true;
                throw e;
            }
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                failed = true;
                throw e;
            }
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k;
            try {
                k = in.skip(n);
            } catch (IOException e) {
                failed = true;
                throw e;
            }
            count += Math.max(0, k);
            return k;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** How a body is taken: it is read to its end here (or not at all) before the connection goes back. */
    interface Body<T> {
        T read(InputStream in) throws IOException;
    }

    /**
     * @param endpoint the store's URL (http or https, with a host; a path, if any, comes before the bucket)
     */
    SignedGet(URI endpoint, String bucket, String region, S3Credentials credentials) {
        this(endpoint, bucket, region, credentials, DEADLINE_SECONDS * 1000L);
    }

    /** With another deadline per request (the tests'). */
    SignedGet(URI endpoint, String bucket, String region, S3Credentials credentials, long deadlineMillis) {
        this.deadlineMillis = deadlineMillis;
        // the endpoint's own path decoded and escaped again as the key is: what is sent is what is signed
        String path = endpoint.getPath() == null ? "" : encode(endpoint.getPath());
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        this.base = endpoint.getScheme() + "://" + endpoint.getRawAuthority();
        this.bucket = path + "/" + encode(bucket);
        this.region = region;
        this.credentials = credentials;
        this.identity = credentials == null ? null
                : credentials.sessionToken() == null
                        ? AwsCredentialsIdentity.create(credentials.accessKeyId(), credentials.secretAccessKey())
                        : AwsSessionCredentialsIdentity.create(credentials.accessKeyId(), credentials.secretAccessKey(),
                                credentials.sessionToken().trim());
    }

    /** The object's body as {@code body} reads it, or null when the store has no such object (404). */
    <T> T get(String key, Body<T> body) throws IOException {
        String path = bucket + "/" + encode(key);
        try {
            return once(path, body);
        } catch (Local e) {
            throw e;
        } catch (Refused r) {
            if (r.skewMillis != null) {
                skewMillis = r.skewMillis; // this clock is off: once more, signed with the store's time
                return once(path, body);
            }
            if (r.status < 500) {
                throw r;
            }
            return once(path, body); // the store's own trouble: once more, as the SDK's client retried
        } catch (java.net.ConnectException | java.net.UnknownHostException | java.net.SocketTimeoutException e) {
            throw e; // nobody there: a second try would only double the wait
        } catch (IOException e) {
            return once(path, body); // a kept-alive connection the store had closed: once more on a new one
        }
    }

    /** One request, ended (and failed as "no complete answer") when it takes longer than the deadline. */
    private <T> T once(String path, Body<T> body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(base + path).openConnection();
        AtomicBoolean late = new AtomicBoolean();
        ScheduledFuture<?> watch = WATCHDOG.schedule(() -> {
            late.set(true);
            c.disconnect();
        }, deadlineMillis, TimeUnit.MILLISECONDS);
        try {
            return exchange(c, path, body);
        } catch (IOException e) {
            if (late.get()) {
                throw new SocketTimeoutException("no complete answer in "
                        + (deadlineMillis % 1000 == 0 ? deadlineMillis / 1000 + " s" : deadlineMillis + " ms"));
            }
            throw e;
        } finally {
            watch.cancel(false);
        }
    }

    private <T> T exchange(HttpURLConnection c, String path, Body<T> body) throws IOException {
        c.setConnectTimeout(5_000);
        c.setReadTimeout(60_000);
        c.setUseCaches(false);
        c.setInstanceFollowRedirects(false);
        if (credentials != null) {
            sign(c, path);
        }
        int status = c.getResponseCode();
        if (status == 200) {
            long length = c.getContentLengthLong();
            try (Counted in = new Counted(c.getInputStream())) {
                T t;
                try {
                    t = body.read(in);
                } catch (IOException e) {
                    if (in.failed) {
                        throw e;
                    }
                    throw new Local(e); // the consumer's own (a full disk): neither the store's nor retried
                }
                in.transferTo(java.io.OutputStream.nullOutputStream()); // to its end: the connection is kept
                if (length >= 0 && in.count != length) {
                    // the connection ended early: the JDK reads that as the body's end, so it would pass
                    // for a complete (and so unreadable) object; a failure of the store instead (retried)
                    throw new IOException("the body ended after " + in.count + " of its " + length + " bytes");
                }
                return t;
            }
        }
        if (status >= 300 && status < 400) {
            // not followed (a signature is for one host): the connection is not reused, the user is told
            String to = c.getHeaderField("Location");
            c.disconnect();
            throw new Refused(status, null, null, to == null ? "another endpoint" : to);
        }
        String code = null;
        String serverTime = null;
        try (InputStream err = c.getErrorStream()) {
            if (err != null) {
                byte[] b = err.readNBytes(64 * 1024);
                err.transferTo(java.io.OutputStream.nullOutputStream());
                String text = new String(b, StandardCharsets.UTF_8);
                Matcher m = CODE.matcher(text);
                if (m.find()) {
                    code = m.group(1);
                }
                Matcher t = SERVER_TIME.matcher(text);
                if (t.find()) {
                    serverTime = t.group(1);
                }
            }
        }
        if (status == 404) {
            return null;
        }
        Long skew = null;
        if (status == 403 && "RequestTimeTooSkewed".equals(code)) {
            // the store's time: S3's error names it (<ServerTime>, to the second), else its Date header
            long date = 0;
            if (serverTime != null) {
                try {
                    date = java.time.Instant.parse(serverTime).toEpochMilli();
                } catch (java.time.format.DateTimeParseException e) {
                    date = 0;
                }
            }
            if (date <= 0) {
                date = c.getHeaderFieldDate("Date", 0);
            }
            if (date > 0) {
                skew = date - System.currentTimeMillis();
            }
        }
        throw new Refused(status, code, skew, null);
    }

    /** The time requests are signed with: this machine's, corrected by what the store said of it. */
    private Clock clock() {
        long skew = skewMillis;
        return skew == 0 ? Clock.systemUTC() : Clock.offset(Clock.systemUTC(), Duration.ofMillis(skew));
    }

    private void sign(HttpURLConnection c, String path) throws IOException {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.GET)
                .uri(URI.create(base + path)).build();
        SdkHttpRequest signed;
        try {
            signed = SIGNER.sign(r -> r.identity(identity).request(request)
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    // S3's canonical URI is the path as sent: escaped once, never normalized
                    .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                    .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                    .putProperty(HttpSigner.SIGNING_CLOCK, clock())).request();
        } catch (RuntimeException e) {
            throw new IOException("cannot sign the request: " + e.getMessage(), e);
        }
        signed.forEachHeader((name, values) -> {
            // the Host header HttpURLConnection writes itself, the same as the signer's (the port only when
            // it is not the scheme's)
            if (!name.equalsIgnoreCase("Host")) {
                c.setRequestProperty(name, values.get(0));
            }
        });
    }

    /** A key or bucket as S3's canonical URI spells it: every byte but the unreserved ones and {@code /} escaped. */
    static String encode(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int ch = x & 0xff;
            if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'
                    || ch == '_' || ch == '.' || ch == '~' || ch == '/') {
                b.append((char) ch);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(ch >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(ch & 0xf, 16)));
            }
        }
        return b.toString();
    }
}
