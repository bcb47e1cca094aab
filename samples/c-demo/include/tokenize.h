/* tokenize.h - splitting text into lower-cased words. */
#ifndef DEMO_TOKENIZE_H
#define DEMO_TOKENIZE_H

#include <stddef.h>
#include "strbuf.h"

typedef struct tokenizer {
    const char *p;
    const char *end;
    strbuf word;
} tokenizer;

void tok_init(tokenizer *t, const char *text, size_t len);
void tok_free(tokenizer *t);

/* Advance to the next word. A word is a run of letters/digits, which may
 * contain single inner apostrophes or hyphens ("don't", "well-known").
 * Returns 1 and sets *word and *wlen (valid until the next call), or 0 at end. */
int tok_next(tokenizer *t, const char **word, size_t *wlen);

size_t tok_count_words(const char *text, size_t len);
size_t tok_count_lines(const char *text, size_t len);
size_t tok_count_sentences(const char *text, size_t len);

#endif
