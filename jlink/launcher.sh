#!/bin/sh
# The installed `fester` command (jlink/build-package.sh puts this script in the app image as bin/fester, in
# place of jpackage's native launcher). It starts Fester as bin/fester does in the source tree (ADRs 0065,
# 0071): the small fester-client.jar first on the class path, then fester.jar, both by absolute paths (an
# archive records the class path as given and silently refuses another spelling); the class-data-sharing
# archive lib/app/fester.jsa, made for that class path by the package's postinst (or at image build time),
# except for a run/debug that a running server may take; C1, the serial collector and no perf data for
# terminal commands. A build handed to a running `fester serve` or cockpit never opens fester.jar.
set -eu
self=$0
case $self in
    */*) ;;
    *) self=$(command -v "$0") ;;
esac
[ ! -L "$self" ] || self=$(readlink -f "$self") # /usr/bin/fester -> /opt/fester/bin/fester
here=$(cd "${self%/*}/.." && pwd -P)
app=$here/lib/app
java=$here/lib/runtime/bin/java
case ${1:-} in
    ""|cockpit|replay|bench|bench-stg) jit= ;;
    -h|--help|-V|--version) jit="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData" ;;
    -*) jit= ;; # options only: the cockpit
    *) jit="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Dfester.jit=c1" ;;
esac
share="-XX:SharedArchiveFile=$app/fester.jsa"
case ${1:-} in
    run|debug)
        if [ "${FESTER_SERVE:-}" != off ]; then
            if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ]; then sockets=$XDG_RUNTIME_DIR/fester
            else sockets=${HOME:-}/.local/share/fester/run; fi
            for s in "$sockets"/serve-*.sock; do
                [ ! -S "$s" ] || share=
                break
            done
        fi ;;
esac
# shellcheck disable=SC2086
exec "$java" $share -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off $jit \
    -cp "$app/fester-client.jar:$app/fester.jar" io.fester.cli.Main "$@"
