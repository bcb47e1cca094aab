/* hashmap.h - open-addressing hash map from C strings to long values. */
#ifndef DEMO_HASHMAP_H
#define DEMO_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct hm_slot {
    char *key;       /* owned copy; NULL marks an empty slot */
    long value;
    uint32_t hash;
} hm_slot;

typedef struct hashmap {
    hm_slot *slots;
    size_t cap;      /* always a power of two */
    size_t count;
} hashmap;

uint32_t hm_hash(const char *s, size_t len);   /* FNV-1a, 32 bit */

int hm_init(hashmap *m, size_t initial_cap);   /* 0 ok, -1 out of memory */
void hm_free(hashmap *m);
size_t hm_count(const hashmap *m);

long *hm_get(const hashmap *m, const char *key);
long *hm_get_n(const hashmap *m, const char *key, size_t len);
int hm_put(hashmap *m, const char *key, long value);
/* Returns the value slot for key, inserting `initial` if it was absent. */
long *hm_upsert_n(hashmap *m, const char *key, size_t len, long initial);
int hm_remove(hashmap *m, const char *key);    /* 1 removed, 0 absent */

/* Iterate: size_t it = 0; while (hm_next(m, &it, &k, &v)) { ... } */
int hm_next(const hashmap *m, size_t *iter, const char **key, long *value);

#endif
