/**
 * Up to date: which actions need not run again. The coordinator (not the engine, which reads no files)
 * keys each action on its command and the contents of its inputs — declared ones and the headers its
 * depfile named last time — compares with the {@link io.fester.uptodate.Stamps} written when its outputs
 * were made, and hands the verdict to the engine inside the recorded {@code run_request}. See
 * docs/architecture.md, "Up to date".
 */
package io.fester.uptodate;
