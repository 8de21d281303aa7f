/* \summary: string interning (see strtab.h): open addressing over an arena. */
#include "strtab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	char data[];
};

struct strtab {
	const char **slots; /* power of two */
	uint32_t *hashes;
	size_t nslots, count;
	struct arena_block *arena;
	size_t memory;
};

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a: strings are short and this is off the hot path */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

struct strtab *strtab_new(void)
{
	struct strtab *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->nslots = 256;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	t->hashes = calloc(t->nslots, sizeof(*t->hashes));
	if (!t->slots || !t->hashes) {
		strtab_free(t);
		return NULL;
	}
	return t;
}

void strtab_free(struct strtab *t)
{
	if (!t)
		return;
	for (struct arena_block *b = t->arena, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	free(t->slots);
	free(t->hashes);
	free(t);
}

static char *arena_alloc(struct strtab *t, size_t n)
{
	struct arena_block *b = t->arena;
	if (!b || b->size - b->used < n) {
		size_t size = n > 16384 ? n : 16384;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = t->arena;
		t->arena = b;
		t->memory += sizeof(*b) + size;
	}
	char *p = b->data + b->used;
	b->used += n;
	return p;
}

static int grow(struct strtab *t)
{
	size_t n = t->nslots * 2;
	const char **slots = calloc(n, sizeof(*slots));
	uint32_t *hashes = calloc(n, sizeof(*hashes));
	if (!slots || !hashes) {
		free(slots);
		free(hashes);
		return -1;
	}
	for (size_t i = 0; i < t->nslots; i++) {
		if (!t->slots[i])
			continue;
		size_t j = t->hashes[i] & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = t->slots[i];
		hashes[j] = t->hashes[i];
	}
	free(t->slots);
	free(t->hashes);
	t->slots = slots;
	t->hashes = hashes;
	t->nslots = n;
	return 0;
}

const char *strtab_intern(struct strtab *t, const char *s, size_t len)
{
	len = strnlen(s, len); /* an embedded NUL ends the string, so strncmp below is exact */
	uint32_t h = hash_bytes(s, len);
	size_t i = h & (t->nslots - 1);
	for (; t->slots[i]; i = (i + 1) & (t->nslots - 1))
		if (t->hashes[i] == h && strncmp(t->slots[i], s, len) == 0 && t->slots[i][len] == 0)
			return t->slots[i];
	if ((t->count + 1) * 2 > t->nslots) {
		if (grow(t) < 0)
			return NULL;
		return strtab_intern(t, s, len);
	}
	char *copy = arena_alloc(t, len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = 0;
	t->slots[i] = copy;
	t->hashes[i] = h;
	t->count++;
	return copy;
}
