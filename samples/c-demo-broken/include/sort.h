/* sort.h - stable merge sort with context, plus helpers for doubles. */
#ifndef DEMO_SORT_H
#define DEMO_SORT_H

#include <stddef.h>

typedef int (*sort_cmp_fn)(const void *a, const void *b, void *ctx);

/* Stable O(n log n) sort. Returns 0 ok, -1 if scratch space is unavailable. */
int sort_merge(void *base, size_t n, size_t size, sort_cmp_fn cmp, void *ctx);

/* In-place heap sort of doubles (ascending, no allocation). */
void sort_doubles(double *xs, size_t n);

int sort_is_sorted(const void *base, size_t n, size_t size, sort_cmp_fn cmp, void *ctx);

/* Lower bound: index of the first element >= key in a sorted array. */
size_t sort_lower_bound(const double *xs, size_t n, double key);

#endif
