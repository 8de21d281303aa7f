/* \summary: internals shared by the extractors (extract.c, extract_json.c,
 * extract_form.c, extract_multipart.c); not part of the public API.
 *
 * An extraction is a walk: the path of the value being visited is built in
 * one buffer, grown on the way down and cut back on the way up.  Depth counts
 * containers (JSON objects and arrays, forms, multipart bodies) and nested
 * decodings of string values alike.
 */
#ifndef PA_EXTRACT_INTERNAL_H
#define PA_EXTRACT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbuf.h"
#include "extract.h"

#define EX_PATH_MAX 4096 /* bytes in one field path; a longer one is dropped */

struct ex_walk {
	struct field_list *out;
	unsigned max_depth;
	struct dbuf path;
	struct extract_ctx *x; /* the decompression budget and the stats */
};

/* extract.c: the walk itself */

/* Starts the path at `prefix`; false (nothing to free) when it cannot. */
bool ex_walk_init(struct ex_walk *w, struct extract_ctx *x, const char *prefix);
void ex_walk_free(struct ex_walk *w);
/* Appends n bytes to the path; false (truncation recorded, path unchanged)
 * when the path would grow past EX_PATH_MAX. */
bool ex_path_push(struct ex_walk *w, const void *s, size_t n);
bool ex_path_push_str(struct ex_walk *w, const char *s);
/* ".key" */
bool ex_path_push_key(struct ex_walk *w, const void *key, size_t key_len);
/* "[i]" */
bool ex_path_push_index(struct ex_walk *w, size_t i);
static inline void ex_path_pop(struct ex_walk *w, size_t mark) { w->path.len = mark; }
/* The field list takes no more fields: the walk can stop (it records why). */
bool ex_full(struct ex_walk *w);
/* A leaf at the current path. */
void ex_emit(struct ex_walk *w, const void *key, size_t key_len, const void *val, size_t val_len);
/* A string value at `depth`: decoded further when it holds JSON, JSON Lines
 * or a form, possibly wrapped (see extract_wrap.c), else emitted as a leaf. */
void ex_string(struct ex_walk *w, const void *key, size_t key_len, const uint8_t *s, size_t len,
	       unsigned depth);
/* Last component of a prefix ("body.x" -> "x"): the key of a root value. */
const char *ex_prefix_key(const char *prefix, size_t *len);
bool ex_is_ws(uint8_t c);
void ex_trim(const uint8_t **s, size_t *len);
/* Printable UTF-8 (whitespace allowed, no other control bytes). */
bool ex_is_text(const uint8_t *s, size_t len);
/* `a` (n bytes) equals the lower-case ASCII string `lower`, ignoring case. */
bool ex_ascii_ieq(const void *a, size_t n, const char *lower);

/* One `name=value` header parameter (RFC 9110 section 5.6.6); the value
 * unquoted, cut at EX_PARAM_MAX bytes (`cut` set). */
#define EX_PARAM_MAX 1024
struct ex_param {
	const uint8_t *name;
	size_t name_len;
	uint8_t value[EX_PARAM_MAX];
	size_t len;
	bool cut;
};
/* The parameter after the ';' at *i (parameters without '=' are skipped);
 * leaves *i at the next ';' or the end.  False when none is left. */
bool ex_next_param(const uint8_t *s, size_t n, size_t *i, struct ex_param *p);

/* extract_json.c */

/* A parsed JSON text with what is needed to walk it (the source text keeps
 * numbers as they were written). */
struct ex_json {
	json_t *root;
	const uint8_t *text;
	size_t len;
	bool exact; /* the text and the tree match value for value (no duplicate keys) */
};

/* Parses `s` (not copied; must outlive the ex_json).  `any` allows a scalar
 * root; otherwise only objects and arrays are JSON.  False if not JSON. */
bool ex_json_parse(struct ex_json *j, const uint8_t *s, size_t len, bool any);
void ex_json_free(struct ex_json *j);
/* Walks a parsed text at the current path; the root sits at `depth`. */
void ex_json_walk(struct ex_walk *w, const void *key, size_t key_len, struct ex_json *j,
		  unsigned depth);
