# Fester's lean client for a build handed to a running `fester serve` or cockpit (ADR 0085), in Perl from
# perl-base (Essential on Debian): no JVM for a `fester run` or `fester debug` that a server takes.
#
#   perl fester-handoff.pl JAVA JVM-OPTIONS... io.fester.cli.Main ARGS...
#
# bin/fester and the installed launcher exec this for run/debug when a server socket is in the sockets
# directory. It finds the socket of the command's database as session.ServeAddress does, connects, speaks
# `fester-serve/1` as cli.ServeClient does (greeting, cwd, args, environment; frames A/N/O/R/X from the
# server, I/D/E to it), relays output, Ctrl-C and (debug) stdin, and exits with the server's code. When no
# server takes the build (no socket, nobody listening, declined) it execs the JVM command it was given, which
# the launcher gave -Dfester.serve=asked so that the JVM does not ask again.
#
# Lean on purpose, it runs before every handed build: no module is loaded on the handed path (the core Socket
# module alone cost ~18 ms of CPU per start here, more than the rest of the script); the Linux socket constants
# are written out and Socket is loaded only when they do not fit (an architecture that numbers them otherwise).
# Messages, exit codes and the stale-socket rule are the Java client's; keep the two in step.

my ($PROTOCOL, $STALE_AFTER_S, $FAILED, $INTERRUPTED) = ('fester-serve/1', 5, 1, 130);

