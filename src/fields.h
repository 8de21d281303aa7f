/* \summary: the flat list of named fields extracted from one request.
 *
 * A field is {path, key, value}: `path` locates it (`query.uid`,
 * `header.x-device-id`, `cookie.sid`, `body.user.profile.occupation`,
 * `body.events[3].name`, `body.data{json}.imei`), `key` is its last name
 * component (`uid`, `imei`; for array elements the parent's key), `value` the
 * decoded bytes (may hold any byte, NUL included; always NUL-terminated after
 * `len` for convenience).  The list owns all strings, kept in an arena
 * that a clear recycles, so a steady stream of requests allocates nothing.  It caps the number of
 * fields and the bytes they hold; a field past a cap is dropped and
 * `truncated` is set so the report can say so.
 */
#ifndef PA_FIELDS_H
#define PA_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct field {
	char *path;
	char *key;
	char *value;
	size_t value_len;
};

struct field_block;

struct field_list {
	struct field *v;
	size_t n, cap;
	struct field_block *blocks, *cur; /* arena for the strings, reused after a clear */
	size_t max_fields; /* cap on n */
	size_t max_bytes;  /* cap on the sum of path+key+value lengths */
	size_t bytes;
	bool truncated;    /* a field was dropped at a cap */
};

#define FIELDS_DEFAULT_MAX 4096
#define FIELDS_DEFAULT_MAX_BYTES (4u << 20)

void field_list_init(struct field_list *l);
/* Copies path, key and value; returns false when dropped (cap or OOM). */
bool field_list_add(struct field_list *l, const char *path, size_t path_len, const char *key,
		    size_t key_len, const void *value, size_t value_len);
/* Empties the list, keeping its memory for the next request. */
void field_list_clear(struct field_list *l);
void field_list_free(struct field_list *l);

#endif
