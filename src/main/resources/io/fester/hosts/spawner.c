/*
 * Fester's native local spawner (ADR 0100): the same protocol as spawner.pl (ADR 0081), whose header comment is the
 * contract; this program is compiled at first use with the system's C compiler and started once per LocalExecutor.
 * Where the Perl spawner forks (copying an interpreter on write on both sides), this one vfork()s: the child borrows
 * the parent's memory and core until it execs, as under ninja's posix_spawn. Everything the child needs (argv, the
 * environment, the directory, the nice value, /dev/null) is prepared before the vfork; the child calls
 * async-signal-safe functions (setsid, signal dispositions, sigprocmask, dup2, setpriority, chdir, execve, write,
 * _exit) and strerror for its messages, which POSIX does not list as safe: it is safe enough here, as the spawner
 * never calls setlocale, and glibc's strerror in the C locale reads its table and allocates nothing.
 *
 * Requests (stdin): "LEN\n" then LEN bytes of fields separated by NUL:
 *   s ID NICE DIR NENV ENV... ARGV...   start ARGV (NICE empty: as the spawner's)
 *   d ID                                stop relaying ID's output
 * Frames (stdout): "p ID PID\n" | "n ID LEN\n"+message | "o ID LEN\n"+bytes | "e ID LEN\n"+bytes | "c ID 1|2\n" |
 *   "x ID STATUS LEFT\n" (LEFT absent when the spawner is ending) | "z 0 LEN\n"+message
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A started command: its id, pid (= its process group), and its two pipes' read ends (-1 once ended). */
struct kid {
    char id[24];
    pid_t pid; /* 0 once reaped */
    int fd[2]; /* stdout, stderr */
};

static struct kid *kids;
static size_t nkids, capkids;
static int wake[2];
static int devnull; /* /dev/null, opened once (close-on-exec): each child's stdin, with no open() that could fail */
static char *in;
static size_t inlen, incap;

static void die_frame(const char *fmt, ...);

static void killall(void) {
    for (size_t i = 0; i < nkids; i++) {
        if (kids[i].pid > 0) {
            kill(-kids[i].pid, SIGKILL);
            kill(kids[i].pid, SIGKILL);
        }
    }
}

/* Writes all of it to stdout (a blocking pipe: a slow Fester only slows the relay); Fester gone: kill and leave. */
static void put(const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                if (errno == EAGAIN) {
                    struct pollfd p = {1, POLLOUT, 0};
                    poll(&p, 1, 1000);
                }
                continue;
            }
            killall(); /* Fester is gone: nothing it started outlives it */
            _exit(0);
        }
        s += w;
        n -= (size_t) w;
    }
}

static void putf(const char *fmt, ...) {
    char b[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n < 0) {
        n = 0;
    }
    put(b, (size_t) n < sizeof b ? (size_t) n : sizeof b - 1);
}

/* A header then a payload (o, e, n, z frames). */
static void putmsg(char op, const char *id, const char *m, size_t n) {
    putf("%c %.40s %zu\n", op, id, n); /* an id echoed from a bad request is cut: the header stays whole */
    put(m, n);
}

static void not_started(const char *id, const char *what) {
    char m[512];
    int n = snprintf(m, sizeof m, "%s: %s", what, strerror(errno));
    putmsg('n', id, m, n < 0 ? 0 : (size_t) n < sizeof m ? (size_t) n : sizeof m - 1);
}

static void on_chld(int sig) {
    (void) sig;
    int e = errno;
    ssize_t r = write(wake[1], "c", 1);
    (void) r;
    errno = e;
}

static struct kid *byid(const char *id) {
    for (size_t i = 0; i < nkids; i++) {
        if (strcmp(kids[i].id, id) == 0 && (kids[i].pid > 0 || kids[i].fd[0] >= 0 || kids[i].fd[1] >= 0)) {
            return &kids[i];
        }
    }
    return NULL;
}

/* Forgets entries that are reaped and whose pipes are both closed. */
static void compact(void) {
    size_t j = 0;
    for (size_t i = 0; i < nkids; i++) {
        if (kids[i].pid > 0 || kids[i].fd[0] >= 0 || kids[i].fd[1] >= 0) {
            kids[j++] = kids[i];
        }
    }
    nkids = j;
}

static void drop(struct kid *k, int stream) {
    if (k->fd[stream - 1] < 0) {
        return;
    }
    close(k->fd[stream - 1]);
    k->fd[stream - 1] = -1;
    putf("c %s %d\n", k->id, stream);
}

