#include "calc.h"

unsigned long gcd(unsigned long a, unsigned long b) {
    while (b != 0) {
        unsigned long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

unsigned int fletcher16(const unsigned char *data, unsigned long n) {
    unsigned int s1 = 0, s2 = 0;
    for (unsigned long i = 0; i < n; i++) {
        s1 = (s1 + data[i]) % 255;
        s2 = (s2 + s1) % 255;
    }
    return (s2 << 8) | s1;
}
