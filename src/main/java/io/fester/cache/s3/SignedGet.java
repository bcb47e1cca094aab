package io.fester.cache.s3;

import io.fester.uptodate.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The shared layer's reads on a self-hosted store (an endpoint given: MinIO, Garage, SeaweedFS, Ceph RGW,
 * s3proxy): one {@code GET} of {@code ENDPOINT/BUCKET/KEY} (path style, as the SDK's client addresses such a
 * store), signed with AWS signature version 4 in the headers, over the JDK's {@link HttpURLConnection} and its
 * kept-alive connections (ADR 0095). A hit reads three objects (a manifest entry, a result, a blob): through
 * the AWS SDK each went through its interceptors, endpoint rules, signer and marshallers — half the lookup
 * threads' CPU on a hit from the store — and a new JVM first built the SDK's client (thousands of classes).
 * Here a read is a canonical request, two HMACs and one SHA-256 of ~300 bytes.
 *
 * <p>Only reads: writes, lists and deletes stay with the SDK (conditional puts, paginated lists, its retry
 * policy). The request's signing needs the current time ({@code x-amz-date}); the store checks it, nothing
 * in the engine sees it. Safe for use by several threads at once.
 */
final class SignedGet {
    /** SHA-256 of no bytes: the payload hash of every {@code GET}. */
    private static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final HexFormat HEX = HexFormat.of();
    private static final Pattern CODE = Pattern.compile("<Code>([^<]{1,100})</Code>");

    private final String base;
    private final String host;
    /** The endpoint's own path (if any) and the bucket: where every key's path starts. */
    private final String bucket;
    private final String region;
    private final S3Credentials credentials;
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no HmacSHA256 in this JDK", e);
        }
    });
    /** The signing key of one day (yyyyMMdd), made again when the day changes. */
    private volatile DayKey dayKey;

    private record DayKey(String day, byte[] key) {}

    /** What the store answered other than 200 and 404: its status and S3 error code (when it sent one). */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;

        Refused(int status, String code) {
            super("HTTP " + status + (code == null ? "" : " " + code));
            this.status = status;
            this.code = code;
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
        String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        int port = endpoint.getPort();
        int defaultPort = "https".equalsIgnoreCase(endpoint.getScheme()) ? 443 : 80;
        // the Host header as HttpURLConnection writes it: the port only when it is not the scheme's
        this.host = endpoint.getHost() + (port != -1 && port != defaultPort ? ":" + port : "");
        this.base = endpoint.getScheme() + "://" + endpoint.getRawAuthority();
        this.bucket = path + "/" + encode(bucket);
        this.region = region;
        this.credentials = credentials;
    }

    /** The object's body as {@code body} reads it, or null when the store has no such object (404). */
    <T> T get(String key, Body<T> body) throws IOException {
        String path = bucket + "/" + encode(key);
        try {
            return once(path, body);
        } catch (Refused r) {
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

    private <T> T once(String path, Body<T> body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(base + path).openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(60_000);
        c.setUseCaches(false);
        c.setInstanceFollowRedirects(false);
        if (credentials != null) {
            sign(c, path);
        }
        int status = c.getResponseCode();
        if (status == 200) {
            try (InputStream in = c.getInputStream()) {
                T t = body.read(in);
                in.transferTo(java.io.OutputStream.nullOutputStream()); // to its end: the connection is kept
                return t;
            }
        }
        String code = null;
        try (InputStream err = c.getErrorStream()) {
            if (err != null) {
                byte[] b = err.readNBytes(64 * 1024);
                err.transferTo(java.io.OutputStream.nullOutputStream());
                Matcher m = CODE.matcher(new String(b, StandardCharsets.UTF_8));
                if (m.find()) {
                    code = m.group(1);
                }
            }
        }
        if (status == 404) {
            return null;
        }
        throw new Refused(status, code);
    }

    private void sign(HttpURLConnection c, String path) throws IOException {
        LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC);
        String day = String.format("%04d%02d%02d", now.getYear(), now.getMonthValue(), now.getDayOfMonth());
        String amzDate = day + String.format("T%02d%02d%02dZ", now.getHour(), now.getMinute(), now.getSecond());
        String token = credentials.sessionToken();
        StringBuilder canonical = new StringBuilder(400).append("GET\n").append(path).append("\n\n")
                .append("host:").append(host).append('\n')
                .append("x-amz-content-sha256:").append(EMPTY).append('\n')
                .append("x-amz-date:").append(amzDate).append('\n');
        String signed = "host;x-amz-content-sha256;x-amz-date";
        if (token != null) {
            canonical.append("x-amz-security-token:").append(token.trim()).append('\n');
            signed += ";x-amz-security-token";
        }
        canonical.append('\n').append(signed).append('\n').append(EMPTY);
        String scope = day + "/" + region + "/s3/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + HEX.formatHex(Sha256.digest().digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        String signature = HEX.formatHex(hmac(key(day), toSign));
        c.setRequestProperty("x-amz-content-sha256", EMPTY);
        c.setRequestProperty("x-amz-date", amzDate);
        if (token != null) {
            c.setRequestProperty("x-amz-security-token", token.trim());
        }
        c.setRequestProperty("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId() + "/" + scope
                + ", SignedHeaders=" + signed + ", Signature=" + signature);
    }

    private byte[] key(String day) throws IOException {
        DayKey k = dayKey;
        if (k == null || !k.day.equals(day)) {
            byte[] secret = ("AWS4" + credentials.secretAccessKey()).getBytes(StandardCharsets.UTF_8);
            byte[] key = hmac(hmac(hmac(hmac(secret, day), region), "s3"), "aws4_request");
            k = new DayKey(day, key);
            dayKey = k;
        }
        return k.key;
    }

    private byte[] hmac(byte[] key, String data) throws IOException {
        try {
            Mac mac = macs.get();
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot sign the request: " + e.getMessage(), e);
        }
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
