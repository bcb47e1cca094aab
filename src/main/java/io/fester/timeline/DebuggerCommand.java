package io.fester.timeline;

/** A debugger command as typed or clicked. */
public record DebuggerCommand(String command) implements Event {}
