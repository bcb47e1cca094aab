/**
 * Graph layout for the DAG view, in plain Java (no JavaFX): {@link io.fester.layout.LayeredLayout}
 * computes a deterministic layered (Sugiyama-style, left-to-right) drawing of a build graph — box
 * positions and edge polylines in pixels — that the UI then renders. Everything here is stateless and
 * thread-safe, so a layout can be computed off the UI thread.
 */
package io.fester.layout;
