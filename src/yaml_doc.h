/* \summary: reading YAML documents with libyaml (the one file that calls it).
 *
 * A document is loaded whole (signature and profile files are small) and
 * read through typed accessors that report `file:line: message` errors.
 */
#ifndef PA_YAML_DOC_H
#define PA_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

struct ydoc {
	yaml_document_t doc;
	const char *path;
	bool loaded;
	int errors;          /* problems reported through ydoc_error */
	void (*report)(void *ctx, const char *path, unsigned line, const char *msg);
	void *ctx;
};

typedef yaml_node_t ynode;

/* Loads path; on a syntax error reports it (with its line) and returns false. */
bool ydoc_load(struct ydoc *d, const char *path,
	       void (*report)(void *ctx, const char *path, unsigned line, const char *msg), void *ctx);
void ydoc_free(struct ydoc *d);

ynode *ydoc_root(struct ydoc *d);
unsigned ydoc_line(const ynode *n);
void ydoc_error(struct ydoc *d, const ynode *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

bool ynode_is_map(const ynode *n);
bool ynode_is_seq(const ynode *n);
bool ynode_is_scalar(const ynode *n);
/* The scalar's text (NUL-terminated by libyaml), or NULL when n is not a scalar. */
const char *ynode_str(const ynode *n);
/* Value of `key` in a mapping, or NULL. */
ynode *ynode_get(struct ydoc *d, const ynode *map, const char *key);
/* The i-th item of a sequence, or NULL past the end. */
ynode *ynode_item(struct ydoc *d, const ynode *seq, size_t i);
size_t ynode_len(const ynode *seq);
/* Iterates a mapping: key and value of pair i, false past the end. */
bool ynode_pair(struct ydoc *d, const ynode *map, size_t i, ynode **key, ynode **value);

/* libyaml's version, for the report. */
const char *ydoc_library_version(void);

#endif
