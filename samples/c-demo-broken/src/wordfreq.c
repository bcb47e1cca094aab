/* wordfreq.c - word frequency table built on hashmap + tokenizer. */
#include "wordfreq.h"
#include "sort.h"
#include "tokenize.h"

#include <stdlib.h>
#include <string.h>

int wf_init(wordfreq *wf)
{
    wf->total = 0;
    return hm_init(&wf->map, 64);
}

void wf_free(wordfreq *wf)
{
    hm_free(&wf->map);
    wf->total = 0;
}

int wf_add_text(wordfreq *wf, const char *text, size_t len)
{
    tokenizer t;
    const char *w;
    size_t wl;
    int rc = 0;

    tok_init(&t, text, len);
    while (tok_next(&t, &w, &wl)) {
        long *slot = hm_upsert_n(&wf->map, w, wl, 0);
        if (!slot) {
            rc = -1;
            break;
        }
        (*slot)++;
        wf->total++;
    }
    tok_free(&t);
    return rc;
}

long wf_count(const wordfreq *wf, const char *word)
{
    long *v = hm_get(&wf->map, word);
    return v ? *v : 0;
}

size_t wf_unique(const wordfreq *wf)
{
    return hm_count(&wf->map);
}

static int cmp_items(const void *a, const void *b, void *ctx)
{
    const wf_item *x = a, *y = b;

    (void)ctx;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->word, y->word);
}

size_t wf_top(const wordfreq *wf, wf_item *out, size_t max)
{
    size_t n = hm_count(&wf->map), it = 0, i = 0;
    wf_item *all;

    if (n == 0 || max == 0)
        return 0;
    all = malloc(n * sizeof(*all));
    if (!all)
        return 0;
    while (hm_next(&wf->map, &it, &all[i].word, &all[i].count))
        i++;
    if (sort_merge(all, n, sizeof(*all), cmp_items, NULL) != 0) {
        free(all);
        return 0;
    }
    if (max > n)
        max = n;
    memcpy(out, all, max * sizeof(*all));
    free(all);
    return max;
}
