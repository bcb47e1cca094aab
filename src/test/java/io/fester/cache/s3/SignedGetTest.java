package io.fester.cache.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SignedGet} against a tiny HTTP server on loopback that answers as each test scripts it and records
 * what it was sent: what s3proxy cannot show (a 5xx then a 200, a body cut short, a slow answer, a redirect,
 * a clock that is off) and the exact request line and headers (s3proxy checks a signature against the URI as
 * sent, so an escaping that is wrong the same way on both sides would pass there).
 */
class SignedGetTest {
    static HttpServer server;
    static ExecutorService threads;
    static final ConcurrentLinkedDeque<Answer> script = new ConcurrentLinkedDeque<>();
    static final List<Seen> seen = new CopyOnWriteArrayList<>();
    static final S3Credentials CREDENTIALS = new S3Credentials("AKIDTEST", "secret-test-key", null, "the test");

    interface Answer {
        void answer(HttpExchange x) throws IOException;
    }

    record Seen(String rawPath, Headers headers) {}

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        threads = Executors.newFixedThreadPool(4);
        server.setExecutor(threads);
        server.createContext("/", x -> {
            seen.add(new Seen(x.getRequestURI().getRawPath(), x.getRequestHeaders()));
            Answer a = script.pollFirst();
            try {
                if (a == null) {
                    send(x, 599, "no answer scripted");
                } else {
                    a.answer(x);
                }
            } finally {
                x.close();
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        threads.shutdownNow();
    }

    @BeforeEach
    void clear() {
        script.clear();
        seen.clear();
    }

    static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            x.getResponseBody().write(b);
        }
    }

    static SignedGet get(S3Credentials credentials, long deadlineMillis) {
        URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/s3%20st(o)re/");
        return new SignedGet(endpoint, "bkt", "us-east-1", credentials, deadlineMillis);
    }

