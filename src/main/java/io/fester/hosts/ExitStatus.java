package io.fester.hosts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tells "killed by signal N" from "exited with status 128+N", which an exit status alone cannot: Java's
 * {@link Process#waitFor()} and every shell's {@code $?} give 128+N for both. The command runs under a
 * small waiter (Perl, part of every Debian system: {@code perl-base} is essential) that leads its process
 * group, waits for {@code /bin/sh -c COMMAND} and writes how it ended ({@code exit N} or {@code signal N})
 * to a file before ending the same way. No file means the waiter itself was killed (by Fester's kill of the
 * group, or anyone's): a signal. Without Perl the command runs as before and an exit status above 128
 * is read as a signal, as Fester always did.
 */
public final class ExitStatus {
    /**
     * The waiter: {@code perl -e WAITER FILE /bin/sh -c COMMAND}. It ignores the polite signals only after
     * forking (a command inherits ignored signals across exec), so a TERM sent to the group ends the command
     * and the waiter records it; Fester's own kills are SIGKILL, which ends both. The same text is in
     * agent-scripts/fester-agent.sh.
     */
    public static final String WAITER = "my $f=shift;my $p=fork;defined $p or exit 126;if(!$p){exec {$ARGV[0]} @ARGV;"
            + "exit 127}$SIG{$_}=\"IGNORE\" for qw(INT TERM HUP QUIT);waitpid($p,0);my $s=$?;my $n=$s&127;"
            + "if(open my $o,\">\",$f){print $o $n?\"signal $n\\n\":\"exit \".($s>>8).\"\\n\";close $o}"
            + "exit($n?128+$n:$s>>8)";

    private static final String PERL = find("perl");

    private ExitStatus() {}

    /**
     * How a process ended.
     *
     * @param status as a shell shows it (128+N for signal N)
     * @param signal the signal that killed it, or null when it exited by itself
     */
    public record Ended(int status, Integer signal) {}

    /** Perl's path (found on the PATH when Fester started), or null. */
    static String perl() {
        return PERL;
    }

    /** Whether commands run under the waiter here (Perl is on the PATH). */
    public static boolean exact() {
        return PERL != null;
    }

    /**
     * The argument vector that runs {@code command} in a process group of its own, reporting to {@code file}
     * (null: no report, as without Perl).
     */
    public static List<String> command(String command, Path file) {
        return command(command, file, List.of());
    }

    /** The same, with {@code /bin/sh -c COMMAND} run through {@code prefix} (a sandbox, a container). */
    public static List<String> command(String command, Path file, List<String> prefix) {
        List<String> argv = new ArrayList<>(List.of("setsid"));
        if (PERL != null && file != null) {
            argv.addAll(List.of(PERL, "-e", WAITER, file.toString()));
        }
        argv.addAll(prefix);
        argv.addAll(List.of("/bin/sh", "-c", command));
        return argv;
    }

    /** How the process ended, from its status and the waiter's file (read, then deleted). */
    public static Ended read(int status, Path file) {
        String how = null;
        try {
            if (file == null) {
                return of(status, null);
            }
            how = Files.readString(file, StandardCharsets.UTF_8).strip();
            Files.deleteIfExists(file);
        } catch (IOException | RuntimeException e) {
            // no report: the waiter did not end by itself
        }
        return of(status, how);
    }

    /**
     * How the process ended, from its status and the waiter's report.
     *
     * @param how {@code exit N}, {@code signal N}, or null when the waiter wrote nothing
     */
    public static Ended of(int status, String how) {
        if (how != null) {
            String[] f = how.split(" ");
            try {
                int n = f.length == 2 ? Integer.parseInt(f[1]) : -1;
                if (n >= 0 && f[0].equals("exit")) {
                    return new Ended(n, null);
                }
                if (n > 0 && f[0].equals("signal")) {
                    return new Ended(128 + n, n);
                }
            } catch (NumberFormatException e) {
                // not a report: as without one
            }
        }
        if (status > 128 && status <= 128 + 64) {
            // the waiter was killed, or, without one, the guess Fester always made
            return new Ended(status, status - 128);
        }
        return new Ended(status, null);
    }

    private static String find(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        return null;
    }
}
