/* strbuf.h - growable, always NUL-terminated string buffer. */
#ifndef DEMO_STRBUF_H
#define DEMO_STRBUF_H

#include <stddef.h>

#if defined(__GNUC__)
#define DEMO_PRINTF_LIKE(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define DEMO_PRINTF_LIKE(fmt_idx, arg_idx)
#endif

typedef struct strbuf {
    char *data;   /* NULL until the first append */
    size_t len;   /* bytes used, excluding the terminating NUL */
    size_t cap;   /* bytes allocated, including room for the NUL */
} strbuf;

void sb_init(strbuf *sb);
void sb_free(strbuf *sb);
void sb_clear(strbuf *sb);

/* All mutators return 0 on success and -1 on allocation failure. */
int sb_reserve(strbuf *sb, size_t extra);
int sb_append(strbuf *sb, const char *s);
int sb_append_n(strbuf *sb, const char *s, size_t n);
int sb_append_char(strbuf *sb, char c);
int sb_printf(strbuf *sb, const char *fmt, ...) DEMO_PRINTF_LIKE(2, 3);

/* Remove trailing whitespace in place. */
void sb_rtrim(strbuf *sb);

/* Never returns NULL: an empty buffer yields "". */
const char *sb_cstr(const strbuf *sb);

/* Hand the heap string to the caller (who must free it) and reset sb. */
char *sb_detach(strbuf *sb);

#endif
