package io.fester.cache.s3;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.profiles.Profile;
import software.amazon.awssdk.profiles.ProfileFile;

/**
 * How to reach a shared cache, resolved the way S3 tools resolve it. Each setting is taken from the
 * first place that has it: the command line, then the hosts file's {@code cache:} section, then the
 * environment (and the AWS profile files), then the default.
 *
 * <ul>
 *   <li>endpoint: {@code --remote-cache-endpoint}, {@code cache.endpoint}, {@code AWS_ENDPOINT_URL_S3},
 *       {@code AWS_ENDPOINT_URL}, the profile's {@code endpoint_url}; none: AWS S3 itself.
 *   <li>region: {@code cache.region}, {@code AWS_REGION}, {@code AWS_DEFAULT_REGION}, the profile's
 *       {@code region}, {@code us-east-1}.
 *   <li>credentials: {@code AWS_ACCESS_KEY_ID} + {@code AWS_SECRET_ACCESS_KEY} (+ {@code AWS_SESSION_TOKEN}),
 *       else the profile {@code AWS_PROFILE} (default {@code default}) in {@code ~/.aws/credentials}
 *       ({@code AWS_SHARED_CREDENTIALS_FILE}) and {@code ~/.aws/config} ({@code AWS_CONFIG_FILE}); none:
 *       anonymous requests (a public, read-only store).
 * </ul>
 *
 * <p>{@code ~} is {@code user.home}, as everywhere in Fester. {@link #toString} names no secret.
 *
 * @param location the bucket and prefix
 * @param endpoint the store's URL, or null for AWS S3
 * @param region the signing region
 * @param push false for a read-only layer ({@code push: false})
 * @param credentials the keys, or null for anonymous requests
 */
public record S3Settings(S3Location location, URI endpoint, String region, boolean push, S3Credentials credentials) {

    /** A setting that cannot be used; the message says which and what to do. */
    public static final class BadSettings extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public BadSettings(String message) {
            super(message);
        }
    }

    /**
     * Resolves the settings.
     *
     * @param location where the cache is
     * @param endpoint the endpoint given explicitly (command line, else hosts file), or null
     * @param region the region given explicitly (hosts file), or null
     * @param push whether the layer may be written
     * @param env the process environment
     * @param home the user's home ({@code user.home})
     */
    public static S3Settings resolve(S3Location location, String endpoint, String region, boolean push,
            Map<String, String> env, Path home) {
        ProfileFile profiles = profiles(env, home);
        String profileName = nonEmpty(env.get("AWS_PROFILE"));
        Optional<Profile> profile = profiles.profile(profileName == null ? "default" : profileName);
        if (profileName != null && profile.isEmpty()) {
            throw new BadSettings("AWS_PROFILE names the profile '" + profileName + "', which is in neither "
                    + credentialsFile(env, home) + " nor " + configFile(env, home));
        }
        String ep = endpoint;
        if (ep == null) {
            ep = nonEmpty(env.get("AWS_ENDPOINT_URL_S3"));
        }
        if (ep == null) {
            ep = nonEmpty(env.get("AWS_ENDPOINT_URL"));
        }
        if (ep == null) {
            ep = profile.flatMap(p -> p.property("endpoint_url")).orElse(null);
        }
        String rg = region;
        for (String var : new String[] {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
            if (rg == null) {
                rg = nonEmpty(env.get(var));
            }
        }
        if (rg == null) {
            rg = profile.flatMap(p -> p.property("region")).orElse("us-east-1");
        }
        return new S3Settings(location, ep == null ? null : endpoint(ep), rg, push, credentials(env, profile,
                profileName == null ? "default" : profileName, home));
    }

    /** An endpoint URL: http or https, with a host. */
    public static URI endpoint(String text) {
        try {
            URI u = new URI(text);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null) {
                throw new BadSettings("endpoint '" + text + "' is not an http or https URL with a host, like "
                        + "http://127.0.0.1:9000 or https://s3.example.com");
            }
            if (u.getUserInfo() != null) {
                throw new BadSettings("the endpoint URL must not carry credentials: set AWS_ACCESS_KEY_ID and "
                        + "AWS_SECRET_ACCESS_KEY (or a profile in ~/.aws/credentials)");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new BadSettings("endpoint '" + text + "' is not a URL, like http://127.0.0.1:9000");
        }
    }

    private static S3Credentials credentials(Map<String, String> env, Optional<Profile> profile, String profileName,
            Path home) {
        String id = nonEmpty(env.get("AWS_ACCESS_KEY_ID"));
        String secret = nonEmpty(env.get("AWS_SECRET_ACCESS_KEY"));
        if (id != null || secret != null) {
            if (id == null || secret == null) {
                throw new BadSettings("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (only "
                        + (id == null ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is set)");
            }
            return new S3Credentials(id, secret, nonEmpty(env.get("AWS_SESSION_TOKEN")), "the environment");
        }
        if (profile.isEmpty()) {
            return null;
        }
        Optional<String> pid = profile.get().property("aws_access_key_id");
        Optional<String> psecret = profile.get().property("aws_secret_access_key");
        if (pid.isEmpty() && psecret.isEmpty()) {
            return null;
        }
        if (pid.isEmpty() || psecret.isEmpty()) {
            throw new BadSettings("profile '" + profileName + "' in " + credentialsFile(env, home)
                    + " needs both aws_access_key_id and aws_secret_access_key");
        }
        return new S3Credentials(pid.get(), psecret.get(), profile.get().property("aws_session_token").orElse(null),
                "profile " + profileName);
    }

    private static ProfileFile profiles(Map<String, String> env, Path home) {
        ProfileFile.Aggregator all = ProfileFile.aggregator();
        Path config = configFile(env, home);
        Path creds = credentialsFile(env, home);
        try {
            if (Files.isRegularFile(config)) {
                all.addFile(ProfileFile.builder().content(config).type(ProfileFile.Type.CONFIGURATION).build());
            }
            if (Files.isRegularFile(creds)) {
                all.addFile(ProfileFile.builder().content(creds).type(ProfileFile.Type.CREDENTIALS).build());
            }
        } catch (RuntimeException e) {
            // the SDK's parser names the line, never a value
            throw new BadSettings("cannot read the AWS profile files (" + config + ", " + creds + "): "
                    + e.getMessage());
        }
        return all.build();
    }

    private static Path credentialsFile(Map<String, String> env, Path home) {
        String f = nonEmpty(env.get("AWS_SHARED_CREDENTIALS_FILE"));
        return f != null ? Path.of(f) : home.resolve(".aws").resolve("credentials");
    }

    private static Path configFile(Map<String, String> env, Path home) {
        String f = nonEmpty(env.get("AWS_CONFIG_FILE"));
        return f != null ? Path.of(f) : home.resolve(".aws").resolve("config");
    }

    private static String nonEmpty(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** How the user names this store in messages: {@code s3://BUCKET/PREFIX at ENDPOINT}. */
    public String describe() {
        return location + (endpoint == null ? "" : " at " + endpoint);
    }

    @Override
    public String toString() {
        return describe() + " (region " + region + (push ? "" : ", read-only") + ", "
                + (credentials == null ? "anonymous" : credentials.toString()) + ")";
    }
}
