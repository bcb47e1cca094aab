#include <stdio.h>
#include "calc.h"

static int failures;

static void check(const char *what, unsigned long got, unsigned long want) {
    if (got != want) {
        printf("FAIL %s: got %lu, want %lu\n", what, got, want);
        failures++;
    }
}

int main(void) {
    check("gcd(12, 18)", gcd(12, 18), 6);
    check("gcd(17, 5)", gcd(17, 5), 1);
    check("gcd(0, 9)", gcd(0, 9), 9);
    check("fletcher16(abcde)", fletcher16((const unsigned char *) "abcde", 5), 0xc8f0);
    check("pointer size", sizeof(void *), 8);
#if defined(__aarch64__)
    printf("arch aarch64\n");
#else
    printf("arch other\n");
    failures++;
#endif
    printf(failures ? "%d failed\n" : "all passed\n", failures);
    return failures != 0;
}
