/* matrix.h - small dense row-major matrices of doubles. */
#ifndef DEMO_MATRIX_H
#define DEMO_MATRIX_H

#include <stddef.h>

typedef struct matrix {
    size_t rows, cols;
    double *a;
} matrix;

int mat_init(matrix *m, size_t rows, size_t cols);   /* zero-filled */
void mat_free(matrix *m);
int mat_identity(matrix *m, size_t n);
double mat_get(const matrix *m, size_t r, size_t c);
void mat_set(matrix *m, size_t r, size_t c, double x);

/* out must be uninitialised or freed; it is (re)allocated. 0 ok, -1 error. */
int mat_mul(const matrix *x, const matrix *y, matrix *out);
int mat_transpose(const matrix *x, matrix *out);

double mat_det(const matrix *m);   /* NaN if not square */
/* Solve A x = b for square A by Gaussian elimination with partial pivoting.
 * Returns 0 ok, -1 if singular / not square / out of memory. */
int mat_solve(const matrix *a, const double *b, double *x);

#endif
