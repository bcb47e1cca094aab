#!/bin/sh
# fester-agent.sh - host telemetry and toolchain fingerprint for Fester agents.
#
# Usage:
#   fester-agent.sh sample            print one JSON line describing this host
#   fester-agent.sh watch [SECONDS]   print such a line every SECONDS (default 1)
#                                     until stdout is closed or SIGTERM/SIGHUP/SIGINT
#   fester-agent.sh tools [CC]        print a JSON fingerprint of the compiler
#                                     (default: $CC, else gcc) and the target
#                                     triples this host compiles for
#   fester-agent.sh serve [DIR]       run commands sent on stdin (protocol below);
#                                     DIR holds per-slot files (default .fester/agent)
#   fester-agent.sh guard TOKEN       kill what Fester started once stdin closes
#                                     (Fester is gone): see "guard" below
#   fester-agent.sh store-get|store-put
#                                     move blobs to/from the shared cache: see "store"
#
# sample keys (each omitted when it cannot be determined, output is always
# valid JSON):
#   load          1-minute load average (/proc/loadavg)
#   cores         online CPUs (nproc, getconf _NPROCESSORS_ONLN, /proc/cpuinfo)
#   temp_c        hottest /sys/class/thermal zone, else hottest `sensors` reading
#   mem_free_mb   MemAvailable from /proc/meminfo, in MiB
#   disk_free_mb  free MiB on the filesystem holding $FESTER_WORKSPACE (default .)
#
# Environment:
#   FESTER_WORKSPACE    directory whose filesystem is measured (default: .)
#   FESTER_AGENT_ROOT   prefix for /proc and /sys paths (testing only; default "")
#
# Plain POSIX sh: runs under dash and busybox ash; needs only coreutils-style
# tools (cat, df, head, sed, tr, awk, sha256sum).

LC_ALL=C
export LC_ALL

ROOT=${FESTER_AGENT_ROOT:-}
TAB=$(printf '\t')

die() {
    printf 'fester-agent: %s\n' "$*" >&2
    exit 2
}

usage() {
    sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
}

# Escape a string for use inside a JSON string literal: backslash, double
# quote and tab are escaped; newlines become spaces; other control characters
# are dropped.
json_escape() {
    printf '%s' "$1" \
        | tr -d '\001-\010\013-\037' \
        | tr '\n' ' ' \
        | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e "s/$TAB/\\\\t/g"
}

# True if $1 looks like a JSON number (optional minus, digits, optional
# fraction). Guards against emitting garbage read from odd /proc files.
is_number() {
    case $1 in
        '' | - | . | -. | *[!0-9.-]* | ?*-* | *.*.*) return 1 ;;
        .* | -.* | *.) return 1 ;;
    esac
    return 0
}

# Accumulates "key":value pairs for one JSON object.
JSON_BODY=
json_add_raw() {
    # $1 key, $2 raw JSON value
    if [ -n "$JSON_BODY" ]; then
        JSON_BODY="$JSON_BODY,\"$1\":$2"
    else
        JSON_BODY="\"$1\":$2"
    fi
}
json_add_num() {
    is_number "$2" && json_add_raw "$1" "$2"
    return 0
}
json_add_str() {
    json_add_raw "$1" "\"$(json_escape "$2")\""
}

# ---------------------------------------------------------------- sample ---

read_load() {
    [ -r "$ROOT/proc/loadavg" ] || return 0
    awk 'NR == 1 { print $1; exit }' "$ROOT/proc/loadavg" 2>/dev/null
}

read_cores() {
    n=
    if [ -z "$ROOT" ] && command -v nproc >/dev/null 2>&1; then
        n=$(nproc 2>/dev/null)
    fi
    if [ -z "$n" ] && [ -z "$ROOT" ] && command -v getconf >/dev/null 2>&1; then
        n=$(getconf _NPROCESSORS_ONLN 2>/dev/null)
    fi
    if [ -z "$n" ] && [ -r "$ROOT/proc/cpuinfo" ]; then
        n=$(awk '/^processor[ \t]*:/ { c++ } END { if (c > 0) print c }' "$ROOT/proc/cpuinfo")
    fi
    case $n in
        '' | *[!0-9]* | 0) return 0 ;;
    esac
    printf '%s\n' "$n"
}

