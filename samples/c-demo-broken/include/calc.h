/* calc.h - arithmetic expression evaluator. */
#ifndef DEMO_CALC_H
#define DEMO_CALC_H

#include <stddef.h>

typedef enum calc_status {
    CALC_OK = 0,
    CALC_ERR_SYNTAX,
    CALC_ERR_DIV_ZERO,
    CALC_ERR_UNKNOWN,     /* unknown identifier or function */
    CALC_ERR_ARGS,        /* wrong number of function arguments */
    CALC_ERR_DEPTH,       /* nesting too deep */
    CALC_ERR_NOMEM
} calc_status;

/* Grammar:  expr   := term (('+' | '-') term)*
 *           term   := unary (('*' | '/' | '%') unary)*
 *           unary  := ('-' | '+') unary | power
 *           power  := primary ('^' unary)?          (right associative)
 *           primary:= number | name | name '(' args ')' | '(' expr ')'
 * Constants: pi, e.  Functions: sqrt abs ln exp floor ceil (1 arg),
 * min max sum mean median stddev (1+ args).
 * On error, *err_pos (if non-NULL) receives the byte offset of the problem. */
calc_status calc_eval(const char *expr, double *result, size_t *err_pos);

const char *calc_strerror(calc_status st);

#endif
