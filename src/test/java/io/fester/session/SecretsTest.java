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
}