read_temp() {
    # Thermal zones report millidegrees Celsius. Unreadable zones are skipped.
    t=
    for f in "$ROOT"/sys/class/thermal/thermal_zone*/temp; do
        [ -r "$f" ] || continue
        v=$(cat "$f" 2>/dev/null) || continue
        case $v in
            '' | *[!0-9-]* | ?*-*) continue ;;
        esac
        t="$t $v"
    done
    if [ -n "$t" ]; then
        printf '%s\n' "$t" | awk '{
            for (i = 1; i <= NF; i++) if (!seen || $i > max) { max = $i; seen = 1 }
        } END { if (seen) printf "%.1f\n", max / 1000 }'
        return 0
    fi
    # Fallback: lm-sensors in raw mode ("  temp1_input: 45.000").
    if [ -z "$ROOT" ] && command -v sensors >/dev/null 2>&1; then
        sensors -u 2>/dev/null | awk '
            $1 ~ /^temp[0-9]+_input:$/ && $2 ~ /^-?[0-9]+(\.[0-9]+)?$/ {
                v = $2 + 0
                if (!seen || v > max) { max = v; seen = 1 }
            }
            END { if (seen) printf "%.1f\n", max }'
    fi
}

read_mem() {
    [ -r "$ROOT/proc/meminfo" ] || return 0
    # MemAvailable exists since Linux 3.14; older kernels get an estimate.
    awk '
        $1 == "MemAvailable:" { avail = $2; have = 1 }
        $1 == "MemFree:" { free = $2; est = 1 }
        $1 == "Buffers:" { buf = $2 }
        $1 == "Cached:" { cached = $2 }
        END {
            if (have) printf "%d\n", avail / 1024
            else if (est) printf "%d\n", (free + buf + cached) / 1024
        }' "$ROOT/proc/meminfo" 2>/dev/null
}

read_disk() {
    dir=${FESTER_WORKSPACE:-.}
    [ -d "$dir" ] || return 0
    # POSIX output: Filesystem 1024-blocks Used Available Capacity Mounted-on.
    # The device name may contain spaces, so anchor on the "NN%" capacity field
    # and take the field just before it.
    df -Pk "$dir" 2>/dev/null | awk '
        NR > 1 {
            for (i = 4; i <= NF; i++)
                if ($i ~ /^([0-9]+%|-)$/ && $(i-1) ~ /^[0-9]+$/ && $(i-2) ~ /^[0-9]+$/) {
                    printf "%d\n", $(i-1) / 1024
                    exit
                }
        }'
}

sample_json() {
    JSON_BODY=
    json_add_num load "$(read_load)"
    json_add_num cores "$(read_cores)"
    json_add_num temp_c "$(read_temp)"
    json_add_num mem_free_mb "$(read_mem)"
    json_add_num disk_free_mb "$(read_disk)"
    printf '{%s}\n' "$JSON_BODY"
}

# ----------------------------------------------------------------- watch ---

SLEEP_PID=
stop_watch() {
    if [ -n "$SLEEP_PID" ]; then
        kill "$SLEEP_PID" 2>/dev/null
    fi
    exit 0
}

