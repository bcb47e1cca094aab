package io.fester.session;

import io.fester.cache.Cache;
import io.fester.cache.CacheLayer;
import io.fester.cache.s3.S3CacheLayer;
import io.fester.cache.s3.S3Location;
import io.fester.cache.s3.S3Settings;
import io.fester.hosts.HostsFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the command line says about the shared cache ({@code --remote-cache}, {@code --remote-cache-endpoint},
 * {@code --remote-cache-read-only}), and the {@link Cache} a run uses: the local layer, then the shared
 * one when the command line or the hosts file's {@code cache:} section names one. The command line wins
 * over the hosts file, which wins over the environment ({@code AWS_ENDPOINT_URL}, {@code AWS_REGION}…);
 * credentials come only from the environment or the AWS profile files ({@link S3Settings}).
 *
 * @param remote {@code s3://BUCKET[/PREFIX]} from the command line, or null
 * @param endpoint the store's URL from the command line, or null
 * @param readOnly {@code --remote-cache-read-only}
 */
public record SharedCacheConfig(String remote, String endpoint, boolean readOnly) {
    /** No shared cache from the command line (the hosts file may still name one). */
    public static final SharedCacheConfig NONE = new SharedCacheConfig(null, null, false);

    /** A setting that cannot be used; the message says which and what to do. */
    public static final class Refused extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** The cache for a run on these hosts: the local layer, then the shared one if any is named. */
    public Cache cache(HostsFile hosts) {
        List<CacheLayer> layers = Cache.defaultLayers();
        S3CacheLayer shared = sharedLayer(hosts, System.getenv(), Path.of(System.getProperty("user.home")));
        if (shared != null) {
            layers.add(shared);
        }
        return new Cache(layers);
    }

    /** The shared layer alone (for {@code fester cache} on the shared store), or null when none is named. */
    public S3CacheLayer sharedLayer(HostsFile hosts, Map<String, String> env, Path home) {
        HostsFile.SharedCache section = hosts == null ? null : hosts.sharedCache();
        if (remote == null && section == null) {
            if (endpoint != null || readOnly) {
                throw new Refused((endpoint != null ? "--remote-cache-endpoint" : "--remote-cache-read-only")
                        + " needs a shared cache: --remote-cache s3://BUCKET[/PREFIX], or a cache: section in the "
                        + "hosts file");
            }
            return null;
        }
        S3Location where;
        try {
            where = remote != null ? S3Location.parse(remote) : section.remote();
        } catch (S3Location.BadLocation e) {
            throw new Refused("--remote-cache " + e.getMessage());
        }
        String ep = endpoint != null ? endpoint : section == null ? null : section.endpoint();
        String region = section == null ? null : section.region();
        boolean push = !readOnly && (section == null || section.push());
        try {
            if (endpoint != null) {
                S3Settings.endpoint(endpoint);
            }
            return S3CacheLayer.open(S3Settings.resolve(where, ep, region, push, env, home));
        } catch (S3Settings.BadSettings e) {
            throw new Refused("shared cache " + where + ": " + e.getMessage());
        }
    }
}
