package io.fester.hosts;

/**
 * One check of {@code fester doctor} (and the cockpit's Hosts dialog): whether it passed, what was
 * checked (with what was found), and for a failure what to do.
 *
 * @param ok passed
 * @param subject what was checked, e.g. {@code host 'build2': toolchain gcc (Debian 12.2.0-14) 12.2.0 sha256:…}
 * @param fix what to do when it failed (null when it passed)
 */
public record DoctorCheck(boolean ok, String subject, String fix) {
    /** A passed check. */
    public static DoctorCheck pass(String subject) {
        return new DoctorCheck(true, subject, null);
    }

    /** A failed check and what to do. */
    public static DoctorCheck fail(String subject, String fix) {
        return new DoctorCheck(false, subject, fix);
    }

    /** The line shown: {@code ok   SUBJECT} or {@code FAIL SUBJECT — FIX}. */
    public String line() {
        return ok ? "ok   " + subject : "FAIL " + subject + (fix == null || fix.isBlank() ? "" : " — " + fix);
    }
}
