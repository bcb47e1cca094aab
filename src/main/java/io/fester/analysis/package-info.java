/**
 * Analyses of a run, computed from its fold ({@link io.fester.state.BuildState}) alone: no clock, no
 * I/O, no JavaFX, so the CLI, reports and the cockpit share them and a prefix of a run can be analysed
 * as well as a finished one.
 */
package io.fester.analysis;
