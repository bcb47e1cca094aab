package io.fester.timeline;

/** The user asked the run to stop (Ctrl-C, a Cancel button): {@code reason} says which. */
public record Cancel(String reason) implements Event {}