watch_loop() {
    interval=${1:-1}
    case $interval in
        '' | *[!0-9.]* | .* | *. | *.*.*) die "watch: interval must be a positive number: $interval" ;;
    esac
    case $interval in
        *[1-9]*) ;;
        *) die "watch: interval must be greater than zero: $interval" ;;
    esac
    trap stop_watch TERM HUP INT PIPE
    while :; do
        # The interval starts before the sample, so a line comes every interval
        # however long the sample takes (a dozen short processes: a few hundred
        # ms on a loaded machine), not every interval plus the sample's time:
        # the coordinator judges a host silent by the time between lines.
        # Sleep in the background so a trapped signal interrupts `wait` at
        # once instead of after the whole interval.
        sleep "$interval" &
        SLEEP_PID=$!
        line=$(sample_json)
        # printf is a shell builtin: the line is written (flushed) immediately.
        # If stdout is gone we normally die of SIGPIPE; if SIGPIPE is ignored
        # the write fails instead and we stop here.
        printf '%s\n' "$line" 2>/dev/null || stop_watch
        wait "$SLEEP_PID"
        SLEEP_PID=
    done
}

# ----------------------------------------------------------------- tools ---

# Hash via stdin: GNU sha256sum mangles its output line for file names that
# contain a backslash or newline.
sha256_of() {
    [ -r "$1" ] || return 0
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum <"$1" 2>/dev/null | awk '{ print $1; exit }'
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 <"$1" 2>/dev/null | awk '{ print $1; exit }'
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 <"$1" 2>/dev/null | awk '{ print $NF; exit }'
    fi
}

# The target triples this host compiles for, space-separated: the compiler's
# own (CC -dumpmachine), then each TRIPLE of a TRIPLE-gcc on PATH (a cross
# compiler; names of three dash-separated parts or more, like aarch64-linux-gnu).
targets_of() {
    out=$("$1" -dumpmachine 2>/dev/null </dev/null | head -n 1)
    case $out in *[!A-Za-z0-9_.-]*) out= ;; esac
    old_ifs=$IFS
    IFS=:
    for d in $PATH; do
        IFS=$old_ifs
        [ -n "$d" ] || continue
        for f in "$d"/*-*-*-gcc; do
            [ -x "$f" ] || continue
            t=${f##*/}
            t=${t%-gcc}
            case $t in *[!A-Za-z0-9_.-]* | '' | -*) continue ;; esac
            case " $out " in *" $t "*) ;; *) out=${out:+$out }$t ;; esac
        done
    done
    IFS=$old_ifs
    printf '%s' "$out"
}

