#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "calc.h"

int main(int argc, char **argv) {
    if (argc == 3) {
        printf("%lu\n", gcd(strtoul(argv[1], NULL, 10), strtoul(argv[2], NULL, 10)));
        return 0;
    }
    if (argc == 2) {
        printf("%04x\n", fletcher16((const unsigned char *) argv[1], strlen(argv[1])));
        return 0;
    }
    fprintf(stderr, "usage: calc A B (gcd) | calc TEXT (fletcher16)\n");
    return 2;
}
