/* \summary: the flat list of named fields (see fields.h). */
#include "fields.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN (16u << 10)

struct field_block {
	struct field_block *next;
	size_t used, size;
	char data[];
};

void field_list_init(struct field_list *l)
{
	memset(l, 0, sizeof(*l));
	l->max_fields = FIELDS_DEFAULT_MAX;
	l->max_bytes = FIELDS_DEFAULT_MAX_BYTES;
}

static char *arena_alloc(struct field_list *l, size_t n)
{
	while (l->cur && l->cur->size - l->cur->used < n) {
		l->cur = l->cur->next;
		if (l->cur)
			l->cur->used = 0;
	}
	if (!l->cur) {
		size_t size = n > BLOCK_MIN ? n : BLOCK_MIN;
		struct field_block *b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = NULL;
		struct field_block **pp = &l->blocks;
		while (*pp)
			pp = &(*pp)->next;
		*pp = b;
		l->cur = b;
	}
	char *p = l->cur->data + l->cur->used;
	l->cur->used += n;
	return p;
}

static char *copy(struct field_list *l, const void *p, size_t n)
{
	char *s = arena_alloc(l, n + 1);
	if (!s)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	return s;
}

bool field_list_add(struct field_list *l, const char *path, size_t path_len, const char *key,
		    size_t key_len, const void *value, size_t value_len)
{
	size_t cost = path_len + key_len + value_len;
	if (l->n >= l->max_fields || cost > l->max_bytes - l->bytes) {
		l->truncated = true;
		return false;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct field *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->truncated = true;
			return false;
		}
		l->v = v;
		l->cap = cap;
	}
	struct field *f = &l->v[l->n];
	f->path = copy(l, path, path_len);
	f->key = copy(l, key, key_len);
	f->value = copy(l, value, value_len);
	if (!f->path || !f->key || !f->value) {
		l->truncated = true;
		return false;
	}
	f->value_len = value_len;
	l->n++;
	l->bytes += cost;
	return true;
}

void field_list_clear(struct field_list *l)
{
	l->n = 0;
	l->bytes = 0;
	l->truncated = false;
	l->cur = l->blocks;
	if (l->cur)
		l->cur->used = 0;
}

void field_list_free(struct field_list *l)
{
	for (struct field_block *b = l->blocks, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	free(l->v);
	l->v = NULL;
	l->blocks = l->cur = NULL;
	l->n = l->cap = 0;
}
