package io.fester.cli;

import io.fester.session.UserError;
import io.fester.cache.Cache;
import io.fester.hosts.HostsFile;
import io.fester.session.SharedCacheConfig;
import picocli.CommandLine.Option;

/** The shared cache's options, for {@code run}, {@code debug}, {@code cockpit} and {@code cache}. */
final class RemoteCacheOptions {
    @Option(names = "--remote-cache", paramLabel = "s3://BUCKET[/PREFIX]", description = "a shared cache on an "
            + "S3-compatible store (MinIO, Garage, SeaweedFS, Ceph RGW, AWS S3), looked up after the local one; "
            + "credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the AWS_PROFILE in ~/.aws/credentials; "
            + "default: the hosts file's cache section")
    String remote;

    @Option(names = "--remote-cache-endpoint", paramLabel = "URL", description = "the store's URL, like "
            + "http://127.0.0.1:9000; default: the hosts file's cache.endpoint, else AWS_ENDPOINT_URL, else AWS S3")
    String endpoint;

    @Option(names = "--remote-cache-read-only", description = "only read the shared cache, never write it "
            + "(as push: false in the hosts file)")
    boolean readOnly;

    SharedCacheConfig config() {
        return new SharedCacheConfig(remote, endpoint, readOnly);
    }

    /** Refuses the endpoint or read-only options without a shared cache to apply them to (exit 2). */
    void check(HostsFile hosts) {
        if (remote == null && (hosts == null || hosts.sharedCache() == null) && (endpoint != null || readOnly)) {
            throw new UserError((endpoint != null ? "--remote-cache-endpoint" : "--remote-cache-read-only")
                    + " needs a shared cache: --remote-cache s3://BUCKET[/PREFIX], or a cache: section in the hosts file");
        }
    }

    /** The cache of a build on these hosts: local, then shared; a bad setting is the user's error (exit 2). */
    Cache cache(HostsFile hosts) {
        try {
            return config().cache(hosts);
        } catch (SharedCacheConfig.Refused e) {
            throw new UserError(e.getMessage());
        }
    }
}
