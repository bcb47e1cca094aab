/* test_demo.c - assertion-based tests for the demo library. */
#include "base64.h"
#include "calc.h"
#include "checksum.h"
#include "hashmap.h"
#include "matrix.h"
#include "sort.h"
#include "stats.h"
#include "strbuf.h"
#include "tokenize.h"
#include "vec.h"
#include "wordfreq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tests_run;
static int tests_failed;

#define CHECK(cond)                                                          \
    do {                                                                     \
        tests_run++;                                                         \
        if (!(cond)) {                                                       \
            tests_failed++;                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_NEAR(a, b, eps) CHECK(fabs((double)(a) - (double)(b)) <= (eps))
#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

static void test_strbuf(void)
{
    strbuf sb;
    char *s;
    int i, ok = 1;

    sb_init(&sb);
    CHECK_STR(sb_cstr(&sb), "");
    CHECK(sb_append(&sb, "hello") == 0);
    CHECK(sb_append_char(&sb, ',') == 0);
    CHECK(sb_printf(&sb, " %s #%d", "world", 42) == 0);
    CHECK_STR(sb_cstr(&sb), "hello, world #42");
    CHECK(sb.len == 16);
    for (i = 0; i < 1000; i++)
        if (sb_append_n(&sb, "xy", 1) != 0)
            ok = 0;
    CHECK(ok);
    CHECK(sb.len == 1016);
    CHECK(sb.data[1015] == 'x' && sb.data[1016] == '\0');
    sb_clear(&sb);
    CHECK(sb.len == 0);
    sb_append(&sb, "trim me \t\n");
    sb_rtrim(&sb);
    CHECK_STR(sb_cstr(&sb), "trim me");
    s = sb_detach(&sb);
    CHECK_STR(s, "trim me");
    CHECK(sb.data == NULL && sb.len == 0);
    free(s);
    sb_free(&sb);
}

static void test_vec(void)
{
    dvec v;
    double x = 0.0;
    int i, ok = 1;

    dvec_init(&v);
    CHECK(dvec_pop(&v, &x) == -1);
    for (i = 1; i <= 100; i++)
        if (dvec_push(&v, (double)i) != 0)
            ok = 0;
    CHECK(ok);
    CHECK(v.len == 100);
    CHECK_NEAR(dvec_sum(&v), 5050.0, 1e-9);
    dvec_reverse(&v);
    CHECK(dvec_get(&v, 0) == 100.0 && dvec_get(&v, 99) == 1.0);
    dvec_set(&v, 0, -1.0);
    CHECK(dvec_pop(&v, &x) == 0 && x == 1.0);
    CHECK(v.len == 99 && dvec_get(&v, 0) == -1.0);
    dvec_clear(&v);
    CHECK(v.len == 0);
    dvec_free(&v);
}

static void test_hashmap(void)
{
    hashmap m;
    char key[32];
    const char *k;
    long v, total = 0;
    size_t it = 0, seen = 0;
    int i, ok = 1;

    CHECK(hm_init(&m, 4) == 0);
    CHECK(hm_get(&m, "missing") == NULL);
    for (i = 0; i < 1000; i++) {
        sprintf(key, "key%d", i);
        if (hm_put(&m, key, i) != 0)
            ok = 0;
    }
    CHECK(ok);
    CHECK(hm_count(&m) == 1000);
    CHECK(*hm_get(&m, "key0") == 0);
    CHECK(*hm_get(&m, "key999") == 999);
    CHECK(hm_put(&m, "key5", 55) == 0 && *hm_get(&m, "key5") == 55);
    CHECK(hm_count(&m) == 1000);
    CHECK(hm_get_n(&m, "key12345", 5) != NULL && *hm_get_n(&m, "key12345", 5) == 12);

    /* Remove every even key; odd keys must survive the backward shifts. */
    for (i = 0; i < 1000; i += 2) {
        sprintf(key, "key%d", i);
        if (hm_remove(&m, key) != 1)
            ok = 0;
    }
    CHECK(ok);
    CHECK(hm_remove(&m, "key0") == 0);
    CHECK(hm_count(&m) == 500);
    for (i = 0; i < 1000; i++) {
        long *p;
        sprintf(key, "key%d", i);
        p = hm_get(&m, key);
        if ((i % 2 == 0) != (p == NULL) || (p && *p != (i == 5 ? 55 : i)))
            ok = 0;
    }
    CHECK(ok);
    while (hm_next(&m, &it, &k, &v)) {
        seen++;
        total += v;
    }
    CHECK(seen == 500);
    CHECK(total == 250000 + 50);   /* sum of odd numbers < 1000, key5 = 55 */
    CHECK(hm_hash("", 0) == 2166136261u);
    CHECK(hm_hash("a", 1) == 0xe40c292cu);
    hm_free(&m);
}

static void test_tokenize(void)
{
    const char *text = "Don't panic!  It's a well-known fact -- 42 is THE answer.\nReally?";
    tokenizer t;
    const char *w;
    size_t wl;
    const char *expect[] = { "don't", "panic", "it's", "a", "well-known", "fact",
                             "42", "is", "the", "answer", "really" };
    size_t i = 0;
    int ok = 1;

    tok_init(&t, text, strlen(text));
    while (tok_next(&t, &w, &wl)) {
        if (i >= sizeof(expect) / sizeof(expect[0]) || strcmp(w, expect[i]) != 0
            || wl != strlen(expect[i]))
            ok = 0;
        i++;
    }
    tok_free(&t);
    CHECK(ok);
    CHECK(i == 11);
    CHECK(tok_count_words(text, strlen(text)) == 11);
    CHECK(tok_count_words("", 0) == 0);
    CHECK(tok_count_words(" -- '' ", 7) == 0);
    CHECK(tok_count_lines(text, strlen(text)) == 2);
    CHECK(tok_count_lines("a\nb\n", 4) == 2);
    CHECK(tok_count_lines("", 0) == 0);
    CHECK(tok_count_sentences(text, strlen(text)) == 3);
    CHECK(tok_count_sentences("Wait... what", 12) == 2);
}

static int cmp_int(const void *a, const void *b, void *ctx)
{
    int x = *(const int *)a, y = *(const int *)b;
    (void)ctx;
    return (x > y) - (x < y);
}

struct pair { int key; int seq; };

static int cmp_pair_key(const void *a, const void *b, void *ctx)
{
    const struct pair *x = a, *y = b;
    (void)ctx;
    return (x->key > y->key) - (x->key < y->key);
}

static void test_sort(void)
{
    int xs[500];
    struct pair ps[300];
    double ds[257];
    unsigned seed = 12345u;
    int i, stable = 1;

    for (i = 0; i < 500; i++) {
        seed = seed * 1103515245u + 12345u;
        xs[i] = (int)((seed >> 16) % 1000u) - 500;
    }
    CHECK(sort_merge(xs, 500, sizeof(int), cmp_int, NULL) == 0);
    CHECK(sort_is_sorted(xs, 500, sizeof(int), cmp_int, NULL));

    for (i = 0; i < 300; i++) {
        ps[i].key = (i * 7) % 5;
        ps[i].seq = i;
    }
    CHECK(sort_merge(ps, 300, sizeof(ps[0]), cmp_pair_key, NULL) == 0);
    for (i = 1; i < 300; i++)
        if (ps[i - 1].key == ps[i].key && ps[i - 1].seq > ps[i].seq)
            stable = 0;
    CHECK(stable);
    CHECK(ps[0].key == 0 && ps[299].key == 4);

    for (i = 0; i < 257; i++)
        ds[i] = (double)((i * 101) % 257);
    sort_doubles(ds, 257);
    for (i = 0; i < 257; i++)
        if (ds[i] != (double)i)
            stable = 0;
    CHECK(stable);
    CHECK(sort_lower_bound(ds, 257, 100.0) == 100);
    CHECK(sort_lower_bound(ds, 257, 99.5) == 100);
    CHECK(sort_lower_bound(ds, 257, -1.0) == 0);
    CHECK(sort_lower_bound(ds, 257, 1000.0) == 257);
    CHECK(sort_merge(xs, 0, sizeof(int), cmp_int, NULL) == 0);
}

static void test_stats(void)
{
    const double xs[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
    const double one[] = { 3.5 };
    stats_summary s;

    CHECK_NEAR(stats_mean(xs, 8), 5.0, 1e-12);
    CHECK_NEAR(stats_variance(xs, 8), 32.0 / 7.0, 1e-12);
    CHECK_NEAR(stats_stddev(xs, 8), sqrt(32.0 / 7.0), 1e-12);
    CHECK_NEAR(stats_median(xs, 8), 4.5, 1e-12);
    CHECK_NEAR(stats_percentile_sorted(xs, 8, 0), 2.0, 1e-12);
    CHECK_NEAR(stats_percentile_sorted(xs, 8, 100), 9.0, 1e-12);
    CHECK_NEAR(stats_percentile_sorted(xs, 8, 25), 4.0, 1e-12);
    CHECK(stats_summarize(xs, 8, &s) == 0);
    CHECK(s.n == 8 && s.min == 2.0 && s.max == 9.0);
    CHECK_NEAR(s.median, 4.5, 1e-12);
    CHECK(stats_summarize(xs, 0, &s) == -1);
    CHECK(stats_variance(one, 1) == 0.0);
    CHECK(isnan(stats_median(xs, 0)));
}

static void test_wordfreq(void)
{
    const char *text = "the cat and the hat. The bat? and THE rat";
    wordfreq wf;
    wf_item top[3];
    size_t n;

    CHECK(wf_init(&wf) == 0);
    CHECK(wf_add_text(&wf, text, strlen(text)) == 0);
    CHECK(wf.total == 10);
    CHECK(wf_unique(&wf) == 6);
    CHECK(wf_count(&wf, "the") == 4);
    CHECK(wf_count(&wf, "and") == 2);
    CHECK(wf_count(&wf, "dog") == 0);
    n = wf_top(&wf, top, 3);
    CHECK(n == 3);
    CHECK_STR(top[0].word, "the");
    CHECK(top[0].count == 4);
    CHECK_STR(top[1].word, "and");
    CHECK_STR(top[2].word, "bat");    /* ties broken alphabetically */
    wf_free(&wf);
}

static void test_matrix(void)
{
    matrix a, b, c, t, id;
    double x[3];
    const double rhs[3] = { 8, -11, -3 };

    CHECK(mat_init(&a, 2, 3) == 0);
    CHECK(mat_init(&b, 3, 2) == 0);
    mat_set(&a, 0, 0, 1); mat_set(&a, 0, 1, 2); mat_set(&a, 0, 2, 3);
    mat_set(&a, 1, 0, 4); mat_set(&a, 1, 1, 5); mat_set(&a, 1, 2, 6);
    mat_set(&b, 0, 0, 7); mat_set(&b, 0, 1, 8);
    mat_set(&b, 1, 0, 9); mat_set(&b, 1, 1, 10);
    mat_set(&b, 2, 0, 11); mat_set(&b, 2, 1, 12);
    CHECK(mat_mul(&a, &b, &c) == 0);
    CHECK(c.rows == 2 && c.cols == 2);
    CHECK(mat_get(&c, 0, 0) == 58 && mat_get(&c, 0, 1) == 64);
    CHECK(mat_get(&c, 1, 0) == 139 && mat_get(&c, 1, 1) == 154);
    CHECK_NEAR(mat_det(&c), 58.0 * 154 - 64.0 * 139, 1e-9);
    CHECK(mat_mul(&a, &a, &t) == -1);
    CHECK(isnan(mat_det(&a)));
    CHECK(mat_transpose(&a, &t) == 0);
    CHECK(t.rows == 3 && t.cols == 2 && mat_get(&t, 2, 1) == 6);
    mat_free(&t);
    mat_free(&c);

    CHECK(mat_identity(&id, 4) == 0);
    CHECK(mat_det(&id) == 1.0);
    mat_free(&id);

    /* Classic 3x3 system: solution (2, 3, -1). */
    mat_free(&a);
    CHECK(mat_init(&a, 3, 3) == 0);
    mat_set(&a, 0, 0, 2);  mat_set(&a, 0, 1, 1);  mat_set(&a, 0, 2, -1);
    mat_set(&a, 1, 0, -3); mat_set(&a, 1, 1, -1); mat_set(&a, 1, 2, 2);
    mat_set(&a, 2, 0, -2); mat_set(&a, 2, 1, 1);  mat_set(&a, 2, 2, 2);
    CHECK(mat_solve(&a, rhs, x) == 0);
    CHECK_NEAR(x[0], 2.0, 1e-9);
    CHECK_NEAR(x[1], 3.0, 1e-9);
    CHECK_NEAR(x[2], -1.0, 1e-9);
    CHECK_NEAR(mat_det(&a), -1.0, 1e-9);

    /* Singular: third row = first + second. */
    mat_set(&a, 2, 0, -1); mat_set(&a, 2, 1, 0); mat_set(&a, 2, 2, 1);
    CHECK(mat_solve(&a, rhs, x) == -1);
    CHECK_NEAR(mat_det(&a), 0.0, 1e-9);
    mat_free(&a);
    mat_free(&b);
}

static void test_checksum(void)
{
    const char *fox = "The quick brown fox jumps over the lazy dog";
    uint32_t part;

    CHECK(crc32("", 0) == 0u);
    CHECK(crc32("123456789", 9) == 0xCBF43926u);
    CHECK(crc32(fox, strlen(fox)) == 0x414FA339u);
    part = crc32_update(0, fox, 10);
    CHECK(crc32_update(part, fox + 10, strlen(fox) - 10) == 0x414FA339u);
    CHECK(adler32("", 0) == 1u);
    CHECK(adler32("Wikipedia", 9) == 0x11E60398u);
    CHECK(adler32("123456789", 9) == 0x091E01DEu);
}

static void test_base64(void)
{
    const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    const char *coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    char enc[64];
    unsigned char dec[64], bytes[256];
    size_t i;
    long n;
    int ok = 1;

    for (i = 0; i < 7; i++) {
        size_t len = strlen(plain[i]);
        CHECK(b64_encode((const unsigned char *)plain[i], len, enc) == b64_encoded_len(len));
        CHECK_STR(enc, coded[i]);
        n = b64_decode(coded[i], strlen(coded[i]), dec);
        CHECK(n == (long)len && memcmp(dec, plain[i], len) == 0);
    }
    CHECK(b64_decode("Zm9v\nYmFy", 9, dec) == 6);
    CHECK(b64_decode("Zm9vYg", 6, dec) == 4);       /* unpadded */
    CHECK(b64_decode("Zm9v!", 5, dec) == -1);
    CHECK(b64_decode("Zg==Zg==", 8, dec) == -1);
    CHECK(b64_decode("Z", 1, dec) == -1);
    CHECK(b64_decode("Zg=", 3, dec) == -1);

    for (i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;
    {
        char big[400];
        unsigned char back[300];
        b64_encode(bytes, 256, big);
        n = b64_decode(big, strlen(big), back);
        if (n != 256 || memcmp(back, bytes, 256) != 0)
            ok = 0;
    }
    CHECK(ok);
}

static double eval_ok(const char *expr)
{
    double v = NAN;
    size_t pos;
    calc_status st = calc_eval(expr, &v, &pos);

    if (st != CALC_OK)
        fprintf(stderr, "calc_eval(\"%s\") failed: %s at %lu\n", expr,
                calc_strerror(st), (unsigned long)pos);
    return v;
}

static void test_calc(void)
{
    size_t pos = 0;
    double v;

    CHECK_NEAR(eval_ok("1 + 2 * 3"), 7.0, 1e-12);
    CHECK_NEAR(eval_ok("(1 + 2) * 3"), 9.0, 1e-12);
    CHECK_NEAR(eval_ok("2 ^ 3 ^ 2"), 512.0, 1e-9);
    CHECK_NEAR(eval_ok("-2 ^ 2"), -4.0, 1e-12);
    CHECK_NEAR(eval_ok("10 - 4 - 3"), 3.0, 1e-12);
    CHECK_NEAR(eval_ok("7 % 4 + 1.5e1"), 18.0, 1e-12);
    CHECK_NEAR(eval_ok("sqrt(16) + abs(-3)"), 7.0, 1e-12);
    CHECK_NEAR(eval_ok("2 * pi"), 6.283185307179586, 1e-12);
    CHECK_NEAR(eval_ok("ln(e)"), 1.0, 1e-12);
    CHECK_NEAR(eval_ok("max(3, 9, -1) - min(4, 2)"), 7.0, 1e-12);
    CHECK_NEAR(eval_ok("mean(1, 2, 3, 4) + median(5, 1, 3)"), 5.5, 1e-12);
    CHECK_NEAR(eval_ok("sum(1, 2, 3) * floor(2.7) / ceil(0.2)"), 12.0, 1e-12);

    CHECK(calc_eval("1 / 0", &v, &pos) == CALC_ERR_DIV_ZERO && pos == 2);
    CHECK(calc_eval("1 + ", &v, &pos) == CALC_ERR_SYNTAX && pos == 4);
    CHECK(calc_eval("(1 + 2", &v, &pos) == CALC_ERR_SYNTAX);
    CHECK(calc_eval("2 3", &v, &pos) == CALC_ERR_SYNTAX && pos == 2);
    CHECK(calc_eval("foo + 1", &v, &pos) == CALC_ERR_UNKNOWN && pos == 0);
    CHECK(calc_eval("1 + bar(2)", &v, &pos) == CALC_ERR_UNKNOWN && pos == 4);
    CHECK(calc_eval("sqrt(1, 2)", &v, &pos) == CALC_ERR_ARGS);
    CHECK(calc_eval("max()", &v, &pos) == CALC_ERR_ARGS);
    {
        char deep[300];
        memset(deep, '(', 200);
        strcpy(deep + 200, "1");
        CHECK(calc_eval(deep, &v, &pos) == CALC_ERR_DEPTH);
    }
    CHECK_STR(calc_strerror(CALC_ERR_DIV_ZERO), "division by zero");
}

int main(void)
{
    test_strbuf();
    test_vec();
    test_hashmap();
    test_tokenize();
    test_sort();
    test_stats();
    test_wordfreq();
    test_matrix();
    test_checksum();
    test_base64();
    test_calc();

    if (tests_failed) {
        fprintf(stderr, "%d of %d tests FAILED\n", tests_failed, tests_run);
        return 1;
    }
    printf("all %d tests passed\n", tests_run);
    return 0;
}
