/* hashmap.c - linear-probing hash map with backward-shift deletion. */
#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

#define HM_MIN_CAP 8

uint32_t hm_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static size_t round_pow2(size_t n)
{
    size_t c = HM_MIN_CAP;

    while (c < n)
        c <<= 1;
    return c;
}

int hm_init(hashmap *m, size_t initial_cap)
{
    m->cap = round_pow2(initial_cap);
    m->count = 0;
    m->slots = calloc(m->cap, sizeof(hm_slot));
    return m->slots ? 0 : -1;
}

void hm_free(hashmap *m)
{
    size_t i;

    if (m->slots) {
        for (i = 0; i < m->cap; i++)
            free(m->slots[i].key);
    }
    free(m->slots);
    m->slots = NULL;
    m->cap = 0;
    m->count = 0;
}

size_t hm_count(const hashmap *m)
{
    return m->count;
}

/* Index of the slot holding key, or of the empty slot where it would go. */
static size_t find_slot(const hashmap *m, const char *key, size_t len, uint32_t h)
{
    size_t mask = m->cap - 1;
    size_t i = h & mask;

    while (m->slots[i].key) {
        if (m->slots[i].hash == h && strncmp(m->slots[i].key, key, len) == 0
            && m->slots[i].key[len] == '\0')
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

static int grow(hashmap *m)
{
    hm_slot *old = m->slots;
    size_t old_cap = m->cap, i;
    hm_slot *fresh = calloc(old_cap * 2, sizeof(hm_slot));

    if (!fresh)
        return -1;
    m->slots = fresh;
    m->cap = old_cap * 2;
    for (i = 0; i < old_cap; i++) {
        if (old[i].key) {
            size_t j = old[i].hash & (m->cap - 1);
            while (m->slots[j].key)
                j = (j + 1) & (m->cap - 1);
            m->slots[j] = old[i];
        }
    }
    free(old);
    return 0;
}

long *hm_get_n(const hashmap *m, const char *key, size_t len)
{
    size_t i;

    if (m->count == 0)
        return NULL;
    i = find_slot(m, key, len, hm_hash(key, len));
    return m->slots[i].key ? &m->slots[i].value : NULL;
}

long *hm_get(const hashmap *m, const char *key)
{
    return hm_get_n(m, key, strlen(key));
}

long *hm_upsert_n(hashmap *m, const char *key, size_t len, long initial)
{
    uint32_t h = hm_hash(key, len);
    size_t i;
    char *copy;

    /* Keep the load factor at or below 3/4. */
    if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != 0)
        return NULL;
    i = find_slot(m, key, len, h);
    if (m->slots[i].key)
        return &m->slots[i].value;
    copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, key, len);
    copy[len] = '\0';
    m->slots[i].key = copy;
    m->slots[i].hash = h;
    m->slots[i].value = initial;
    m->count++;
    return &m->slots[i].value;
}

int hm_put(hashmap *m, const char *key, long value)
{
    long *slot = hm_upsert_n(m, key, strlen(key), value);

    if (!slot)
        return -1;
    *slot = value;
    return 0;
}

int hm_remove(hashmap *m, const char *key)
{
    size_t len = strlen(key), mask = m->cap - 1;
    size_t i, j;

    if (m->count == 0)
        return 0;
    i = find_slot(m, key, len, hm_hash(key, len));
    if (!m->slots[i].key)
        return 0;
    free(m->slots[i].key);
    m->slots[i].key = NULL;
    m->count--;

    /* Backward-shift: pull later members of the probe run into the hole. */
    j = i;
    for (;;) {
        size_t home;
        j = (j + 1) & mask;
        if (!m->slots[j].key)
            break;
        home = m->slots[j].hash & mask;
        /* Move j into hole i unless its home lies cyclically in (i, j]. */
        if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
            m->slots[i] = m->slots[j];
            m->slots[j].key = NULL;
            i = j;
        }
    }
    return 1;
}

int hm_next(const hashmap *m, size_t *iter, const char **key, long *value)
{
    while (*iter < m->cap) {
        const hm_slot *s = &m->slots[(*iter)++];
        if (s->key) {
            if (key)
                *key = s->key;
            if (value)
                *value = s->value;
            return 1;
        }
    }
    return 0;
}