enum ex_json_kind { EX_NOT_JSON, EX_JSON, EX_JSONL };
/* A JSON document, else JSON Lines (two or more non-empty lines, each one JSON
 * value); `any` allows scalars at the roots.  Emits the fields when it parses. */
enum ex_json_kind ex_json_document(struct ex_walk *w, const void *key, size_t key_len,
				   const uint8_t *s, size_t len, bool any);
/* JSON Lines as declared: records `[i]` numbered by non-empty line; lines that
 * do not parse are skipped.  Returns how many records parsed. */
size_t ex_json_lines(struct ex_walk *w, const void *key, size_t key_len, const uint8_t *s,
		     size_t len);
/* The same for a list sitting at `depth` (records at depth + 1); `any`
 * allows scalar records. */
size_t ex_json_lines_at(struct ex_walk *w, const void *key, size_t key_len, const uint8_t *s,
			size_t len, bool any, unsigned depth);
/* Two or more non-empty lines, every one of them JSON. */
bool ex_is_json_lines(const uint8_t *s, size_t len, bool any);

/* extract_form.c */

/* k=v&k2=v2 at the current path; the form itself sits at `depth`. */
void ex_form(struct ex_walk *w, const void *key, size_t key_len, const uint8_t *s, size_t len,
	     unsigned depth);
/* Whether `s` looks like a urlencoded form; `strict` for whole bodies with
 * no declared type (printable ASCII only, every pair with '='). */
bool ex_form_sniff(const uint8_t *s, size_t len, bool strict);

/* Sentry envelope (application/x-sentry-envelope): a JSON header line, then
 * items, each a JSON header line and a payload of `length` bytes (or up to
 * the next newline).  Records `[i]` in order: header, item header, payload
 * ...; a payload that is not JSON keeps its number and gives no field.
 * Returns how many records parsed. */
size_t ex_envelope(struct ex_walk *w, const void *key, size_t key_len, const uint8_t *s,
		   size_t len);

/* extract_wrap.c: wrapped values */

#define EX_WRAP_MAX_LAYERS 8 /* base64 / gzip / deflate layers around one value */

enum ex_peel_kind {
	EX_PEEL_NONE,   /* nothing structured inside */
	EX_PEEL_JSON,   /* `json` holds the parsed document */
	EX_PEEL_JSONL,  /* `data` holds JSON Lines */
	EX_PEEL_FORM,   /* `data` holds a form */
	EX_PEEL_CAPPED, /* structure past the depth cap, or more layers than EX_WRAP_MAX_LAYERS */
};

/* The layers found around one value.  `data` points into the caller's
 * bytes or into `buf`, which the peel owns. */
struct ex_peel {
	enum ex_peel_kind kind;
	char tags[(EX_WRAP_MAX_LAYERS + 1) * 10];
	size_t tags_len;
	unsigned levels;     /* tags, each one depth level */
	struct ex_json json;
	const uint8_t *data; /* the structured text; for NONE, the innermost layer */
	size_t len;
	uint8_t *buf;
	bool base64;         /* the outermost layer was base64 (spaces not read as '+') */
	bool cut;            /* a decompression layer was cut or corrupt */
};

/* Looks for structure in a value at `depth` and in the layers around it:
 * JSON, JSON Lines, a form (`strict` for a whole body with no declared
 * type), else base64 / gzip / zlib / raw deflate, undone and looked into
 * again.  `need_layer`: the value itself is known not to be structured.
 * Always call ex_peel_free. */
enum ex_peel_kind ex_peel(struct ex_walk *w, const uint8_t *s, size_t len, unsigned depth,
			  bool need_layer, bool strict, struct ex_peel *p);
void ex_peel_free(struct ex_peel *p);
/* What undecoded body bytes look like; `mt` is the media type (may be empty). */
enum extract_opaque ex_classify_opaque(const char *mt, size_t mt_len, const uint8_t *s,
				       size_t len);
/* Protobuf wire format (exposed for the tests through extract_body). */
bool ex_looks_protobuf(const uint8_t *s, size_t len);

/* extract_multipart.c */

void ex_multipart(struct ex_walk *w, const uint8_t *boundary, size_t boundary_len,
		  const uint8_t *s, size_t len);

#endif
