/* sort.c - merge sort, heap sort and binary search. */
#include "sort.h"

#include <stdlib.h>
#include <string.h>

#define INSERTION_CUTOFF 12

typedef unsigned char byte;

static void insertion(byte *base, size_t lo, size_t hi, size_t size,
                      sort_cmp_fn cmp, void *ctx, byte *tmp)
{
    size_t i, j;

    for (i = lo + 1; i < hi; i++) {
        memcpy(tmp, base + i * size, size);
        for (j = i; j > lo && cmp(base + (j - 1) * size, tmp, ctx) > 0; j--)
            memcpy(base + j * size, base + (j - 1) * size, size);
        memcpy(base + j * size, tmp, size);
    }
}

static void merge_rec(byte *base, byte *scratch, size_t lo, size_t hi,
                      size_t size, sort_cmp_fn cmp, void *ctx)
{
    size_t mid, i, j, k;

    if (hi - lo <= INSERTION_CUTOFF) {
        /* scratch[lo] is free to use as a single-element temporary here. */
        insertion(base, lo, hi, size, cmp, ctx, scratch + lo * size);
        return;
    }
    mid = lo + (hi - lo) / 2;
    merge_rec(base, scratch, lo, mid, size, cmp, ctx);
    merge_rec(base, scratch, mid, hi, size, cmp, ctx);
    if (cmp(base + (mid - 1) * size, base + mid * size, ctx) <= 0)
        return;   /* already in order */

    memcpy(scratch + lo * size, base + lo * size, (hi - lo) * size);
    i = lo;
    j = mid;
    k = lo;
    while (i < mid && j < hi) {
        /* "<=" keeps equal elements in their original order (stability). */
        if (cmp(scratch + i * size, scratch + j * size, ctx) <= 0)
            memcpy(base + (k++) * size, scratch + (i++) * size, size);
        else
            memcpy(base + (k++) * size, scratch + (j++) * size, size);
    }
    if (i < mid)
        memcpy(base + k * size, scratch + i * size, (mid - i) * size);
    if (j < hi)
        memcpy(base + k * size, scratch + j * size, (hi - j) * size);
}

int sort_merge(void *base, size_t n, size_t size, sort_cmp_fn cmp, void *ctx)
{
    byte *scratch;

    if (n < 2 || size == 0)
        return 0;
    if (n > ((size_t)-1) / size)
        return -1;
    scratch = malloc(n * size);
    if (!scratch)
        return -1;
    merge_rec((byte *)base, scratch, 0, n, size, cmp, ctx);
    free(scratch);
    return 0;
}

static void sift_down(double *xs, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        double t;
        if (child >= n)
            return;
        if (child + 1 < n && xs[child + 1] > xs[child])
            child++;
        if (!(xs[child] > xs[root]))
            return;
        t = xs[root];
        xs[root] = xs[child];
        xs[child] = t;
        root = child;
    }
}

void sort_doubles(double *xs, size_t n)
{
    size_t i;

    if (n < 2)
        return;
    for (i = n / 2; i-- > 0;)
        sift_down(xs, i, n);
    for (i = n - 1; i > 0; i--) {
        double t = xs[0];
        xs[0] = xs[i];
        xs[i] = t;
        sift_down(xs, 0, i);
    }
}

int sort_is_sorted(const void *base, size_t n, size_t size, sort_cmp_fn cmp, void *ctx)
{
    const byte *b = base;
    size_t i;

    for (i = 1; i < n; i++)
        if (cmp(b + (i - 1) * size, b + i * size, ctx) > 0)
            return 0;
    return 1;
}

size_t sort_lower_bound(const double *xs, size_t n, double key)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (xs[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
