/* stats.h - descriptive statistics over arrays of doubles. */
#ifndef DEMO_STATS_H
#define DEMO_STATS_H

#include <stddef.h>

typedef struct stats_summary {
    size_t n;
    double min, max;
    double mean;
    double variance;   /* sample variance (n - 1); 0 when n < 2 */
    double stddev;
    double median;
} stats_summary;

double stats_mean(const double *xs, size_t n);
double stats_variance(const double *xs, size_t n);
double stats_stddev(const double *xs, size_t n);
/* p in [0, 100], xs must be sorted ascending; linear interpolation. */
double stats_percentile_sorted(const double *xs, size_t n, double p);
double stats_median(const double *xs, size_t n);   /* copies, does not reorder */
int stats_summarize(const double *xs, size_t n, stats_summary *out); /* -1 if n == 0 */

#endif