my $main = 0;
$main++ while $main < @ARGV && $ARGV[$main] ne 'io.fester.cli.Main';
die "fester-handoff.pl: usage: JAVA JVM-OPTIONS... io.fester.cli.Main ARGS...\n" if $main >= @ARGV;
my @java = @ARGV[0 .. $main];
my @args = @ARGV[$main + 1 .. $#ARGV];
utf8::is_utf8($_) && utf8::encode($_) for @args; # PERL_UNICODE=A would have decoded them

# Ctrl-C and SIGTERM from the connect on (ADR 0130): counted and queued by the handler, sent to the server between
# reads (relay_signals); the third quits at once. A signal before any server took the build ends it here, as it
# would have ended the local process. A signal the shell started us with ignored (a background job of a script)
# stays ignored, as the JVM client leaves it, and a local build is exec'd with the dispositions we inherited.
my $signals = 0;
my @signalled;
my %inherited = (INT => $SIG{INT}, TERM => $SIG{TERM});
my $answered = 0;

# Runs the build as if this script had not been there: the JVM, same arguments, same environment.
sub local_build {
    exit $INTERRUPTED if $signals;
    $SIG{$_} = $inherited{$_} // 'DEFAULT' for qw(INT TERM);
    $SIG{PIPE} = 'DEFAULT';
    exec { $java[0] } @java, @args;
    print STDERR "fester: cannot start $java[0]: $!\n";
    exit 127;
}

local_build() unless @args && ($args[0] eq 'run' || $args[0] eq 'debug') && ($ENV{FESTER_SERVE} // '') ne 'off';

# Java's user.home and user.name come from the password entry of the real uid, not from $HOME.
my $home;
sub home {
    $home //= (getpwuid($<))[7] // '?';
    return $home;
}

# Path.normalize of an absolute path: no '.', no empty names, '..' takes the name before it (none above '/').
sub normalize {
    my @out;
    for my $n (split m{/}, $_[0]) {
        next if $n eq '' || $n eq '.';
        if ($n eq '..') {
            pop @out;
        } else {
            push @out, $n;
        }
    }
    return '/' . join('/', @out);
}

# The directory the process runs in, as getcwd() (Java's user.dir) gives it.
my $cwd = readlink('/proc/self/cwd');
unless (defined $cwd) {
    require Cwd;
    $cwd = Cwd::getcwd();
}
local_build() unless defined $cwd;

# ServeAddress.database: --db, else FESTER_DB, else ~/.local/share/fester/timeline; no .mv.db; absolute.
my $db;
for my $i (1 .. $#args) {
    last if $args[$i] eq '--';
    if ($args[$i] eq '--db' && $i + 1 < @args) {
        $db = $args[$i + 1];
    } elsif (substr($args[$i], 0, 5) eq '--db=') {
        $db = substr($args[$i], 5);
    }
}
unless (defined $db) {
    my $e = $ENV{FESTER_DB};
    $db = defined $e && $e =~ /\S/ ? $e : home() . '/.local/share/fester/timeline';
}
$db = substr($db, 0, -6) if length($db) >= 6 && substr($db, -6) eq '.mv.db';
$db = normalize(substr($db, 0, 1) eq '/' ? $db : "$cwd/$db");

# ServeAddress.socket: a 64-bit FNV-1a of the path's bytes, in two 32-bit halves so that no product leaves
# Perl's exact integers (a 64-bit multiply would overflow into a floating-point number). The prime is
# 2^40 + 0x1b3: h * prime = h * 0x1b3 + (h << 40), and h << 40 only adds the low half, shifted by 8, to the high.
utf8::encode($db) if utf8::is_utf8($db);
my ($hi, $lo) = (0xcbf29ce4, 0x84222325);
for my $b (unpack 'C*', $db) {
    $lo ^= $b;
    my $low = $lo * 0x1b3;
    $hi = ($hi * 0x1b3 + ($low >> 32) + (($lo << 8) & 0xffffffff)) & 0xffffffff;
    $lo = $low & 0xffffffff;
}
my $dir;
my $xdg = $ENV{XDG_RUNTIME_DIR};
if (defined $xdg && $xdg =~ /\S/ && substr($xdg, 0, 1) eq '/' && -d $xdg) {
    $dir = "$xdg/fester";
} else {
    $dir = home() . '/.local/share/fester/run';
}
my $socket = sprintf '%s/serve-%08x%08x.sock', $dir, $hi, $lo;

# ServeAddress.private_: connect only through a directory (not a link) of this user's alone.
local_build() unless -e $socket;
my @d = lstat $dir;
local_build() unless @d && -d _ && $d[4] == $< && ($d[2] & 077) == 0;

my $relay = sub {
    my $sig = $_[0];
    exit $INTERRUPTED if ++$signals >= 3;
    push @signalled, $sig;
    print STDERR "fester: interrupted while the server has not answered yet; Ctrl-C twice more to quit\n"
        if $signals == 1 && !$answered;
};
for my $sig (qw(INT TERM)) {
    $SIG{$sig} = $relay unless ($inherited{$sig} // '') eq 'IGNORE';
}

my @before = stat $socket;
my $sock;
my $unix = pack('S', 1) . $socket; # struct sockaddr_un: AF_UNIX (1 on Linux), the path
my $connected = socket($sock, 1, 1, 0) && connect($sock, $unix); # PF_UNIX, SOCK_STREAM (1 on Linux but MIPS)
unless ($connected) {
    my $errno = $! + 0; # before require: looking for a module's file sets errno
    require Errno;
    if ($errno == Errno::ECONNREFUSED()) {
        # nobody listens: a stale socket (its server was killed), or one a server has bound and not yet listens
        # on, or one a new server has just put in place of a stale one. Removed only when it is the same file as
        # before and older than a starting server's (ServeClient.STALE_AFTER_MS): else the launcher would go on
        # starting without its archive.
        my @now = stat $socket;
        if (@now && @before && $now[0] == $before[0] && $now[1] == $before[1] && time - $now[9] > $STALE_AFTER_S) {
            unlink $socket;
        }
        local_build();
    }
    # the constants written out do not fit this system (a socket type numbered otherwise): ask Socket
    require Socket;
    close $sock if $sock;
    undef $sock;
    socket($sock, Socket::PF_UNIX(), Socket::SOCK_STREAM(), 0)
        && connect($sock, Socket::pack_sockaddr_un($socket)) or local_build();
}
binmode $sock;
binmode STDERR; # a declined hand-off's reason as the server wrote it, whatever PERL_UNICODE says
my $pipe = $SIG{PIPE};
$SIG{PIPE} = 'IGNORE'; # a server gone is an error to report, not a signal that kills the terminal's command

# all of a frame at once; false when the server is gone
sub put {
    my $data = $_[0];
    my $off = 0;
    while ($off < length $data) {
        my $n = syswrite $sock, $data, length($data) - $off, $off;
        if (!defined $n) {
            next if $! == 4; # EINTR
            return 0;
        }
        $off += $n;
    }
    return 1;
}

sub string { return pack('N', length $_[0]) . $_[0] }

my $hello = pack('n', length $PROTOCOL) . $PROTOCOL . string($cwd) . pack('N', scalar @args);
$hello .= string($_) for @args;
$hello .= pack('N', scalar keys %ENV);
$hello .= string($_) . string($ENV{$_}) for keys %ENV;
put($hello) or local_build();

sub relay_signals {
    while (@signalled) {
        my $sig = shift @signalled;
        put('I' . pack('n', length $sig) . $sig);
    }
}

# Waits until the server (or, with $_[0], stdin too) has something to read; the bits of the ready ones. Queued
# signals are relayed before each wait, and the wait is bounded: Perl runs a handler only between its own steps,
# so a signal that lands between the relay and the select would otherwise wait in the queue until the server
# next writes (a quiet action: never).
my $TICK = 0.25;
sub ready {
    my $r = '';
    vec($r, fileno($sock), 1) = 1;
    vec($r, fileno(STDIN), 1) = 1 if $_[0];
    while (1) {
        relay_signals();
        my $n = select(my $ready = $r, undef, undef, $TICK);
        return $ready if $n > 0;
        die "read: $!\n" if $n < 0 && $! != 4; # not EINTR
    }
}

# What the server sends, read through a buffer.
my $in = '';
sub fill {
    while (1) {
        ready(0);
        my $n = sysread $sock, $in, 65536, length $in;
        return 1 if $n;
        return 0 if defined $n;
        next if $! == 4; # EINTR: a signal's handler has run
        die "read: $!\n";
    }
}
sub take {
    my $n = $_[0];
    while (length $in < $n) {
        fill() or die "eof\n";
    }
    return substr($in, 0, $n, '');
}

my ($answer, $pid);
eval {
    $answer = take(1);
    $answered = 1;
    if ($answer eq 'N') {
        my $why = take(unpack 'N', take(4));
        print STDERR "fester: not handed to the running server: $why; building here\n" unless $signals;
    } elsif ($answer eq 'A') {
        $pid = unpack 'q>', take(8);
    }
    1;
} or local_build();
unless (defined $pid) {
    close $sock;
    $SIG{PIPE} = defined $pipe ? $pipe : 'DEFAULT';
    local_build();
}

# From here on the server owns the build: Ctrl-C and stdin go to it; the third signal quits at once. The
# handler only counts and queues: a frame written from it could block on a full socket with the signal held
# blocked, and the third Ctrl-C would never be seen. The frames go out before each wait for the server and after
# each write to the terminal (a terminal that does not read: the build's output waits, not Ctrl-C).
binmode $_ for \*STDIN, \*STDOUT, \*STDERR; # bytes as the server wrote them, whatever PERL_UNICODE says

sub out {
    my ($fh, $data) = @_;
    my $off = 0;
    while ($off < length $data) {
        my $n = syswrite $fh, $data, length($data) - $off, $off;
        # a signal during a blocked write ends it short (EINTR if nothing was written, else the count written):
        # either way it is sent now, not once the terminal reads again
        relay_signals() if @signalled;
        if (!defined $n) {
            die "write: $!\n" if $! != 4;
            next;
        }
        $off += $n;
    }
}

my $stdin = $args[0] eq 'debug';
my $code;
my $ok = eval {
    while (1) {
        while (length $in >= 1) {
            my $type = substr $in, 0, 1;
            if ($type eq 'X') {
                last if length $in < 5;
                $code = unpack 'l>', substr($in, 1, 4);
                return 1;
            }
            last if length $in < 5;
            my $n = unpack 'N', substr($in, 1, 4);
            last if length $in < 5 + $n;
            my $data = substr $in, 5, $n;
            substr($in, 0, 5 + $n, '');
            out($type eq 'O' ? \*STDOUT : \*STDERR, $data);
        }
        if ($stdin) {
            my $ready = ready(1);
            if (vec($ready, fileno(STDIN), 1)) {
                my $got = sysread STDIN, my $chunk, 8192;
                if ($got) {
                    put('D' . pack('N', $got) . $chunk);
                } elsif (defined $got) {
                    put('E');
                    $stdin = 0;
                } elsif ($! != 4) {
                    $stdin = 0; # stdin unreadable: stop forwarding it, as the Java client does
                }
            }
            next unless vec($ready, fileno($sock), 1);
        }
        fill() or die "eof\n";
    }
};
unless ($ok) {
    my $e = $@;
    if ($e eq "eof\n") {
        print STDERR "fester: the server (pid $pid) went away during the build: its run is recorded as far as it "
            . "got (see 'fester runs'); run the build again\n";
    } else {
        $e =~ s/^(?:read|write): //;
        chomp $e;
        print STDERR "fester: lost the server (pid $pid) during the build: $e; run the build again\n";
    }
    exit $FAILED;
}
close $sock;
exit($code & 255);
