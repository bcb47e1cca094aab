/* main.c - command-line front end for the demo library. */
#include "base64.h"
#include "calc.h"
#include "checksum.h"
#include "matrix.h"
#include "stats.h"
#include "strbuf.h"
#include "tokenize.h"
#include "vec.h"
#include "wordfreq.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOP_WORDS 10

static void usage(FILE *to)
{
    fprintf(to,
            "usage: demo stats [FILE]       text statistics (stdin if no FILE)\n"
            "       demo calc EXPR...       evaluate arithmetic expressions\n"
            "       demo crc32 FILE...      CRC-32 and Adler-32 of files\n"
            "       demo b64enc | b64dec    base64 filter, stdin to stdout\n"
            "       demo det V1 .. Vn*n     determinant of a square matrix\n");
}

static int read_stream(FILE *f, strbuf *out)
{
    char buf[8192];
    size_t n;

    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (sb_append_n(out, buf, n) != 0)
            return -1;
    return ferror(f) ? -1 : 0;
}

static int read_path(const char *path, strbuf *out)
{
    FILE *f;
    int rc;

    if (strcmp(path, "-") == 0)
        return read_stream(stdin, out);
    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "demo: %s: %s\n", path, strerror(errno));
        return -1;
    }
    rc = read_stream(f, out);
    fclose(f);
    return rc;
}

static int cmd_stats(int argc, char **argv)
{
    strbuf text;
    wordfreq wf;
    wf_item top[TOP_WORDS];
    dvec lengths;
    stats_summary sum;
    tokenizer t;
    const char *w;
    size_t wl, ntop, i;
    int rc = 1;

    sb_init(&text);
    dvec_init(&lengths);
    if (read_path(argc > 2 ? argv[2] : "-", &text) != 0 || wf_init(&wf) != 0) {
        sb_free(&text);
        return 1;
    }
    if (wf_add_text(&wf, sb_cstr(&text), text.len) != 0)
        goto out;

    tok_init(&t, sb_cstr(&text), text.len);
    while (tok_next(&t, &w, &wl))
        if (dvec_push(&lengths, (double)wl) != 0)
            break;
    tok_free(&t);

    printf("bytes      %lu\n", (unsigned long)text.len);
    printf("lines      %lu\n", (unsigned long)tok_count_lines(sb_cstr(&text), text.len));
    printf("sentences  %lu\n", (unsigned long)tok_count_sentences(sb_cstr(&text), text.len));
    printf("words      %lu\n", (unsigned long)wf.total);
    printf("unique     %lu\n", (unsigned long)wf_unique(&wf));
    printf("crc32      %08lx\n", (unsigned long)crc32(sb_cstr(&text), text.len));
    printf("adler32    %08lx\n", (unsigned long)adler32(sb_cstr(&text), text.len));
    if (stats_summarize(lengths.data, lengths.len, &sum) == 0)
        printf("word length: min %.0f max %.0f mean %.2f median %.1f stddev %.2f\n",
               sum.min, sum.max, sum.mean, sum.median, sum.stddev);

    ntop = wf_top(&wf, top, TOP_WORDS);
    if (ntop > 0)
        printf("top words:\n");
    for (i = 0; i < ntop; i++)
        printf("  %6ld  %s\n", top[i].count, top[i].word);
    rc = 0;
out:
    wf_free(&wf);
    dvec_free(&lengths);
    sb_free(&text);
    return rc;
}

static int cmd_calc(int argc, char **argv)
{
    int i, rc = 0;

    for (i = 2; i < argc; i++) {
        double v;
        size_t pos = 0;
        calc_status st = calc_eval(argv[i], &v, &pos);
        if (st == CALC_OK) {
            printf("%.12g\n", v);
        } else {
            fprintf(stderr, "demo: %s\n      %*s^ %s\n", argv[i], (int)pos, "",
                    calc_strerror(st));
            rc = 1;
        }
    }
    return rc;
}

static int cmd_crc32(int argc, char **argv)
{
    int i, rc = 0;

    for (i = 2; i < argc; i++) {
        strbuf data;
        sb_init(&data);
        if (read_path(argv[i], &data) == 0)
            printf("%08lx %08lx  %s\n", (unsigned long)crc32(sb_cstr(&data), data.len),
                   (unsigned long)adler32(sb_cstr(&data), data.len), argv[i]);
        else
            rc = 1;
        sb_free(&data);
    }
    return rc;
}

static int cmd_b64(int decode)
{
    strbuf in;
    char *out;
    int rc = 0;

    sb_init(&in);
    if (read_stream(stdin, &in) != 0) {
        sb_free(&in);
        return 1;
    }
    out = malloc(decode ? b64_decoded_max(in.len) + 1 : b64_encoded_len(in.len) + 1);
    if (!out) {
        rc = 1;
    } else if (decode) {
        long n = b64_decode(sb_cstr(&in), in.len, (unsigned char *)out);
        if (n < 0) {
            fprintf(stderr, "demo: invalid base64 input\n");
            rc = 1;
        } else {
            fwrite(out, 1, (size_t)n, stdout);
        }
    } else {
        b64_encode((const unsigned char *)sb_cstr(&in), in.len, out);
        puts(out);
    }
    free(out);
    sb_free(&in);
    return rc;
}

static int cmd_det(int argc, char **argv)
{
    size_t count = (size_t)(argc - 2), n = 0, i;
    matrix m;

    while ((n + 1) * (n + 1) <= count)
        n++;
    if (n == 0 || n * n != count) {
        fprintf(stderr, "demo: det needs a square number of values, got %lu\n",
                (unsigned long)count);
        return 1;
    }
    if (mat_init(&m, n, n) != 0)
        return 1;
    for (i = 0; i < count; i++) {
        double v;
        size_t pos;
        if (calc_eval(argv[2 + i], &v, &pos) != CALC_OK) {
            fprintf(stderr, "demo: bad value '%s'\n", argv[2 + i]);
            mat_free(&m);
            return 1;
        }
        mat_set(&m, i / n, i % n, v);
    }
    printf("%.12g\n", mat_det(&m));
    mat_free(&m);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";

    if (strcmp(cmd, "stats") == 0)
        return cmd_stats(argc, argv);
    if (strcmp(cmd, "calc") == 0)
        return cmd_calc(argc, argv);
    if (strcmp(cmd, "crc32") == 0)
        return cmd_crc32(argc, argv);
    if (strcmp(cmd, "b64enc") == 0)
        return cmd_b64(0);
    if (strcmp(cmd, "b64dec") == 0)
        return cmd_b64(1);
    if (strcmp(cmd, "det") == 0)
        return cmd_det(argc, argv);
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
