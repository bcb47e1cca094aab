package io.fester.timeline;

/** A chunk of an action's output, {@code stream} being {@code stdout} or {@code stderr}. */
public record Output(String action, String stream, String text) implements Event {}
