# Fester's local spawner (ADR 0081): one per LocalExecutor, started once as `perl -e THIS`. For each
# request on stdin it forks, puts the child in a session of its own (the action's process group, whose
# id is the child's pid), sets its nice value, directory and extra environment, and execs the command;
# the child's stdout and stderr come back to Fester over this process's stdout as frames tagged with
# the request's id, and its end as the raw waitpid status. When stdin closes (Fester is gone or done)
# every group still running is killed, reaped and reported, and the spawner exits.
#
# Requests (stdin): "LEN\n" then LEN bytes of fields separated by NUL:
#   s ID NICE DIR NENV ENV... ARGV...   start ARGV (NICE empty: as the spawner's)
#   d ID                                stop relaying ID's output (something holds its pipes open)
# Frames (stdout): "p ID PID\n" started (PID is the process group) | "n ID LEN\n"+message: not started |
#   "o ID LEN\n"+bytes, "e ID LEN\n"+bytes: output | "c ID 1|2\n": that stream ended |
#   "x ID STATUS LEFT\n": waitpid's status, and whether the command's process group still had members when
#   it was reaped (LEFT 1, or 0: none, and none can join it again; absent when the spawner is ending) |
#   "z 0 LEN\n"+message: the spawner fails (then it exits)
use strict;
use warnings;
use POSIX ();
# Every handle is raw bytes, whatever PERLIO or -C asked for (Fester also runs it as perl -C0 and keeps
# PERL5OPT, PERL_UNICODE, PERLIO and PERL5LIB out of its environment; the actions get them back).
binmode($_) for \*STDIN, \*STDOUT, \*STDERR;
$SIG{$_} = 'IGNORE' for qw(INT QUIT HUP PIPE);
# a JVM starts its children with the signals its threads block (SIGQUIT) still blocked: none is, from here on
POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new);
my %kid;    # pid -> id
my %pipes;  # fileno -> [id, stream, handle]
my %byid;   # id -> [filenos]
my $in = '';
pipe(my $wake_r, my $wake_w) or die "pipe: $!";
binmode($_) for $wake_r, $wake_w;
{ my $f = fcntl($wake_w, POSIX::F_GETFL(), 0); fcntl($wake_w, POSIX::F_SETFL(), $f | POSIX::O_NONBLOCK()); }
$SIG{CHLD} = sub { syswrite($wake_w, "c") };

sub put {
    my $s = shift;
    while (length $s) {
        my $n = syswrite(STDOUT, $s);
        if (!defined $n) {
            next if $!{EINTR} || $!{EAGAIN};
            kill 'KILL', -$_, $_ for keys %kid; # Fester is gone: nothing it started outlives it
            POSIX::_exit(0);
        }
        substr($s, 0, $n) = '';
    }
}

sub reap {
    while ((my $p = waitpid(-1, POSIX::WNOHANG())) > 0) {
        my $id = delete $kid{$p};
        next unless defined $id;
        my $status = $?;
        # one kill(2) with signal 0 instead of Fester scanning /proc after every action (ADR 0097): an empty
        # group stays empty (only its own members could join it); EPERM means members that are not ours
        my $left = kill(0, -$p) || $!{EPERM} ? 1 : 0;
        put("x $id $status $left\n");
    }
}

sub drop {
    my $fd = shift;
    my $e = delete $pipes{$fd} or return;
    close $e->[2];
    my $l = $byid{$e->[0]};
    @$l = grep { $_ != $fd } @$l;
    delete $byid{$e->[0]} unless @$l;
    put("c $e->[0] $e->[1]\n");
}

