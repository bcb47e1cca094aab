/**
 * The shared cache layer on an S3-compatible store (MinIO, Garage, SeaweedFS, Ceph RGW, AWS S3):
 * {@link io.fester.cache.s3.S3CacheLayer}, where it is ({@link io.fester.cache.s3.S3Location}) and how it
 * is reached ({@link io.fester.cache.s3.S3Settings}: endpoint, region, credentials, read-only), resolved
 * the way S3 tools resolve them. Credentials live only in {@link io.fester.cache.s3.S3Credentials}, whose
 * {@code toString} shows no secret; nothing here writes them to a message, an event or a log.
 */
package io.fester.cache.s3;
