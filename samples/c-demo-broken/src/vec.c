/* vec.c - dynamic array of doubles. */
#include "vec.h"

#include <stdlib.h>

void dvec_init(dvec *v)
{
    v->data = NULL;
    v->len = 0;
    v->cap = 0;
}

void dvec_free(dvec *v)
{
    free(v->data);
    dvec_init(v);
}

void dvec_clear(dvec *v)
{
    v->len = 0;
}

int dvec_reserve(dvec *v, size_t cap)
{
    double *p;

    if (cap <= v->cap)
        return 0;
    if (cap > ((size_t)-1) / sizeof(double))
        return -1;
    p = realloc(v->data, cap * sizeof(double));
    if (!p)
        return -1;
    v->data = p;
    v->cap = cap;
    return 0;
}

int dvec_push(dvec *v, double x)
{
    if (v->len == v->cap && dvec_reserve(v, v->cap ? v->cap * 2 : 8) != 0)
        return -1;
    v->data[v->len++] = x;
    return 0;
}

int dvec_pop(dvec *v, double *out)
{
    if (v->len == 0)
        return -1;
    v->len--;
    if (out)
        *out = v->data[v->len];
    return 0;
}

double dvec_get(const dvec *v, size_t i)
{
    return v->data[i];
}

void dvec_set(dvec *v, size_t i, double x)
{
    v->data[i] = x;
}

double dvec_sum(const dvec *v)
{
    double sum = 0.0, comp = 0.0;
    size_t i;

    for (i = 0; i < v->len; i++) {
        double y = v->data[i] - comp;
        double t = sum + y;
        comp = (t - sum) - y;
        sum = t;
    }
    return sum;
}

void dvec_reverse(dvec *v)
{
    size_t i, j;

    if (v->len < 2)
        return;
    for (i = 0, j = v->len - 1; i < j; i++, j--) {
        double t = v->data[i];
        v->data[i] = v->data[j];
        v->data[j] = t;
    }
}