tools_json() {
    cc=${1:-${CC:-gcc}}
    JSON_BODY=
    json_add_str cc "$cc"
    path=$(command -v "$cc" 2>/dev/null)
    case $path in
        /*) ;;
        *) path= ;;   # not found, or a shell builtin/alias/function
    esac
    if [ -n "$path" ] && command -v readlink >/dev/null 2>&1; then
        resolved=$(readlink -f "$path" 2>/dev/null)
        [ -n "$resolved" ] && path=$resolved
    fi
    if [ -z "$path" ] || [ ! -f "$path" ] || [ ! -x "$path" ]; then
        json_add_raw missing true
        printf '{%s}\n' "$JSON_BODY"
        return 0
    fi
    version=$("$cc" --version 2>/dev/null </dev/null | head -n 1)
    [ -n "$version" ] && json_add_str version "$version"
    targets=$(targets_of "$cc")
    [ -n "$targets" ] && json_add_str targets "$targets"
    sum=$(sha256_of "$path")
    case $sum in
        '' | *[!0-9a-f]*) ;;
        *) json_add_str sha256 "$sum" ;;
    esac
    printf '{%s}\n' "$JSON_BODY"
}

# ----------------------------------------------------------------- serve ---
#
# The resident agent: started once per session, it reads requests on stdin and
# answers on stdout, one line each (the coordinator never waits for a shell to
# start per action). Requests:
#
#   run ID SLOT N     the next N lines are a command for /bin/sh -c; it runs in
#                     the current directory in a new process group (setsid),
#                     stdin /dev/null, stdout to DIR/SLOT.1, stderr to DIR/SLOT.2
#                     (truncated first: a slot runs one command at a time)
#   kill ID SLOT      SIGKILL to the process group of command ID (if it runs)
#   ping TOKEN        answered at once with "pong TOKEN"
#
# Answers:
#   ready PID                   once, when the agent listens
#   started ID PGID             the command runs; PGID is its process group
#   exit ID STATUS OUT ERR HOW  it ended: STATUS as sh's $? (128+N: killed by
#                               signal N); OUT/ERR 1 if DIR/SLOT.1/.2 is not
#                               empty, else 0; HOW "exit" (it exited STATUS by
#                               itself), "signal" (a signal killed it) or
#                               "unknown" (no Perl here: a STATUS above 128 is
#                               either). Its whole group is killed then.
#   pong TOKEN
#   error TEXT                  a request it could not read
#
# IDs are [A-Za-z0-9_.-]+, SLOT a number. When stdin closes (the coordinator
# is gone) or on SIGTERM/SIGHUP/SIGINT, every group still running is killed,
# and every process whose environment has the agent's FESTER_AGENT mark (what
# a command moved out of its group), and the agent exits. Only builtins in the loop, one subshell per command.

serve_kill_all() {
    for f in "$AGENT_DIR"/*.pid; do
        [ -f "$f" ] || continue
        p=
        read -r i p 2>/dev/null <"$f"
        [ -n "$p" ] && kill_group "$p"
    done
    # what left its group (setsid, a daemon) still carries the agent's mark
    kill_marked "FESTER_AGENT=$AGENT_TOKEN"
}

# Kills process group $1, and process $1 itself: a child that has not yet
# called setsid is not the leader of its group yet.
kill_group() {
    kill -s KILL -- "-$1" 2>/dev/null
    kill -s KILL "$1" 2>/dev/null
    return 0
}

serve_stop() {
    serve_kill_all
    exit 0
}

valid_id() {
    case $1 in
        '' | *[!A-Za-z0-9_.-]*) return 1 ;;
    esac
    return 0
}

valid_num() {
    case $1 in
        '' | *[!0-9]*) return 1 ;;
    esac
    return 0
}

# $1 id, $2 slot, $3 command. The subshell is the command's parent: it waits
# for it and reports the exit. A background job of a non-interactive shell
# leads no process group, so setsid makes it the leader of a new one without
# forking: its pid ($!) is the group's id.
#
# With Perl, the group's leader is a small waiter (WAITER, the same text as
# io.fester.hosts.ExitStatus.WAITER) that waits for /bin/sh -c and writes
# "exit N" or "signal N" to DIR/SLOT.how: sh's $? alone cannot tell a command
# that exits 137 from one SIGKILL ended. No report from it means the waiter
# itself was killed: a signal.
WAITER='my $f=shift;my $p=fork;defined $p or exit 126;if(!$p){exec {$ARGV[0]} @ARGV;exit 127}$SIG{$_}="IGNORE" for qw(INT TERM HUP QUIT);waitpid($p,0);my $s=$?;my $n=$s&127;if(open my $o,">",$f){print $o $n?"signal $n\n":"exit ".($s>>8)."\n";close $o}exit($n?128+$n:$s>>8)'

serve_run() {
    (
        # truncated here, before "started": the coordinator reads them from then on, and must find
        # neither no file nor the previous command's output (the background child may start later)
        : >"$AGENT_DIR/$2.how"
        : >"$AGENT_DIR/$2.1"
        : >"$AGENT_DIR/$2.2"
        # FESTER_AGENT marks every command's environment, so what leaves its group is found at the end
        if [ -n "$PERL" ]; then
            FESTER_AGENT=$AGENT_TOKEN setsid "$PERL" -e "$WAITER" "$AGENT_DIR/$2.how" /bin/sh -c "$3" \
                </dev/null >>"$AGENT_DIR/$2.1" 2>>"$AGENT_DIR/$2.2" &
        else
            FESTER_AGENT=$AGENT_TOKEN setsid /bin/sh -c "$3" </dev/null >>"$AGENT_DIR/$2.1" 2>>"$AGENT_DIR/$2.2" &
        fi
        pid=$!
        printf '%s %s\n' "$1" "$pid" >"$AGENT_DIR/$2.pid"
        printf 'started %s %s\n' "$1" "$pid"
        k=
        read -r k 2>/dev/null <"$AGENT_DIR/$2.kill"
        [ "$k" = "$1" ] && kill_group "$pid"
        wait "$pid" 2>/dev/null
        rc=$?
        kill -s KILL -- "-$pid" 2>/dev/null
        : >"$AGENT_DIR/$2.pid"
        o=0
        e=0
        [ -s "$AGENT_DIR/$2.1" ] && o=1
        [ -s "$AGENT_DIR/$2.2" ] && e=1
        how=unknown
        h=
        n=
        read -r h n 2>/dev/null <"$AGENT_DIR/$2.how"
        if ! valid_num "$n"; then
            h=
        fi
        case $h in
            exit) rc=$n how=exit ;;
            signal) rc=$((128 + n)) how=signal ;;
            *)
                if [ -n "$PERL" ]; then
                    how=exit
                    [ "$rc" -gt 128 ] && how=signal
                fi
                ;;
        esac
        printf 'exit %s %s %s %s %s\n' "$1" "$rc" "$o" "$e" "$how"
    ) &
}

# $1 id, $2 slot. A kill may come before the command's subshell has written
# its pid file: it leaves a marker the subshell reads after writing the pid
# file, then looks again, so one of the two always sees the other.
serve_kill() {
    i=
    p=
    read -r i p 2>/dev/null <"$AGENT_DIR/$2.pid"
    if [ "$i" = "$1" ] && [ -n "$p" ]; then
        kill_group "$p"
        return 0
    fi
    printf '%s\n' "$1" >"$AGENT_DIR/$2.kill"
    i=
    p=
    read -r i p 2>/dev/null <"$AGENT_DIR/$2.pid"
    [ "$i" = "$1" ] && [ -n "$p" ] && kill_group "$p"
    return 0
}

serve_loop() {
    AGENT_DIR=${1:-.fester/agent}
    mkdir -p "$AGENT_DIR" || die "serve: cannot create $AGENT_DIR"
    PERL=$(command -v perl 2>/dev/null) || PERL=
    # marks every command's environment (FESTER_AGENT), so what leaves its group is found at the end
    AGENT_TOKEN=agent-$$-$(date +%s 2>/dev/null)
    trap serve_stop TERM HUP INT
    printf 'ready %s\n' "$$"
    while IFS=' ' read -r verb id slot n; do
        case $verb in
            run)
                if ! valid_id "$id" || ! valid_num "$slot" || ! valid_num "$n"; then
                    printf 'error bad request: run %s %s %s\n' "$id" "$slot" "$n"
                    continue
                fi
                cmd=
                while [ "$n" -gt 0 ] && IFS= read -r l; do
                    cmd="$cmd$l
"
                    n=$((n - 1))
                done
                [ "$n" -eq 0 ] || break
                serve_run "$id" "$slot" "$cmd"
                ;;
            kill)
                if valid_id "$id" && valid_num "$slot"; then
                    serve_kill "$id" "$slot"
                else
                    printf 'error bad request: kill %s %s\n' "$id" "$slot"
                fi
                ;;
            ping)
                printf 'pong %s\n' "$id"
                ;;
            '')
                ;;
            *)
                printf 'error unknown request: %s\n' "$verb"
                ;;
        esac
    done
    serve_kill_all
    exit 0
}

# ----------------------------------------------------------------- guard ---
#
# The guard: Fester (the JVM) starts one per process with a pipe on its stdin
# that only Fester holds (Java closes every other descriptor in the processes
# it starts). Java has no parent-death signal; a pipe's end is the next best:
# when Fester exits or is killed (kill -9 included) the kernel closes its end,
# `read` here returns end-of-file, and the guard kills
#   - every process group Fester told it about (lines "+PGID", "-PGID" when
#     the group is done with), and
#   - every process whose environment holds FESTER_GUARD=TOKEN: Fester puts
#     it into the environment of everything it starts (actions, samplers, the
#     demo hosts' shells), and children inherit it. This also finds what left
#     its group (setsid, a daemon) and what started in the instant between
#     Fester starting a process and telling the guard. The scan is repeated
#     until it finds nothing (a process may fork while it is being killed).
# SIGINT and SIGHUP (a terminal's) are ignored: only the end of Fester counts.
# SIGTERM kills the same way and exits.

guard_kill() {
    for g in $GUARD_GROUPS; do
        kill -s KILL -- "-$g" 2>/dev/null
    done
    GUARD_GROUPS=
    kill_marked "FESTER_GUARD=$1"
}

# Kills every process whose environment holds the entry $1 (VAR=VALUE), again
# and again until none is left (Linux /proc; elsewhere it finds nothing).
kill_marked() {
    n=0
    while [ "$n" -lt 50 ]; do
        found=
        for f in $(grep -l -s -z -x -F "$1" /proc/[0-9]*/environ 2>/dev/null); do
            p=${f#/proc/}
            p=${p%/environ}
            [ "$p" = "$$" ] && continue
            kill -s KILL "$p" 2>/dev/null && found=1
        done
        [ -n "$found" ] || break
        n=$((n + 1))
    done
    return 0
}

