/* checksum.h - CRC-32 (IEEE 802.3) and Adler-32. */
#ifndef DEMO_CHECKSUM_H
#define DEMO_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Incremental use: crc = crc32_update(0, a, n); crc = crc32_update(crc, b, m); */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);
uint32_t crc32(const void *data, size_t len);

uint32_t adler32_update(uint32_t adler, const void *data, size_t len);
uint32_t adler32(const void *data, size_t len);

#endif
