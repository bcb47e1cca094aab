/* tokenize.c - word, line and sentence tokenisation. */
#include "tokenize.h"

#include <ctype.h>

static int is_word_char(char c)
{
    return isalnum((unsigned char)c) != 0;
}

static int is_joiner(char c)
{
    return c == '\'' || c == '-';
}

void tok_init(tokenizer *t, const char *text, size_t len)
{
    t->p = text;
    t->end = text + len;
    sb_init(&t->word);
}

void tok_free(tokenizer *t)
{
    sb_free(&t->word);
}

int tok_next(tokenizer *t, const char **word, size_t *wlen)
{
    while (t->p < t->end && !is_word_char(*t->p))
        t->p++;
    if (t->p >= t->end)
        return 0;

    sb_clear(&t->word);
    while (t->p < t->end) {
        char c = *t->p;
        if (is_word_char(c)) {
            if (sb_append_char(&t->word, (char)tolower((unsigned char)c)) != 0)
                return 0;
            t->p++;
        } else if (is_joiner(c) && t->p + 1 < t->end && is_word_char(t->p[1])) {
            if (sb_append_char(&t->word, c) != 0)
                return 0;
            t->p++;
        } else {
            break;
        }
    }
    *word = sb_cstr(&t->word);
    *wlen = t->word.len;
    return 1;
}

size_t tok_count_words(const char *text, size_t len)
{
    tokenizer t;
    const char *w;
    size_t wl, n = 0;

    tok_init(&t, text, len);
    while (tok_next(&t, &w, &wl))
        n++;
    tok_free(&t);
    return n;
}

size_t tok_count_lines(const char *text, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++)
        if (text[i] == '\n')
            n++;
    if (len > 0 && text[len - 1] != '\n')
        n++;   /* unterminated last line still counts */
    return n;
}

size_t tok_count_sentences(const char *text, size_t len)
{
    size_t i, n = 0;
    int in_sentence = 0;

    for (i = 0; i < len; i++) {
        char c = text[i];
        if (c == '.' || c == '!' || c == '?') {
            if (in_sentence)
                n++;
            in_sentence = 0;
        } else if (is_word_char(c)) {
            in_sentence = 1;
        }
    }
    return n + (size_t)in_sentence;
}
