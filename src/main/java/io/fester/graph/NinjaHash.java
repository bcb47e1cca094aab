package io.fester.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 64-bit hashes Ninja keeps of commands in {@code .ninja_log}: MurmurHash64A (Austin Appleby's
 * 64-bit MurmurHash2) with Ninja's seed, for log versions 5 and 6, and rapidhash (Nicolas De Carli's
 * wyhash derivative, first version, default seed and secrets) for version 7. Both read the bytes as
 * little-endian words, as Ninja does on every platform it writes logs on.
 */
final class NinjaHash {
    private NinjaHash() {}

    private static final long MURMUR_SEED = 0xDECAFBADDECAFBADL;
    private static final long MURMUR_M = 0xc6a4a7935bd1e995L;

    static long murmur64a(byte[] data) {
        int len = data.length;
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long h = MURMUR_SEED ^ (len * MURMUR_M);
        int i = 0;
        for (; len - i >= 8; i += 8) {
            long k = buf.getLong(i);
            k *= MURMUR_M;
            k ^= k >>> 47;
            k *= MURMUR_M;
            h ^= k;
            h *= MURMUR_M;
        }
        int rest = len - i;
        if (rest > 0) {
            for (int j = rest - 1; j >= 0; j--) {
                h ^= (data[i + j] & 0xFFL) << (8 * j);
            }
            h *= MURMUR_M;
        }
        h ^= h >>> 47;
        h *= MURMUR_M;
        h ^= h >>> 47;
        return h;
    }

    private static final long RAPID_SEED = 0xbdd89aa982704029L;
    private static final long S0 = 0x2d358dccaa6c78a5L;
    private static final long S1 = 0x8bb84b93962eacc9L;
    private static final long S2 = 0x4b33a62ed433d4a3L;

    /** The xor of the two halves of the 128-bit product. */
    private static long mix(long a, long b) {
        return (a * b) ^ unsignedMultiplyHigh(a, b);
    }

    private static long r64(ByteBuffer b, int at) {
        return b.getLong(at);
    }

    private static long r32(ByteBuffer b, int at) {
        return b.getInt(at) & 0xFFFFFFFFL;
    }

    static long rapidhash(byte[] data) {
        int len = data.length;
        ByteBuffer p = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long seed = RAPID_SEED ^ mix(RAPID_SEED ^ S0, S1) ^ len;
        long a;
        long b;
        if (len <= 16) {
            if (len >= 4) {
                int last = len - 4;
                a = r32(p, 0) << 32 | r32(p, last);
                int delta = (len & 24) >>> (len >>> 3);
                b = r32(p, delta) << 32 | r32(p, last - delta);
            } else if (len > 0) {
                a = (data[0] & 0xFFL) << 56 | (data[len >> 1] & 0xFFL) << 32 | (data[len - 1] & 0xFFL);
                b = 0;
            } else {
                a = 0;
                b = 0;
            }
        } else {
            int at = 0;
            int i = len;
            if (i > 48) {
                long see1 = seed;
                long see2 = seed;
                while (i >= 48) {
                    seed = mix(r64(p, at) ^ S0, r64(p, at + 8) ^ seed);
                    see1 = mix(r64(p, at + 16) ^ S1, r64(p, at + 24) ^ see1);
                    see2 = mix(r64(p, at + 32) ^ S2, r64(p, at + 40) ^ see2);
                    at += 48;
                    i -= 48;
                }
                seed ^= see1 ^ see2;
            }
            if (i > 16) {
                seed = mix(r64(p, at) ^ S2, r64(p, at + 8) ^ seed ^ S1);
                if (i > 32) {
                    seed = mix(r64(p, at + 16) ^ S2, r64(p, at + 24) ^ seed);
                }
            }
            a = r64(p, at + i - 16);
            b = r64(p, at + i - 8);
        }
        a ^= S1;
        b ^= seed;
        long lo = a * b;
        long hi = unsignedMultiplyHigh(a, b);
        return mix(lo ^ S0 ^ len, hi ^ S1);
    }

    private static long unsignedMultiplyHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + (a >> 63 & b) + (b >> 63 & a);
    }
}
