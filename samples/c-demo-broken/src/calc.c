/* calc.c - recursive-descent expression evaluator. */
#include "calc.h"
#include "stats.h"
#include "vec.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CALC_MAX_DEPTH 64

typedef struct parser {
    const char *src;
    const char *p;
    int depth;
    calc_status status;
    const char *err_at;
} parser;

static double parse_expr(parser *ps);

static void fail(parser *ps, calc_status st, const char *at)
{
    if (ps->status == CALC_OK) {
        ps->status = st;
        ps->err_at = at;
    }
}

static void skip_ws(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static int accept(parser *ps, char c)
{
    skip_ws(ps);
    if (*ps->p == c) {
        ps->p++;
        return 1;
    }
    return 0;
}

static const struct { const char *name; double value; } constants[] = {
    { "pi", 3.14159265358979323846 },
    { "e", 2.71828182845904523536 },
};

static double apply_unary(const char *name, size_t len, double x, int *found)
{
    *found = 1;
    if (len == 4 && strncmp(name, "sqrt", 4) == 0) return sqrt(x);
    if (len == 3 && strncmp(name, "abs", 3) == 0) return fabs(x);
    if (len == 2 && strncmp(name, "ln", 2) == 0) return log(x);
    if (len == 3 && strncmp(name, "exp", 3) == 0) return exp(x);
    if (len == 5 && strncmp(name, "floor", 5) == 0) return floor(x);
    if (len == 4 && strncmp(name, "ceil", 4) == 0) return ceil(x);
    *found = 0;
    return 0.0;
}

static double apply_aggregate(const char *name, size_t len, const dvec *args, int *found)
{
    size_t i;
    double r;

    *found = 1;
    if (len == 3 && strncmp(name, "sum", 3) == 0)
        return dvec_sum(args);
    if (len == 4 && strncmp(name, "mean", 4) == 0)
        return stats_mean(args->data, args->len);
    if (len == 6 && strncmp(name, "median", 6) == 0)
        return stats_median(args->data, args->len);
    if (len == 6 && strncmp(name, "stddev", 6) == 0)
        return stats_stddev(args->data, args->len);
    if (len == 3 && (strncmp(name, "min", 3) == 0 || strncmp(name, "max", 3) == 0)) {
        int want_max = name[1] == 'a';
        r = args->data[0];
        for (i = 1; i < args->len; i++)
            if (want_max ? args->data[i] > r : args->data[i] < r)
                r = args->data[i];
        return r;
    }
    *found = 0;
    return 0.0;
}

static double parse_call(parser *ps, const char *name, size_t len)
{
    dvec args;
    double r = 0.0;
    int found;

    dvec_init(&args);
    if (!accept(ps, ')')) {
        do {
            double v = parse_expr(ps);
            if (ps->status != CALC_OK)
                break;
            if (dvec_push(&args, v) != 0) {
                fail(ps, CALC_ERR_NOMEM, ps->p);
                break;
            }
        } while (accept(ps, ','));
        if (ps->status == CALC_OK && !accept(ps, ')'))
            fail(ps, CALC_ERR_SYNTAX, ps->p);
    }
    if (ps->status == CALC_OK) {
        if (args.len == 1) {
            r = apply_unary(name, len, args.data[0], &found);
            if (!found)
                r = apply_aggregate(name, len, &args, &found);
        } else if (args.len > 1) {
            r = apply_aggregate(name, len, &args, &found);
            if (!found) {
                apply_unary(name, len, 0.0, &found);
                fail(ps, found ? CALC_ERR_ARGS : CALC_ERR_UNKNOWN, name);
                found = 1;
            }
        } else {
            found = 1;
            fail(ps, CALC_ERR_ARGS, name);
        }
        if (!found)
            fail(ps, CALC_ERR_UNKNOWN, name);
    }
    dvec_free(&args);
    return r;
}

static double parse_primary(parser *ps)
{
    const char *start;
    double v;
    size_t i;

    skip_ws(ps);
    start = ps->p;
    if (isdigit((unsigned char)*ps->p) || *ps->p == '.') {
        char *end;
        v = strtod(ps->p, &end);
        if (end == ps->p) {
            fail(ps, CALC_ERR_SYNTAX, ps->p);
            return 0.0;
        }
        ps->p = end;
        return v;
    }
    if (isalpha((unsigned char)*ps->p) || *ps->p == '_') {
        size_t len;
        while (isalnum((unsigned char)*ps->p) || *ps->p == '_')
            ps->p++;
        len = (size_t)(ps->p - start);
        if (accept(ps, '('))
            return parse_call(ps, start, len);
        for (i = 0; i < sizeof(constants) / sizeof(constants[0]); i++)
            if (strlen(constants[i].name) == len && strncmp(constants[i].name, start, len) == 0)
                return constants[i].value;
        fail(ps, CALC_ERR_UNKNOWN, start);
        return 0.0;
    }
    if (accept(ps, '(')) {
        v = parse_expr(ps);
        if (!accept(ps, ')'))
            fail(ps, CALC_ERR_SYNTAX, ps->p);
        return v;
    }
    fail(ps, CALC_ERR_SYNTAX, ps->p);
    return 0.0;
}

static double parse_unary(parser *ps);

static double parse_power(parser *ps)
{
    double base = parse_primary(ps);

    if (ps->status == CALC_OK && accept(ps, '^'))
        return pow(base, parse_unary(ps));
    return base;
}

static double parse_unary(parser *ps)
{
    double v;

    if (++ps->depth > CALC_MAX_DEPTH) {
        fail(ps, CALC_ERR_DEPTH, ps->p);
        return 0.0;
    }
    if (accept(ps, '-'))
        v = -parse_unary(ps);
    else if (accept(ps, '+'))
        v = parse_unary(ps);
    else
        v = parse_power(ps);
    ps->depth--;
    return v;
}

static double parse_term(parser *ps)
{
    double v = parse_unary(ps);

    while (ps->status == CALC_OK) {
        const char *op_at;
        double rhs;
        skip_ws(ps);
        op_at = ps->p;
        if (accept(ps, '*')) {
            v *= parse_unary(ps);
        } else if (accept(ps, '/')) {
            rhs = parse_unary(ps);
            if (rhs == 0.0)
                fail(ps, CALC_ERR_DIV_ZERO, op_at);
            else
                v /= rhs;
        } else if (accept(ps, '%')) {
            rhs = parse_unary(ps);
            if (rhs == 0.0)
                fail(ps, CALC_ERR_DIV_ZERO, op_at);
            else
                v = fmod(v, rhs);
        } else {
            break;
        }
    }
    return v;
}

static double parse_expr(parser *ps)
{
    double v;

    if (++ps->depth > CALC_MAX_DEPTH) {
        fail(ps, CALC_ERR_DEPTH, ps->p);
        return 0.0;
    }
    v = parse_term(ps);
    while (ps->status == CALC_OK) {
        if (accept(ps, '+'))
            v += parse_term(ps);
        else if (accept(ps, '-'))
            v -= parse_term(ps);
        else
            break;
    }
    ps->depth--;
    return v;
}

calc_status calc_eval(const char *expr, double *result, size_t *err_pos)
{
    parser ps;
    double v;

    ps.src = expr;
    ps.p = expr;
    ps.depth = 0;
    ps.status = CALC_OK;
    ps.err_at = NULL;

    v = parse_expr(&ps);
    skip_ws(&ps);
    if (ps.status == CALC_OK && *ps.p != '\0')
        fail(&ps, CALC_ERR_SYNTAX, ps.p);
    if (ps.status != CALC_OK) {
        if (err_pos)
            *err_pos = (size_t)(ps.err_at - ps.src);
        return ps.status;
    }
    if (result)
        *result = v;
    return CALC_OK;
}

const char *calc_strerror(calc_status st)
{
    switch (st) {
    case CALC_OK:           return "ok";
    case CALC_ERR_SYNTAX:   return "syntax error";
    case CALC_ERR_DIV_ZERO: return "division by zero";
    case CALC_ERR_UNKNOWN:  return "unknown name";
    case CALC_ERR_ARGS:     return "wrong number of arguments";
    case CALC_ERR_DEPTH:    return "expression nested too deeply";
    case CALC_ERR_NOMEM:    return "out of memory";
    }
    return "unknown error";
}
