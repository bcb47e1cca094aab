package io.fester.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.timeline.Exit;
import io.fester.timeline.Output;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTest {
    @Test
    void namesThatMarkASecret() {
        for (String n : List.of("GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID",
                "DB_PASSWORD", "my_passwd", "NPM_API_KEY", "SSH_PASSPHRASE", "GOOGLE_APPLICATION_CREDENTIALS",
                "client_secret")) {
            assertTrue(Secrets.isSecret(n), n);
        }
        for (String n : List.of("CC", "PATH", "HOME", "GIT_AUTHOR_NAME", "CFLAGS", "LANG")) {
            assertFalse(Secrets.isSecret(n), n);
        }
    }

    @Test
    void theRecordKeepsTheKeyAndHidesTheValue() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CC", "gcc");
        env.put("GITHUB_TOKEN", "ghp_abcdef123456");
        assertEquals(Map.of("CC", "gcc", "GITHUB_TOKEN", Secrets.REDACTED), Secrets.redact(env));
    }

    @Test
    void outputLosesEverySecretValueLongestFirstAndOtherEventsAreUntouched() {
        Secrets s = Secrets.of(Map.of("API_TOKEN", "abcdef123456"), Map.of("AWS_SECRET_ACCESS_KEY",
                "abcdef123456-and-more", "SHORT_TOKEN", "abc", "PATH", "/usr/bin:/bin"));
        Output o = (Output) s.scrub(new Output("a", "stdout", "x abcdef123456-and-more y abcdef123456 abc /usr/bin\n"));
        assertEquals("x <redacted:AWS_SECRET_ACCESS_KEY> y <redacted:API_TOKEN> abc /usr/bin\n", o.text());
        Output clean = new Output("a", "stdout", "nothing here\n");
        assertSame(clean, s.scrub(clean));
        Exit x = new Exit("a", "local", 1, 0, null, Exit.CAUSE_EXIT, List.of(), 5);
        assertSame(x, s.scrub(x));
    }

    @Test
    void aSecretSplitAcrossChunksIsCutAndWhatOnlyLookedLikeOneComesOutBeforeTheExit() {
        Secrets s = Secrets.of(Map.of("API_TOKEN", "tok_abcdef123456"), Map.of());
        List<io.fester.timeline.Event> got = new java.util.ArrayList<>();
        java.util.function.Consumer<io.fester.timeline.Event> post = s.scrubber(got::add);
        post.accept(new Output("a", "stdout", "key=tok_abc", 1));
        post.accept(new Output("a", "stderr", "tok_", 1)); // another stream holds its own end
        post.accept(new Output("a", "stdout", "def123456 ok\n", 1));
        post.accept(new Output("a", "stdout", "not one: tok_ab", 1));
        post.accept(new Exit("a", "local", 1, 0, null, Exit.CAUSE_EXIT, List.of(), 5));
        post.accept(new Output("a", "stdout", "late tok_abc", 1)); // after its exit: nothing would flush it
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        for (io.fester.timeline.Event e : got) {
            if (e instanceof Output o) {
                assertEquals(1, o.attempt(), "the attempt is kept");
                (o.stream().equals("stdout") ? out : err).append(o.text());
            }
        }
        assertEquals("key=<redacted:API_TOKEN> ok\nnot one: tok_ablate tok_abc", out.toString());
        assertEquals("tok_", err.toString());
        assertTrue(got.get(got.size() - 2) instanceof Exit, "held ends go out before the exit: " + got);
    }
}
