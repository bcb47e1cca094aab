package io.fester.cache.s3;

import java.util.regex.Pattern;

/**
 * Where a shared cache lives: {@code s3://BUCKET[/PREFIX]}. Blobs are stored as {@code PREFIX/cas/DIGEST},
 * results as {@code PREFIX/ac/KEY} (without a prefix: {@code cas/DIGEST}, {@code ac/KEY}).
 *
 * @param bucket the bucket
 * @param prefix the key prefix without leading or trailing slashes, or empty
 */
public record S3Location(String bucket, String prefix) {
    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{1,254}");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9!_.*'()/-]*");

    /** Thrown for a URL that is not {@code s3://BUCKET[/PREFIX]}; the message says what to write. */
    public static final class BadLocation extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        BadLocation(String message) {
            super(message);
        }
    }

    /** Reads {@code s3://BUCKET[/PREFIX]}; a trailing slash is ignored. */
    public static S3Location parse(String url) {
        String hint = " (write s3://BUCKET or s3://BUCKET/PREFIX, e.g. s3://fester-cache/team)";
        if (url == null || !url.startsWith("s3://")) {
            throw new BadLocation("'" + url + "' is not an S3 URL" + hint);
        }
        String rest = url.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (!BUCKET.matcher(bucket).matches()) {
            throw new BadLocation("'" + url + "': '" + bucket + "' is not a bucket name" + hint);
        }
        if (!PREFIX.matcher(prefix).matches() || prefix.startsWith("/") || prefix.contains("//")) {
            throw new BadLocation("'" + url + "': the prefix '" + prefix + "' may hold letters, digits, single "
                    + "slashes and !_.*'()-" + hint);
        }
        return new S3Location(bucket, prefix);
    }

    /** The object key of the blob with this digest. */
    public String blobKey(String digest) {
        return under("cas/") + digest;
    }

    /** The object key of the result under this action key. */
    public String resultKey(String key) {
        return under("ac/") + key;
    }

    /** {@code PREFIX/} + {@code dir}, or {@code dir} without a prefix: where one kind of object lives. */
    public String under(String dir) {
        return prefix.isEmpty() ? dir : prefix + "/" + dir;
    }

    @Override
    public String toString() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }
}
