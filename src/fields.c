/* \summary: the flat list of named fields (see fields.h). */
#include "fields.h"

#include <stdlib.h>
#include <string.h>

void field_list_init(struct field_list *l)
{
	memset(l, 0, sizeof(*l));
	l->max_fields = FIELDS_DEFAULT_MAX;
	l->max_bytes = FIELDS_DEFAULT_MAX_BYTES;
}

static char *dup_bytes(const void *p, size_t n)
{
	char *s = malloc(n + 1);
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
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct field *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->truncated = true;
			return false;
		}
		l->v = v;
		l->cap = cap;
	}
	struct field *f = &l->v[l->n];
	f->path = dup_bytes(path, path_len);
	f->key = dup_bytes(key, key_len);
	f->value = dup_bytes(value, value_len);
	if (!f->path || !f->key || !f->value) {
		free(f->path);
		free(f->key);
		free(f->value);
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
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].key);
		free(l->v[i].value);
	}
	l->n = 0;
	l->bytes = 0;
	l->truncated = false;
}

void field_list_free(struct field_list *l)
{
	field_list_clear(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}
