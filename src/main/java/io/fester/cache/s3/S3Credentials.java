package io.fester.cache.s3;

/**
 * An access key pair (and a session token, for temporary credentials). {@link #toString} names only
 * where they came from, so no message, event or log can show the secret by printing this.
 */
public final class S3Credentials {
    private final String accessKeyId;
    private final String secretAccessKey;
    private final String sessionToken;
    private final String source;

    /**
     * @param source where they came from, for messages: {@code environment}, {@code profile dev (~/.aws/credentials)}
     */
    public S3Credentials(String accessKeyId, String secretAccessKey, String sessionToken, String source) {
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.sessionToken = sessionToken;
        this.source = source;
    }

    String accessKeyId() {
        return accessKeyId;
    }

    String secretAccessKey() {
        return secretAccessKey;
    }

    String sessionToken() {
        return sessionToken;
    }

    /** Where the credentials came from (never the keys). */
    public String source() {
        return source;
    }

    /** Replaces every occurrence of the secrets in a text from outside (a server's or a library's message). */
    String scrub(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String s : new String[] {secretAccessKey, sessionToken}) {
            if (s != null && !s.isEmpty()) {
                out = out.replace(s, "***");
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "credentials from " + source;
    }
}
