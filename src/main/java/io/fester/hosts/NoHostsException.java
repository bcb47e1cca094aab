package io.fester.hosts;

import java.io.IOException;

/** No host of the run could be reached: the message says why, host by host. */
public final class NoHostsException extends IOException {
    private static final long serialVersionUID = 1L;

    public NoHostsException(String message) {
        super(message);
    }
}
