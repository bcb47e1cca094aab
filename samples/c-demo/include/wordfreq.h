/* wordfreq.h - word frequency counting. */
#ifndef DEMO_WORDFREQ_H
#define DEMO_WORDFREQ_H

#include <stddef.h>
#include "hashmap.h"

typedef struct wf_item {
    const char *word;   /* borrowed from the wordfreq table */
    long count;
} wf_item;

typedef struct wordfreq {
    hashmap map;
    size_t total;       /* total words seen */
} wordfreq;

int wf_init(wordfreq *wf);
void wf_free(wordfreq *wf);
int wf_add_text(wordfreq *wf, const char *text, size_t len);
long wf_count(const wordfreq *wf, const char *word);
size_t wf_unique(const wordfreq *wf);

/* Fill out[0..max) with the most frequent words: count descending, ties by
 * word ascending. Returns the number written. */
size_t wf_top(const wordfreq *wf, wf_item *out, size_t max);

#endif
