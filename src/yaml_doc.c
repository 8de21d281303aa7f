/* \summary: YAML documents through libyaml (see yaml_doc.h). */
#include "yaml_doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool ydoc_load(struct ydoc *d, const char *path,
	       void (*report)(void *ctx, const char *path, unsigned line, const char *msg), void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->path = path;
	d->report = report;
	d->ctx = ctx;
	FILE *f = fopen(path, "rb");
	if (!f) {
		char msg[256];
		snprintf(msg, sizeof(msg), "cannot read: %m");
		report(ctx, path, 0, msg);
		d->errors++;
		return false;
	}
	yaml_parser_t p;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	bool ok = yaml_parser_load(&p, &d->doc) != 0;
	if (!ok) {
		char msg[512];
		snprintf(msg, sizeof(msg), "YAML %s%s%s", p.problem ? p.problem : "syntax error",
			 p.context ? " " : "", p.context ? p.context : "");
		report(ctx, path, (unsigned)p.problem_mark.line + 1, msg);
		d->errors++;
	} else {
		d->loaded = true;
	}
	yaml_parser_delete(&p);
	fclose(f);
	return ok;
}

void ydoc_free(struct ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
}

ynode *ydoc_root(struct ydoc *d) { return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL; }

unsigned ydoc_line(const ynode *n) { return n ? (unsigned)n->start_mark.line + 1 : 0; }

void ydoc_error(struct ydoc *d, const ynode *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->errors++;
	d->report(d->ctx, d->path, ydoc_line(n), msg);
}

bool ynode_is_map(const ynode *n) { return n && n->type == YAML_MAPPING_NODE; }
bool ynode_is_seq(const ynode *n) { return n && n->type == YAML_SEQUENCE_NODE; }
bool ynode_is_scalar(const ynode *n) { return n && n->type == YAML_SCALAR_NODE; }

const char *ynode_str(const ynode *n)
{
	return ynode_is_scalar(n) ? (const char *)n->data.scalar.value : NULL;
}

bool ynode_pair(struct ydoc *d, const ynode *map, size_t i, ynode **key, ynode **value)
{
	if (!ynode_is_map(map))
		return false;
	yaml_node_pair_t *p = map->data.mapping.pairs.start + i;
	if (p >= map->data.mapping.pairs.top)
		return false;
	*key = yaml_document_get_node(&d->doc, p->key);
	*value = yaml_document_get_node(&d->doc, p->value);
	return true;
}

ynode *ynode_get(struct ydoc *d, const ynode *map, const char *key)
{
	ynode *k, *v;
	for (size_t i = 0; ynode_pair(d, map, i, &k, &v); i++) {
		const char *s = ynode_str(k);
		if (s && strcmp(s, key) == 0)
			return v;
	}
	return NULL;
}

size_t ynode_len(const ynode *seq)
{
	return ynode_is_seq(seq) ? (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start) : 0;
}

ynode *ynode_item(struct ydoc *d, const ynode *seq, size_t i)
{
	if (i >= ynode_len(seq))
		return NULL;
	return yaml_document_get_node(&d->doc, seq->data.sequence.items.start[i]);
}

const char *ydoc_library_version(void) { return yaml_get_version_string(); }