guard_loop() {
    token=$1
    valid_id "$token" || die "guard: bad token: $token"
    trap '' INT HUP
    trap 'guard_kill "$token"; exit 0' TERM
    GUARD_GROUPS=
    while IFS= read -r l; do
        case $l in
            +*)
                g=${l#+}
                valid_num "$g" && GUARD_GROUPS="$GUARD_GROUPS $g "
                ;;
            -*)
                g=${l#-}
                case $GUARD_GROUPS in
                    *" $g "*) GUARD_GROUPS="${GUARD_GROUPS%% $g *} ${GUARD_GROUPS#* $g }" ;;
                esac
                ;;
        esac
    done
    guard_kill "$token"
    exit 0
}

# ----------------------------------------------------------------- store ---
#
# Blobs moved straight between this host's workspace and the shared cache's
# store (ADR 0034), with curl and URLs the coordinator signed for one object
# each: this host never holds the store's secret. Requests come on stdin, two
# lines each, so no URL is ever on a command line (ps) or in a file:
#
#   store-get:  "DIGEST MODE PATH" then "URL"   download to PATH (workspace-
#               relative), checked against DIGEST (SHA-256) before it is
#               renamed into place with MODE (octal)
#   store-put:  "DIGEST PATH" then "URL"        upload PATH after checking that
#               it still has DIGEST
#
# Answers, one line per request: "ok DIGEST BYTES", "absent DIGEST" (the
# store has no such blob), "corrupt DIGEST GOT" (the bytes it sent hash to GOT:
# discarded), "fail DIGEST WHY"; or once "unreachable WHY" (no curl, or the
# store cannot be reached from here), after which the agent stops reading.

