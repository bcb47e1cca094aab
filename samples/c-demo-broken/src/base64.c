/* base64.c - RFC 4648 base64 (standard alphabet, '=' padding). */
#include "base64.h"

static const char B64_ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

size_t b64_decoded_max(size_t n)
{
    return (n + 3) / 4 * 3;
}

size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i = 0, o = 0;

    while (i + 3 <= n) {
        unsigned long v = ((unsigned long)in[i] << 16) | ((unsigned long)in[i + 1] << 8) | in[i + 2];
        out[o++] = B64_ALPHABET[(v >> 18) & 63];
        out[o++] = B64_ALPHABET[(v >> 12) & 63];
        out[o++] = B64_ALPHABET[(v >> 6) & 63];
        out[o++] = B64_ALPHABET[v & 63];
        i += 3;
    }
    if (n - i == 1) {
        unsigned long v = (unsigned long)in[i] << 16;
        out[o++] = B64_ALPHABET[(v >> 18) & 63];
        out[o++] = B64_ALPHABET[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        unsigned long v = ((unsigned long)in[i] << 16) | ((unsigned long)in[i + 1] << 8);
        out[o++] = B64_ALPHABET[(v >> 18) & 63];
        out[o++] = B64_ALPHABET[(v >> 12) & 63];
        out[o++] = B64_ALPHABET[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

long b64_decode(const char *in, size_t n, unsigned char *out)
{
    unsigned long acc = 0;
    int bits = 0, pad = 0;
    long o = 0;
    size_t i, sextets = 0;

    for (i = 0; i < n; i++) {
        char c = in[i];
        int v;
        if (is_space(c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad)                 /* data after padding */
            return -1;
        v = b64_value(c);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        sextets++;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((acc >> bits) & 0xFFu);
        }
    }
    /* A lone trailing sextet cannot encode a byte; at most two '='. */
    if (sextets % 4 == 1 || pad > 2)
        return -1;
    if (pad && (sextets + (size_t)pad) % 4 != 0)
        return -1;
    return o;
}
