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
# Transparent huge pages for a short terminal command's heap and code cache where the kernel gives them on request
# (ADR 0119): the cold no-op took 0.90-0.92x as long as without (fewer page faults as it allocates), for ~12 MB
# more resident memory. Only when THP's mode is "madvise": with "always" the JVM has them anyway, with "never" (or
# no THP) the flag does nothing or makes the JVM warn. Not for `serve`, which lives long (khugepaged would grow it);
# FESTER_THP=off leaves the flag out everywhere.
thp=
if [ "${FESTER_THP:-}" != off ] && [ "${1:-}" != serve ] && [ -r /sys/kernel/mm/transparent_hugepage/enabled ]; then
    read -r thp </sys/kernel/mm/transparent_hugepage/enabled || :
    case $thp in *"[madvise]"*) thp=-XX:+UseTransparentHugePages ;; *) thp= ;; esac
fi
case ${1:-} in
    ""|cockpit|replay|bench|bench-stg) jit= ;;
    -h|--help|-V|--version) jit="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData $thp" ;;
    -*) jit= ;; # options only: the cockpit
    *) jit="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData $thp -Dfester.jit=c1" ;;
esac
share="-XX:SharedArchiveFile=$app/fester.jsa"
served=
case ${1:-} in
    run|debug)
        if [ "${FESTER_SERVE:-}" != off ]; then
            if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ]; then sockets=$XDG_RUNTIME_DIR/fester
            else sockets=${HOME:-}/.local/share/fester/run; fi
            for s in "$sockets"/serve-*.sock; do
                [ ! -S "$s" ] || served=1
                break
            done
        fi ;;
esac
if [ -n "$served" ]; then
    # A server may take it: the lean Perl client (ADR 0085) asks it without a JVM. When no server takes the build
    # the client execs this JVM, with the archive (nothing is left to hand off: -Dfester.serve=asked).
    # FESTER_SERVE=java, or no perl, asks from the JVM's own client, without the archive (ADR 0071).
    if [ "${FESTER_SERVE:-}" != java ] && command -v perl >/dev/null 2>&1; then
        # shellcheck disable=SC2086
        exec perl "$app/fester-handoff.pl" "$java" $share -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off $jit -Dfester.serve=asked \
            -cp "$app/fester-client.jar:$app/fester.jar" io.fester.cli.Main "$@"
    fi
    share=
fi
# The window (ADR 0087, as bin/fester): C1 only, and an archive of its own in the user's cache (lib/app is not
# theirs to write), written at the exit of the first window session without one for this image and runtime.
window=
case ${1:-} in
    ""|cockpit|replay) window=1 ;;
    -h|--help|-V|--version) ;;
    -*) window=1 ;; # options only: the cockpit
    bench) [ "${2:-}" != ui ] || window=1 ;;
esac
cache=
case ${XDG_CACHE_HOME:-} in
    /*) cache=$XDG_CACHE_HOME/fester ;; # a relative XDG_CACHE_HOME is ignored (the XDG spec)
    *) [ -z "${HOME:-}" ] || cache=$HOME/.cache/fester ;;
esac
if [ -n "$window" ] && [ -n "$cache" ]; then
    jit="-XX:TieredStopAtLevel=1"
    # The archive's identity is in its name (the app image and the .deb share the cache, dpkg restores the jars'
    # old times, the runtime may change): this image's path, the jars' size and time, the runtime's java and modules.
    key=$(stat -L -c '%n %s %Y' "$app/fester.jar" "$app/fester-client.jar" "$java" "$here/lib/runtime/lib/modules" \
        2>/dev/null | cksum)
    key=${key%% *}
    ui=$cache/cockpit-$key.jsa
    if [ -f "$ui" ]; then
        share="-XX:SharedArchiveFile=$ui"
    elif mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; then
        # Not exec'd: written under a name of its own and put in place only when the JVM exited with 0 after the
        # window was shown (it writes the mark then); a session without a window or killed mid-dump keeps nothing.
        tmp=$ui.$$
        mark=$ui.$$.ok
        rm -f "$tmp" "$mark" 2>/dev/null || true
        set +e
        trap 'kill -TERM "$pid" 2>/dev/null' TERM
        trap 'kill -HUP "$pid" 2>/dev/null' HUP
        trap 'kill -INT "$pid" 2>/dev/null' INT
        # env --default-signal: a script's background job has SIGINT and SIGQUIT ignored, and the JVM would keep them so.
        # shellcheck disable=SC2086
        env --default-signal=INT,QUIT "$java" -XX:ArchiveClassesAtExit="$tmp" -Dfester.cockpit.archiveMark="$mark" \
            -Xlog:cds=off -Xlog:cds+dynamic=off $jit \
            -cp "$app/fester-client.jar:$app/fester.jar" io.fester.cli.Main "$@" &
        pid=$!
        while :; do
            wait "$pid"
            rc=$?
            [ "$rc" -gt 128 ] && kill -0 "$pid" 2>/dev/null || break
        done
        trap - TERM HUP INT
        if [ "$rc" -eq 0 ] && [ -f "$mark" ] && [ -s "$tmp" ]; then
            for f in "$cache"/cockpit*.jsa "$cache"/cockpit-*.jsa.*; do
                case $f in
                    "$ui"|"$tmp"|"$mark") ;;
                    *.jsa) rm -f "$f" 2>/dev/null ;;
                    *) p=${f##*.jsa.}; p=${p%.ok}; kill -0 "$p" 2>/dev/null || rm -f "$f" 2>/dev/null ;;
                esac
            done
            mv -f "$tmp" "$ui" 2>/dev/null
        fi
        rm -f "$tmp" "$mark" 2>/dev/null
        exit "$rc"
    fi
fi
# shellcheck disable=SC2086
exec "$java" $share -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off $jit \
    -cp "$app/fester-client.jar:$app/fester.jar" io.fester.cli.Main "$@"