valid_digest() {
    case $1 in
        '' | *[!0-9a-f]*) return 1 ;;
    esac
    [ ${#1} -eq 64 ]
}

# $1 the URL, $2 curl's option naming the file ("output" or "upload-file"),
# $3 the file. curl reads its whole configuration from the pipe (-K -); printf
# is a builtin, so the URL appears in no process's arguments. -q first: no
# ~/.curlrc.
store_curl() {
    # no "Expect: 100-continue": stores that do not answer it would cost a second per upload
    printf 'url = "%s"\n%s = "%s"\nheader = "Expect:"\n' "$1" "$2" "$3" \
        | curl -q -sS --fail --connect-timeout 5 --max-time 600 -o /dev/null -K - 2>"$STORE_DIR/err.$$"
}

store_unreachable() {
    printf 'unreachable curl exit %s: %s\n' "$1" "$(head -c 300 "$STORE_DIR/err.$$" 2>/dev/null | tr -d '\r' | tr '\n' ' ')"
    rm -f "$STORE_DIR/err.$$"
    exit 0
}

store_get() {
    command -v curl >/dev/null 2>&1 || { printf 'unreachable no curl on this host\n'; exit 0; }
    STORE_DIR=.fester/store
    mkdir -p "$STORE_DIR" || { printf 'unreachable cannot create %s\n' "$STORE_DIR"; exit 0; }
    while IFS=' ' read -r d m p && IFS= read -r u; do
        if ! valid_digest "$d" || ! valid_num "$m" || [ -z "$p" ]; then
            printf 'fail %s bad request\n' "$d"
            continue
        fi
        tmp=$STORE_DIR/$d.$$
        printf 'url = "%s"\noutput = "%s"\n' "$u" "$tmp" \
            | curl -q -sS --fail --connect-timeout 5 --max-time 600 -K - 2>"$STORE_DIR/err.$$"
        rc=$?
        if [ "$rc" -ne 0 ]; then
            rm -f "$tmp"
            case $rc in
                22) printf 'absent %s\n' "$d" ;;
                *) store_unreachable "$rc" ;;
            esac
            continue
        fi
        got=$(sha256_of "$tmp")
        if [ "$got" != "$d" ]; then
            rm -f "$tmp"
            printf 'corrupt %s %s\n' "$d" "${got:-none}"
            continue
        fi
        dir=$(dirname -- "$p")
        if chmod "$m" "$tmp" && mkdir -p -- "$dir" && mv -f -- "$tmp" "$p"; then
            printf 'ok %s %s\n' "$d" "$(wc -c <"$p" | tr -d ' ')"
        else
            rm -f "$tmp"
            printf 'fail %s cannot place %s\n' "$d" "$p"
        fi
    done
    rm -f "$STORE_DIR/err.$$"
}

