package io.fester.hosts;

/**
 * How this JVM starts processes. On JDK 17 under Linux, {@code vfork} starts a process in about half
 * the time of the default ({@code posix_spawn} through the {@code jspawnhelper} executable), which a
 * build of many short actions feels (docs/benchmarks.md). Must run before the JVM starts its first
 * process; a value set on the command line wins.
 */
public final class Launch {
    private Launch() {}

    /** Chooses vfork unless {@code -Djdk.lang.Process.launchMechanism} says otherwise. */
    public static void configure() {
        if (System.getProperty("jdk.lang.Process.launchMechanism") == null
                && System.getProperty("os.name", "").startsWith("Linux")
                && Runtime.version().feature() < 21) {
            System.setProperty("jdk.lang.Process.launchMechanism", "VFORK");
        }
    }
}
