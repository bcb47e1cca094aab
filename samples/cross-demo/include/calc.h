#ifndef CALC_H
#define CALC_H
/* Greatest common divisor and a checksum, small enough to check by hand. */
unsigned long gcd(unsigned long a, unsigned long b);
unsigned int fletcher16(const unsigned char *data, unsigned long n);
#endif
