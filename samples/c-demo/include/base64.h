/* base64.h - RFC 4648 base64 encoding and decoding. */
#ifndef DEMO_BASE64_H
#define DEMO_BASE64_H

#include <stddef.h>

size_t b64_encoded_len(size_t n);        /* excluding the NUL */
size_t b64_decoded_max(size_t n);

/* Writes b64_encoded_len(n) chars plus a NUL to out. Returns chars written. */
size_t b64_encode(const unsigned char *in, size_t n, char *out);

/* Decodes n chars (whitespace ignored, '=' padding optional at the end).
 * Returns bytes written to out, or -1 on malformed input. */
long b64_decode(const char *in, size_t n, unsigned char *out);

#endif
