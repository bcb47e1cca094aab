/* vec.h - dynamic array of doubles. */
#ifndef DEMO_VEC_H
#define DEMO_VEC_H

#include <stddef.h>

typedef struct dvec {
    double *data;
    size_t len;
    size_t cap;
} dvec;

void dvec_init(dvec *v);
void dvec_free(dvec *v);
void dvec_clear(dvec *v);
int dvec_reserve(dvec *v, size_t cap);
int dvec_push(dvec *v, double x);          /* 0 ok, -1 out of memory */
int dvec_pop(dvec *v, double *out);        /* 0 ok, -1 when empty */
double dvec_get(const dvec *v, size_t i);  /* caller guarantees i < len */
void dvec_set(dvec *v, size_t i, double x);
double dvec_sum(const dvec *v);            /* Kahan-compensated sum */
void dvec_reverse(dvec *v);

#endif