static void reap(void) {
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < nkids; i++) {
            if (kids[i].pid == p) {
                /* one kill(2) with signal 0 (ADR 0097): an empty group stays empty; EPERM: members not ours */
                int left = kill(-p, 0) == 0 || errno == EPERM;
                kids[i].pid = 0;
                putf("x %s %d %d\n", kids[i].id, status, left);
                break;
            }
        }
    }
}

/* The fields of one request (NUL-separated, the last one unterminated). */
static char **split(char *req, size_t len, size_t *count) {
    size_t n = 1;
    for (size_t i = 0; i < len; i++) {
        n += req[i] == '\0';
    }
    char **f = malloc((n + 1) * sizeof *f);
    if (!f) {
        die_frame("out of memory");
    }
    size_t k = 0;
    f[k++] = req;
    for (size_t i = 0; i < len; i++) {
        if (req[i] == '\0') {
            f[k++] = req + i + 1;
        }
    }
    f[k] = NULL;
    *count = n;
    return f;
}

/* environ with the request's NAME=VALUE entries set (a later one wins over an earlier one and the inherited). */
static char **environment(char **add, size_t nadd) {
    size_t base = 0;
    while (environ[base]) {
        base++;
    }
    char **env = malloc((base + nadd + 1) * sizeof *env);
    if (!env) {
        die_frame("out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < base; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t kl = eq ? (size_t) (eq - environ[i]) : strlen(environ[i]);
        int replaced = 0;
        for (size_t j = 0; j < nadd && !replaced; j++) {
            replaced = strncmp(add[j], environ[i], kl) == 0 && add[j][kl] == '=';
        }
        if (!replaced) {
            env[n++] = environ[i];
        }
    }
    for (size_t j = 0; j < nadd; j++) {
        const char *eq = strchr(add[j], '=');
        if (!eq) {
            continue; /* not NAME=VALUE: Perl would set NAME to undef, i.e. empty; skip it */
        }
        size_t kl = (size_t) (eq - add[j]);
        int later = 0;
        for (size_t k = j + 1; k < nadd && !later; k++) {
            later = strncmp(add[k], add[j], kl) == 0 && add[k][kl] == '=';
        }
        if (!later) {
            env[n++] = add[j];
        }
    }
    env[n] = NULL;
    return env;
}

/* Writes NULL-ended pieces to fd 2 from the vfork child (no stdio, no allocation). */
static void child_say(const char *const *parts) {
    for (; *parts; parts++) {
        ssize_t r = write(2, *parts, strlen(*parts));
        (void) r;
    }
}

/* execvp's search, but along the PATH of the command's environment (as Perl's exec after setting %ENV). */
static void child_exec(char **argv, char **env) {
    const char *file = argv[0];
    if (strchr(file, '/')) {
        execve(file, argv, env);
        return;
    }
    const char *path = NULL;
    for (char **e = env; *e; e++) {
        if (strncmp(*e, "PATH=", 5) == 0) {
            path = *e + 5;
        }
    }
    if (!path) {
        path = "/bin:/usr/bin";
    }
    size_t fl = strlen(file);
    int seen = ENOENT;
    char buf[4096];
    for (const char *p = path;; p++) {
        const char *q = strchr(p, ':');
        size_t dl = q ? (size_t) (q - p) : strlen(p);
        if (dl + fl + 2 <= sizeof buf) {
            if (dl) {
                memcpy(buf, p, dl);
                buf[dl] = '/';
                memcpy(buf + dl + 1, file, fl + 1);
            } else {
                memcpy(buf, file, fl + 1);
            }
            execve(buf, argv, env);
            if (errno == EACCES) {
                seen = EACCES;
            } else if (errno != ENOENT && errno != ENOTDIR) {
                return;
            }
        }
        if (!q) {
            break;
        }
        p = q;
    }
    errno = seen;
}

/*
 * The vfork child, up to its exec: a function of its own, so that what it writes on the stack (its locals, its
 * calls) lies below the frame of start(), which the parent goes on using when it resumes (the child shares its
 * memory). Async-signal-safe calls, and strerror (see the header); it never returns.
 */
__attribute__((noinline, noreturn)) static void child(char **argv, char **env, const char *dir, int setnice, int nice,
        const char *nices, int out_w, int err_w, const sigset_t *old) {
    setsid(); /* first: no signal meant for Fester's terminal group reaches it once defaults are back */
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    sigprocmask(SIG_SETMASK, old, NULL);
    if (dup2(devnull, 0) < 0) { /* dup2 clears close-on-exec on the copy */
        /* never exec with the spawner's stdin: the command would read Fester's requests */
        const char *m[] = {"fester: cannot give the command /dev/null as its stdin: ", strerror(errno), "\n", NULL};
        dup2(err_w, 2);
        child_say(m);
        _exit(127);
    }
    dup2(out_w, 1);
    dup2(err_w, 2);
    if (setnice) {
        errno = 0;
        int was = getpriority(PRIO_PROCESS, 0);
        if (was != nice && setpriority(PRIO_PROCESS, 0, nice) < 0) {
            const char *why = strerror(errno);
            char num[16];
            int i = sizeof num - 1;
            unsigned u = was < 0 ? (unsigned) -was : (unsigned) was;
            num[i] = '\0';
            do {
                num[--i] = (char) ('0' + u % 10);
                u /= 10;
            } while (u && i > 1);
            if (was < 0) {
                num[--i] = '-';
            }
            const char *m[] = {"fester: cannot set the nice value ", nices, " (it stays ", num + i, "): ", why, "\n", NULL};
            child_say(m);
        }
    }
    if (chdir(dir) < 0) {
        const char *m[] = {"fester: cannot enter ", dir, ": ", strerror(errno), "\n", NULL};
        child_say(m);
        _exit(127);
    }
    child_exec(argv, env);
    const char *m[] = {"fester: cannot run ", argv[0], ": ", strerror(errno), "\n", NULL};
    child_say(m);
    _exit(127);
}

static void start(char **f, size_t nf) {
    /* f: s ID NICE DIR NENV ENV... ARGV... */
    if (nf < 6) {
        if (nf >= 2) {
            errno = EINVAL;
            not_started(f[1], "a start request with no command");
        }
        return;
    }
    const char *id = f[1];
    if (strlen(id) >= sizeof kids[0].id) {
        errno = EINVAL;
        not_started(id, "an id too long");
        return;
    }
    const char *nices = f[2];
    const char *dir = f[3];
    char *end;
    long ne = strtol(f[4], &end, 10);
    if (*f[4] == '\0' || *end != '\0' || ne < 0 || (size_t) ne + 5 >= nf) {
        errno = EINVAL;
        not_started(id, "a malformed start request");
        return;
    }
    char **add = f + 5;
    char **argv = f + 5 + ne;
    int setnice = *nices != '\0';
    int nice = setnice ? atoi(nices) : 0;
    char **env = environment(add, (size_t) ne);
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) < 0) {
        not_started(id, "cannot make pipes");
        free(env);
        return;
    }
    if (pipe2(err, O_CLOEXEC) < 0) {
        not_started(id, "cannot make pipes");
        close(out[0]);
        close(out[1]);
        free(env);
        return;
    }
    if (nkids == capkids) {
        capkids = capkids ? capkids * 2 : 16;
        kids = realloc(kids, capkids * sizeof *kids);
        if (!kids) {
            die_frame("out of memory");
        }
    }
    /* SIGCHLD blocked over the vfork and the table's update: a child that ends at once is reaped after it is in the
       table (its wake-up byte is read at the next poll in any case) */
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    pid_t pid = vfork();
    if (pid == 0) {
        child(argv, env, dir, setnice, nice, nices, out[1], err[1], &old);
    }
    int fe = errno;
    close(out[1]);
    close(err[1]);
    free(env);
    if (pid < 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(out[0]);
        close(err[0]);
        errno = fe;
        not_started(id, "cannot fork");
        return;
    }
    struct kid *k = &kids[nkids++];
    snprintf(k->id, sizeof k->id, "%s", id);
    k->pid = pid;
    k->fd[0] = out[0];
    k->fd[1] = err[0];
    putf("p %s %d\n", id, (int) pid);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void request(char *req, size_t len) {
    size_t nf;
    char **f = split(req, len, &nf);
    if (strcmp(f[0], "s") == 0) {
        start(f, nf);
    } else if (strcmp(f[0], "d") == 0 && nf >= 2) {
        struct kid *k = byid(f[1]);
        if (k) {
            drop(k, 1);
            drop(k, 2);
        }
    }
    free(f);
}

