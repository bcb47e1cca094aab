/* stats.c - descriptive statistics. */
#include "stats.h"
#include "sort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double stats_mean(const double *xs, size_t n)
{
    double mean = 0.0;
    size_t i;

    for (i = 0; i < n; i++)
        mean += (xs[i] - mean) / (double)(i + 1);
    return mean;
}

/* Welford's online algorithm: numerically stable single pass. */
double stats_variance(const double *xs, size_t n)
{
    double mean = 0.0, m2 = 0.0;
    size_t i;

    if (n < 2)
        return 0.0;
    for (i = 0; i < n; i++) {
        double delta = xs[i] - mean;
        mean += delta / (double)(i + 1);
        m2 += delta * (xs[i] - mean);
    }
    return m2 / (double)(n - 1);
}

double stats_stddev(const double *xs, size_t n)
{
    return sqrt(stats_variance(xs, n));
}

double stats_percentile_sorted(const double *xs, size_t n, double p)
{
    double rank, frac;
    size_t lo;

    if (n == 0)
        return NAN;
    if (p <= 0.0)
        return xs[0];
    if (p >= 100.0)
        return xs[n - 1];
    rank = p / 100.0 * (double)(n - 1);
    lo = (size_t)rank;
    frac = rank - (double)lo;
    if (lo + 1 >= n)
        return xs[n - 1];
    return xs[lo] + frac * (xs[lo + 1] - xs[lo]);
}

double stats_median(const double *xs, size_t n)
{
    double *copy, med;

    if (n == 0)
        return NAN;
    copy = malloc(n * sizeof(double));
    if (!copy)
        return NAN;
    memcpy(copy, xs, n * sizeof(double));
    sort_doubles(copy, n);
    med = stats_percentile_sorted(copy, n, 50.0);
    free(copy);
    return med;
}

int stats_summarize(const double *xs, size_t n, stats_summary *out)
{
    size_t i;

    if (n == 0)
        return -1;
    out->n = n;
    out->min = out->max = xs[0];
    for (i = 1; i < n; i++) {
        if (xs[i] < out->min)
            out->min = xs[i];
        if (xs[i] > out->max)
            out->max = xs[i];
    }
    out->mean = stats_mean(xs, n);
    out->variance = stats_variance(xs, n);
    out->stddev = sqrt(out->variance);
    out->median = stats_median(xs, n);
    return 0;
}
