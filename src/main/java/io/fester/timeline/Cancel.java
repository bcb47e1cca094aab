package io.fester.timeline;

/**
 * The user asked the run to stop (Ctrl-C, a Cancel button): {@code reason} says which. The engine
 * skips what is queued and waits for what runs to be killed; {@code force} ends the run at once
 * (a second Ctrl-C, or actions that did not stop in time).
 */
public record Cancel(String reason, boolean force) implements Event {}
