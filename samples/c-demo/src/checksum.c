/* checksum.c - CRC-32 (reflected, polynomial 0xEDB88320) and Adler-32. */
#include "checksum.h"

static uint32_t crc_table[256];
static int crc_table_ready;

static void crc_build_table(void)
{
    uint32_t i;
    int k;

    for (i = 0; i < 256; i++) {
        uint32_t c = i;
        for (k = 0; k < 8; k++)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    crc_table_ready = 1;
}

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i;

    if (!crc_table_ready)
        crc_build_table();
    crc ^= 0xFFFFFFFFu;
    for (i = 0; i < len; i++)
        crc = crc_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

uint32_t crc32(const void *data, size_t len)
{
    return crc32_update(0, data, len);
}

#define ADLER_MOD 65521u
/* Largest n such that 255 n (n + 1) / 2 + (n + 1)(MOD - 1) fits in 32 bits. */
#define ADLER_NMAX 5552

uint32_t adler32_update(uint32_t adler, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t a = adler & 0xFFFFu, b = adler >> 16;

    while (len > 0) {
        size_t chunk = len < ADLER_NMAX ? len : ADLER_NMAX;
        len -= chunk;
        while (chunk--) {
            a += *p++;
            b += a;
        }
        a %= ADLER_MOD;
        b %= ADLER_MOD;
    }
    return (b << 16) | a;
}

uint32_t adler32(const void *data, size_t len)
{
    return adler32_update(1u, data, len);
}