store_put() {
    command -v curl >/dev/null 2>&1 || { printf 'unreachable no curl on this host\n'; exit 0; }
    STORE_DIR=.fester/store
    mkdir -p "$STORE_DIR" || { printf 'unreachable cannot create %s\n' "$STORE_DIR"; exit 0; }
    while IFS=' ' read -r d p && IFS= read -r u; do
        if ! valid_digest "$d" || [ -z "$p" ] || [ ! -f "$p" ]; then
            printf 'fail %s bad request\n' "$d"
            continue
        fi
        got=$(sha256_of "$p")
        if [ "$got" != "$d" ]; then
            printf 'fail %s changed since (now %s)\n' "$d" "${got:-unreadable}"
            continue
        fi
        store_curl "$u" upload-file "$p"
        rc=$?
        if [ "$rc" -ne 0 ]; then
            store_unreachable "$rc"
        fi
        printf 'ok %s %s\n' "$d" "$(wc -c <"$p" | tr -d ' ')"
    done
    rm -f "$STORE_DIR/err.$$"
}

# ------------------------------------------------------------------ main ---

case ${1:-} in
    sample)
        [ $# -le 1 ] || die "sample takes no arguments"
        sample_json
        ;;
    watch)
        [ $# -le 2 ] || die "usage: watch [INTERVAL_SECONDS]"
        watch_loop "${2:-1}"
        ;;
    tools)
        [ $# -le 2 ] || die "usage: tools [CC]"
        tools_json "${2:-}"
        ;;
    serve)
        [ $# -le 2 ] || die "usage: serve [DIR]"
        serve_loop "${2:-}"
        ;;
    guard)
        [ $# -eq 2 ] || die "usage: guard TOKEN"
        guard_loop "$2"
        ;;
    store-get)
        [ $# -eq 1 ] || die "store-get takes no arguments (requests on stdin)"
        store_get
        ;;
    store-put)
        [ $# -eq 1 ] || die "store-put takes no arguments (requests on stdin)"
        store_put
        ;;
    -h | --help | help)
        usage
        exit 0
        ;;
    *)
        usage
        exit 2
        ;;
esac
