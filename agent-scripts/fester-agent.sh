#!/bin/sh
# fester-agent.sh - host telemetry and toolchain fingerprint for Fester agents.
#
# Usage:
#   fester-agent.sh sample            print one JSON line describing this host
#   fester-agent.sh watch [SECONDS]   print such a line every SECONDS (default 1)
#                                     until stdout is closed or SIGTERM/SIGHUP/SIGINT
#   fester-agent.sh tools [CC]        print a JSON fingerprint of the compiler
#                                     (default: $CC, else gcc)
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
    sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
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
    trap stop_watch TERM HUP INT
    while :; do
        line=$(sample_json)
        # printf is a shell builtin: the line is written (flushed) immediately.
        # If stdout is gone we normally die of SIGPIPE; if SIGPIPE is ignored
        # the write fails instead and we stop here.
        printf '%s\n' "$line" 2>/dev/null || exit 0
        # Sleep in the background so a trapped signal interrupts `wait` at
        # once instead of after the whole interval.
        sleep "$interval" &
        SLEEP_PID=$!
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
    sum=$(sha256_of "$path")
    case $sum in
        '' | *[!0-9a-f]*) ;;
        *) json_add_str sha256 "$sum" ;;
    esac
    printf '{%s}\n' "$JSON_BODY"
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
    -h | --help | help)
        usage
        exit 0
        ;;
    *)
        usage
        exit 2
        ;;
esac