static void finish(void) {
    killall();
    for (;;) {
        int live = 0;
        for (size_t i = 0; i < nkids; i++) {
            live |= kids[i].pid > 0;
        }
        if (!live) {
            break;
        }
        int status;
        pid_t p = waitpid(-1, &status, 0);
        if (p < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        for (size_t i = 0; i < nkids; i++) {
            if (kids[i].pid == p) {
                kids[i].pid = 0;
                putf("x %s %d\n", kids[i].id, status);
                break;
            }
        }
    }
    exit(0);
}

static void die_frame(const char *fmt, ...) {
    killall(); /* first: nothing it started outlives it (Fester sees the z frame, then the end) */
    char m[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    putmsg('z', "0", m, n < 0 ? 0 : (size_t) n < sizeof m ? (size_t) n : sizeof m - 1);
    exit(1);
}

/* Takes every complete request out of the input buffer. */
static void requests(void) {
    size_t at = 0;
    while (at < inlen) {
        size_t len = 0, i = at;
        while (i < inlen && in[i] >= '0' && in[i] <= '9') {
            if (i - at >= 10) {
                die_frame("a malformed request (its length has over 10 digits)");
            }
            len = len * 10 + (size_t) (in[i] - '0');
            i++;
        }
        if (i == inlen) {
            break; /* the length is not all here yet */
        }
        if (in[i] != '\n' || i == at) {
            die_frame("a malformed request");
        }
        if (inlen - (i + 1) < len) {
            break;
        }
        /* a copy with room for a final NUL: the last field ends there */
        char *req = malloc(len + 1);
        if (!req) {
            die_frame("out of memory");
        }
        memcpy(req, in + i + 1, len);
        req[len] = '\0';
        at = i + 1 + len;
        if (len > 0) {
            request(req, len);
        }
        free(req);
    }
    memmove(in, in + at, inlen - at);
    inlen -= at;
}

int main(void) {
    /* a JVM starts its children with the signals its threads block (SIGQUIT) still blocked: none is, from here on
       (each child restores this empty mask before its exec) */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN); /* a write to a gone Fester fails with EPIPE instead */
    /* nothing of the spawner's own leaks into the actions: only fds 0-2 are inherited, the rest close on exec */
    for (int fd = 3; fd < 1024; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0) {
            fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
        }
    }
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0) {
        die_frame("/dev/null: %s", strerror(errno));
    }
    if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        die_frame("pipe: %s", strerror(errno));
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) < 0) {
        die_frame("sigaction: %s", strerror(errno));
    }
    incap = 1 << 16;
    in = malloc(incap);
    static char buf[65536];
    struct pollfd *pf = NULL;
    struct kid **pk = NULL;
    int *ps = NULL;
    size_t cappf = 0;
    if (!in) {
        die_frame("out of memory");
    }
    for (;;) {
        compact();
        size_t want = 2 + 2 * nkids;
        if (want > cappf) {
            cappf = want * 2;
            pf = realloc(pf, cappf * sizeof *pf);
            pk = realloc(pk, cappf * sizeof *pk);
            ps = realloc(ps, cappf * sizeof *ps);
            if (!pf || !pk || !ps) {
                die_frame("out of memory");
            }
        }
        size_t n = 0;
        pf[n++] = (struct pollfd){0, POLLIN, 0};
        pf[n++] = (struct pollfd){wake[0], POLLIN, 0};
        for (size_t i = 0; i < nkids; i++) {
            for (int s = 0; s < 2; s++) {
                if (kids[i].fd[s] >= 0) {
                    pk[n] = &kids[i];
                    ps[n] = s + 1;
                    pf[n++] = (struct pollfd){kids[i].fd[s], POLLIN, 0};
                }
            }
        }
        int r = poll(pf, n, 1000);
        if (r < 0) {
            if (errno != EINTR) {
                die_frame("poll: %s", strerror(errno));
            }
            r = 0;
        }
        /* the wake-up bytes are drained before the waitpid()s, never after: a child ending in between writes a byte
           that the next poll sees, rather than one drained unseen (its end then told up to a second late) */
        if (r > 0 && pf[1].revents) {
            char junk[4096];
            while (read(wake[0], junk, sizeof junk) > 0) {
            }
        }
        reap();
        if (r == 0) {
            continue;
        }
        for (size_t i = 2; i < n; i++) {
            if (!pf[i].revents) {
                continue;
            }
            struct kid *k = pk[i];
            int s = ps[i];
            if (k->fd[s - 1] != pf[i].fd) {
                continue; /* dropped meanwhile */
            }
            ssize_t got = read(pf[i].fd, buf, sizeof buf);
            if (got > 0) {
                putmsg(s == 1 ? 'o' : 'e', k->id, buf, (size_t) got);
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                drop(k, s);
            }
        }
        if (pf[0].revents) {
            if (incap - inlen < 65536) {
                incap = incap * 2;
                in = realloc(in, incap);
                if (!in) {
                    die_frame("out of memory");
                }
            }
            ssize_t got = read(0, in + inlen, incap - inlen);
            if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
                finish();
            }
            if (got > 0) {
                inlen += (size_t) got;
                requests();
            }
        }
    }
}
