/* strbuf.c - growable string buffer. */
#include "strbuf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_init(strbuf *sb)
{
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
}

void sb_free(strbuf *sb)
{
    free(sb->data);
    sb_init(sb);
}

void sb_clear(strbuf *sb)
{
    sb->len = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

int sb_reserve(strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    size_t ncap;
    char *p;

    if (need < sb->len)            /* overflow */
        return -1;
    if (need <= sb->cap)
        return 0;
    ncap = sb->cap ? sb->cap : 16;
    while (ncap < need) {
        if (ncap > ((size_t)-1) / 2)
            return -1;
        ncap *= 2;
    }
    p = realloc(sb->data, ncap);
    if (!p)
        return -1;
    if (!sb->data)
        p[0] = '\0';
    sb->data = p;
    sb->cap = ncap;
    return 0;
}

int sb_append_n(strbuf *sb, const char *s, size_t n)
{
    if (sb_reserve(sb, n) != 0)
        return -1;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
    return 0;
}

int sb_append(strbuf *sb, const char *s)
{
    return sb_append_n(sb, s, strlen(s));
}

int sb_append_char(strbuf *sb, char c)
{
    return sb_append_n(sb, &c, 1);
}

int sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_reserve(sb, (size_t)n) != 0) {
        va_end(ap2);
        return -1;
    }
    vsnprintf(sb->data + sb->len, sb->cap - sb->len, fmt, ap2);
    va_end(ap2);
    sb->len += (size_t)n;
    return 0;
}

void sb_rtrim(strbuf *sb)
{
    while (sb->len > 0 && isspace((unsigned char)sb->data[sb->len - 1]))
        sb->len--;
    if (sb->data)
        sb->data[sb->len] = '\0';
}

const char *sb_cstr(const strbuf *sb)
{
    return sb->data ? sb->data : "";
}

char *sb_detach(strbuf *sb)
{
    char *p = sb->data;

    if (!p) {
        p = malloc(1);
        if (p)
            p[0] = '\0';
    }
    sb_init(sb);
    return p;
}