    static String text(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aServerErrorIsTriedOnceMoreAndThePathIsEscapedAsS3Wants() throws Exception {
        script.add(x -> send(x, 500, "<Error><Code>InternalError</Code></Error>"));
        script.add(x -> send(x, 200, "the result"));
        assertEquals("the result", get(CREDENTIALS, 10_000).get("p/k a+b!(c)*'~é", SignedGetTest::text));
        assertEquals(2, seen.size(), "one retry after the 500");
        for (Seen s : seen) {
            // S3's canonical URI: every byte but A-Za-z0-9-_.~ and / escaped, upper-case hex, the endpoint's
            // own path escaped the same way; what is sent is what is signed
            assertEquals("/s3%20st%28o%29re/bkt/p/k%20a%2Bb%21%28c%29%2A%27~%C3%A9", s.rawPath);
            String auth = s.headers.getFirst("Authorization");
            assertTrue(auth.startsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/"), auth);
            assertTrue(auth.contains("/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date,"),
                    auth);
            assertNull(s.headers.getFirst("X-Amz-Security-Token"));
        }
    }

    @Test
    void twoServerErrorsAreAFailureWithTheStoresCode() {
        script.add(x -> send(x, 503, "<Error><Code>SlowDown</Code></Error>"));
        script.add(x -> send(x, 503, "<Error><Code>SlowDown</Code></Error>"));
        SignedGet.Refused e = assertThrows(SignedGet.Refused.class, () -> get(CREDENTIALS, 10_000).get("k", SignedGetTest::text));
        assertEquals("HTTP 503 SlowDown", e.getMessage());
        assertEquals(2, seen.size());
    }

    @Test
    void aBodyCutShortIsAFailureNotAShorterObject() throws Exception {
        Answer cut = x -> {
            x.sendResponseHeaders(200, 10);
            x.getResponseBody().write("abcd".getBytes(StandardCharsets.UTF_8));
            x.getResponseBody().flush();
            throw new IOException("the test cuts the body"); // closes the connection after 4 of 10 bytes
        };
        script.add(cut);
        script.add(cut);
        IOException e = assertThrows(IOException.class, () -> get(CREDENTIALS, 10_000).get("k", SignedGetTest::text));
        assertEquals("the body ended after 4 of its 10 bytes", e.getMessage());
        assertEquals(2, seen.size(), "tried once more");

        script.add(cut);
        script.add(x -> send(x, 200, "0123456789"));
        assertEquals("0123456789", assertDoesNotThrowGet());
    }

    private static String assertDoesNotThrowGet() throws IOException {
        return get(CREDENTIALS, 10_000).get("k", SignedGetTest::text);
    }

    @Test
    void theConsumersOwnFailureIsNeitherRetriedNorTheStores() {
        script.add(x -> send(x, 200, "0123456789"));
        IOException disk = new IOException("No space left on device");
        SignedGet.Local e = assertThrows(SignedGet.Local.class, () -> get(CREDENTIALS, 10_000).get("k", in -> {
            in.readNBytes(3);
            throw disk;
        }));
        assertSame(disk, e.getCause());
        assertEquals(1, seen.size(), "not retried over the network");
    }

    @Test
    void aSessionTokenIsSentAndSigned() throws Exception {
        script.add(x -> send(x, 404, "<Error><Code>NoSuchKey</Code></Error>"));
        S3Credentials session = new S3Credentials("ASIATEST", "secret-test-key", "the-session-token", "the test");
        assertNull(get(session, 10_000).get("k", SignedGetTest::text), "a 404 is a miss");
        Headers h = seen.get(0).headers;
        assertEquals("the-session-token", h.getFirst("X-Amz-Security-Token"));
        assertTrue(h.getFirst("Authorization").contains(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"), h.getFirst("Authorization"));
    }

    @Test
    void aSlowAnswerEndsAtTheDeadline() {
        script.add(x -> {
            x.sendResponseHeaders(200, 10);
            x.getResponseBody().write("ab".getBytes(StandardCharsets.UTF_8));
            x.getResponseBody().flush();
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                () -> get(CREDENTIALS, 500).get("k", SignedGetTest::text));
        assertEquals("no complete answer in 500 ms", e.getMessage());
        assertEquals(1, seen.size(), "not retried");
    }

    @Test
    void aRedirectSaysWhereTo() {
        script.add(x -> {
            x.getResponseHeaders().add("Location", "http://elsewhere:9000/bkt/k");
            send(x, 301, "");
        });
        SignedGet.Refused e = assertThrows(SignedGet.Refused.class, () -> get(CREDENTIALS, 10_000).get("k", SignedGetTest::text));
        assertEquals(301, e.status);
        assertEquals("http://elsewhere:9000/bkt/k", e.location);
        assertEquals(1, seen.size());
    }

    @Test
    void aSkewedClockIsCorrectedFromTheStoresDate() throws Exception {
        Instant ahead = Instant.now().plusSeconds(15 * 60);
        script.add(x -> {
            // as S3 words it (this server sets its own Date header, so the store's time is in the body)
            send(x, 403, "<Error><Code>RequestTimeTooSkewed</Code><RequestTime>" + Instant.now()
                    + "</RequestTime><ServerTime>" + ahead + "</ServerTime></Error>");
        });
        script.add(x -> send(x, 200, "ok"));
        assertEquals("ok", get(CREDENTIALS, 10_000).get("k", SignedGetTest::text));
        assertEquals(2, seen.size());
        DateTimeFormatter amz = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX").withZone(ZoneOffset.UTC);
        Instant first = Instant.from(amz.parse(seen.get(0).headers.getFirst("X-Amz-Date")));
        Instant second = Instant.from(amz.parse(seen.get(1).headers.getFirst("X-Amz-Date")));
        long minutes = java.time.Duration.between(first, second).toMinutes();
        assertTrue(minutes >= 14 && minutes <= 15, "signed again with the store's time: " + first + " then " + second);

        script.add(x -> {
            // as S3 words it (this server sets its own Date header, so the store's time is in the body)
            send(x, 403, "<Error><Code>RequestTimeTooSkewed</Code><RequestTime>" + Instant.now()
                    + "</RequestTime><ServerTime>" + ahead + "</ServerTime></Error>");
        });
        script.add(x -> {
            // as S3 words it (this server sets its own Date header, so the store's time is in the body)
            send(x, 403, "<Error><Code>RequestTimeTooSkewed</Code><RequestTime>" + Instant.now()
                    + "</RequestTime><ServerTime>" + ahead + "</ServerTime></Error>");
        });
        SignedGet.Refused e = assertThrows(SignedGet.Refused.class, () -> get(CREDENTIALS, 10_000).get("k", SignedGetTest::text));
        assertEquals("RequestTimeTooSkewed", e.code);
        assertInstanceOf(Long.class, e.skewMillis);
        assertTrue(Math.abs(e.skewMillis / 60_000.0 - 15) < 1.1, "off by about 15 min: " + e.skewMillis);
    }
}
