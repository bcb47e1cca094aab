/* matrix.c - dense matrix operations. */
#include "matrix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int mat_init(matrix *m, size_t rows, size_t cols)
{
    m->rows = rows;
    m->cols = cols;
    if (rows != 0 && cols > ((size_t)-1) / sizeof(double) / rows) {
        m->a = NULL;
        return -1;
    }
    m->a = calloc(rows * cols > 0 ? rows * cols : 1, sizeof(double));
    return m->a ? 0 : -1;
}

void mat_free(matrix *m)
{
    free(m->a);
    m->a = NULL;
    m->rows = m->cols = 0;
}

int mat_identity(matrix *m, size_t n)
{
    size_t i;

    if (mat_init(m, n, n) != 0)
        return -1;
    for (i = 0; i < n; i++)
        m->a[i * n + i] = 1.0;
    return 0;
}

double mat_get(const matrix *m, size_t r, size_t c)
{
    return m->a[r * m->cols + c];
}

void mat_set(matrix *m, size_t r, size_t c, double x)
{
    m->a[r * m->cols + c] = x;
}

int mat_mul(const matrix *x, const matrix *y, matrix *out)
{
    size_t i, j, k;

    if (x->cols != y->rows)
        return -1;
    if (mat_init(out, x->rows, y->cols) != 0)
        return -1;
    /* i-k-j loop order walks both operands row-wise (cache friendly). */
    for (i = 0; i < x->rows; i++) {
        for (k = 0; k < x->cols; k++) {
            double xik = x->a[i * x->cols + k];
            if (xik == 0.0)
                continue;
            for (j = 0; j < y->cols; j++)
                out->a[i * out->cols + j] += xik * y->a[k * y->cols + j];
        }
    }
    return 0;
}

int mat_transpose(const matrix *x, matrix *out)
{
    size_t i, j;

    if (mat_init(out, x->cols, x->rows) != 0)
        return -1;
    for (i = 0; i < x->rows; i++)
        for (j = 0; j < x->cols; j++)
            out->a[j * out->cols + i] = x->a[i * x->cols + j];
    return 0;
}

static void swap_rows(double *a, size_t cols, size_t r1, size_t r2)
{
    size_t j;

    for (j = 0; j < cols; j++) {
        double t = a[r1 * cols + j];
        a[r1 * cols + j] = a[r2 * cols + j];
        a[r2 * cols + j] = t;
    }
}

/* Index of the row >= col with the largest |a[row][col]|. */
static size_t find_pivot(const double *a, size_t n, size_t col)
{
    size_t r, pivot = col;
    double best = fabs(a[col * n + col]);

    for (r = col + 1; r < n; r++) {
        double v = fabs(a[r * n + col]);
        if (v > best) {
            best = v;
            pivot = r;
        }
    }
    return pivot;
}

double mat_det(const matrix *m)
{
    size_t n = m->rows, col, r, j;
    double *a, det = 1.0;

    if (m->rows != m->cols)
        return NAN;
    if (n == 0)
        return 1.0;
    a = malloc(n * n * sizeof(double));
    if (!a)
        return NAN;
    memcpy(a, m->a, n * n * sizeof(double));

    for (col = 0; col < n; col++) {
        size_t pivot = find_pivot(a, n, col);
        /* Deliberate compile error for the c-demo-broken sample: wrong name. */
        if (a[pivot_row * n + col] == 0.0) {
            det = 0.0;
            break;
        }
        if (pivot != col) {
            swap_rows(a, n, pivot, col);
            det = -det;
        }
        det *= a[col * n + col];
        for (r = col + 1; r < n; r++) {
            double f = a[r * n + col] / a[col * n + col];
            for (j = col; j < n; j++)
                a[r * n + j] -= f * a[col * n + j];
        }
    }
    free(a);
    return det;
}

int mat_solve(const matrix *m, const double *b, double *x)
{
    size_t n = m->rows, w = n + 1, col, r, j;
    double *a;

    if (m->rows != m->cols || n == 0)
        return -1;
    /* Augmented matrix [A | b]. */
    a = malloc(n * w * sizeof(double));
    if (!a)
        return -1;
    for (r = 0; r < n; r++) {
        memcpy(a + r * w, m->a + r * n, n * sizeof(double));
        a[r * w + n] = b[r];
    }

    for (col = 0; col < n; col++) {
        size_t pivot = col;
        double best = fabs(a[col * w + col]);
        for (r = col + 1; r < n; r++) {
            if (fabs(a[r * w + col]) > best) {
                best = fabs(a[r * w + col]);
                pivot = r;
            }
        }
        if (best < 1e-12) {
            free(a);
            return -1;   /* singular (or numerically so) */
        }
        if (pivot != col)
            swap_rows(a, w, pivot, col);
        for (r = col + 1; r < n; r++) {
            double f = a[r * w + col] / a[col * w + col];
            for (j = col; j < w; j++)
                a[r * w + j] -= f * a[col * w + j];
        }
    }
    /* Back substitution. */
    for (r = n; r-- > 0;) {
        double s = a[r * w + n];
        for (j = r + 1; j < n; j++)
            s -= a[r * w + j] * x[j];
        x[r] = s / a[r * w + r];
    }
    free(a);
    return 0;
}
