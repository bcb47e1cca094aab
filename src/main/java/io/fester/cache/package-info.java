/**
 * Fester's cache: action keys, the local and the shared (S3-compatible) layers, and how the run looks
 * up, restores and stores action results. Every lookup, hit and miss is an observation in the timeline.
 */
package io.fester.cache;