sub start {
    my ($id, $nice, $dir, $ne, @rest) = @_;
    my @env = splice(@rest, 0, $ne);
    my @argv = @rest;
    my ($or, $ow, $er, $ew);
    unless (pipe($or, $ow) && pipe($er, $ew)) {
        my $m = "cannot make pipes: $!";
        put("n $id " . length($m) . "\n$m");
        return;
    }
    binmode($_) for $or, $ow, $er, $ew;
    my $pid = fork;
    if (!defined $pid) {
        my $m = "cannot fork: $!";
        put("n $id " . length($m) . "\n$m");
        return;
    }
    if (!$pid) {
        POSIX::setsid(); # first: no signal meant for Fester's terminal group reaches it once defaults are back
        $SIG{$_} = 'DEFAULT' for qw(INT QUIT HUP PIPE CHLD);
        my $null = POSIX::open('/dev/null', POSIX::O_RDONLY());
        unless (defined $null && defined POSIX::dup2($null, 0)) {
            # never exec with the spawner's stdin: the command would read Fester's requests
            my $why = "$!";
            POSIX::dup2(fileno($ew), 2);
            syswrite(STDERR, "fester: cannot give the command /dev/null as its stdin: $why\n");
            POSIX::_exit(127);
        }
        POSIX::close($null) if $null > 2; # not left open in the action
        POSIX::dup2(fileno($ow), 1);
        POSIX::dup2(fileno($ew), 2);
        if (length $nice && getpriority(0, 0) != $nice && !setpriority(0, 0, $nice)) {
            syswrite(STDERR, "fester: cannot set the nice value $nice (it stays " . getpriority(0, 0) . "): $!\n");
        }
        unless (chdir $dir) {
            syswrite(STDERR, "fester: cannot enter $dir: $!\n");
            POSIX::_exit(127);
        }
        for (@env) {
            my ($k, $v) = split /=/, $_, 2;
            $ENV{$k} = $v;
        }
        { no warnings 'exec'; exec { $argv[0] } @argv; }
        syswrite(STDERR, "fester: cannot run $argv[0]: $!\n");
        POSIX::_exit(127);
    }
    close $ow;
    close $ew;
    $kid{$pid} = $id;
    $pipes{fileno $or} = [$id, 1, $or];
    $pipes{fileno $er} = [$id, 2, $er];
    $byid{$id} = [fileno $or, fileno $er];
    put("p $id $pid\n");
}

sub request {
    my ($op, $id, @f) = split /\0/, shift, -1;
    if ($op eq 's') {
        start($id, @f);
    } elsif ($op eq 'd') {
        my @fds = @{ $byid{$id} || [] }; # a copy: drop() edits $byid{$id}, and a loop over it would skip one
        drop($_) for @fds;
    }
}

sub finish {
    kill 'KILL', -$_, $_ for keys %kid;
    while (%kid) {
        my $p = waitpid(-1, 0);
        last if $p <= 0;
        my $id = delete $kid{$p};
        put("x $id $?\n") if defined $id;
    }
    exit 0;
}

eval {
    while (1) {
        my $rin = '';
        vec($rin, 0, 1) = 1;
        vec($rin, fileno $wake_r, 1) = 1;
        vec($rin, $_, 1) = 1 for keys %pipes;
        my $n = select(my $rout = $rin, undef, undef, 1);
        if ($n < 0) {
            die "select: $!\n" unless $!{EINTR};
            $n = 0;
        }
        # the wake-up bytes are drained before the waitpid()s, never after: a child ending in between writes
        # a byte that the next select sees, rather than one drained unseen (its end then told a second late)
        if ($n > 0 && vec($rout, fileno $wake_r, 1)) {
            sysread($wake_r, my $junk, 4096);
        }
        reap();
        next if $n == 0;
        for my $fd (keys %pipes) {
            next unless vec($rout, $fd, 1);
            my $e = $pipes{$fd};
            my $r = sysread($e->[2], my $buf, 65536);
            if ($r) {
                put(($e->[1] == 1 ? 'o' : 'e') . " $e->[0] $r\n$buf");
            } elsif (defined $r || !($!{EINTR} || $!{EAGAIN})) {
                drop($fd);
            }
        }
        if (vec($rout, 0, 1)) {
            my $r = sysread(STDIN, $in, 65536, length $in);
            if (defined $r && $r == 0) {
                finish();
            } elsif (!defined $r && !($!{EINTR} || $!{EAGAIN})) {
                finish();
            }
            while ($in =~ /^(\d+)\n/ && length($in) >= length($1) + 1 + $1) {
                my $len = $1;
                my $req = substr($in, length($len) + 1, $len);
                substr($in, 0, length($len) + 1 + $len) = '';
                request($req);
            }
        }
    }
};
my $m = "$@";
kill 'KILL', -$_, $_ for keys %kid; # first: nothing it started outlives it
put("z 0 " . length($m) . "\n$m");
exit 1;
