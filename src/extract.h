/* \summary: field extraction from request parts: URL query strings,
 * application/x-www-form-urlencoded, JSON (object, top-level array, JSON
 * Lines, text/plain holding JSON), multipart/form-data, Cookie headers, and
 * nested encodings inside string values (a JSON string holding JSON or a
 * form; base64 or base64url decoding to JSON).
 *
 * Paths: `<prefix>.<key>` for objects and forms, `<prefix>[i]` for array
 * elements, `<prefix>{json}` / `{form}` / `{base64}` when a string value was
 * itself decoded, e.g. `body.data{json}.imei`, `body.p{base64}{json}.uid`.
 * JSON Lines records are `body[0]`, `body[1]`... Keys with '.', '[' or '{'
 * are kept as they are (paths are for people, not for parsing).  Leaf values
 * are strings as sent; numbers keep their JSON text (`12.50`), booleans are
 * `true`/`false`, null is `null`.  Objects and arrays themselves are not
 * fields, only their leaves.
 *
 * Every extractor is bounded: nesting depth (`max_depth`) and the field
 * list's own caps; a cut is recorded in `struct field_list.truncated`.
 */
#ifndef PA_EXTRACT_H
#define PA_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"

#define EXTRACT_DEFAULT_MAX_DEPTH 16

struct extract_ctx {
	struct field_list *out;
	unsigned max_depth;
};

/* `a=1&b=%E5%BC%A0&c` style (forms and URL query strings alike): `+` is a
 * space, %XX is decoded, a pair without `=` is a field with an empty value. */
void extract_urlencoded(struct extract_ctx *x, const char *prefix, const uint8_t *s, size_t len);
/* JSON text (object, array, scalar) or JSON Lines; returns 0 when it parsed as JSON, -1 if not. */
int extract_json(struct extract_ctx *x, const char *prefix, const uint8_t *s, size_t len);
/* multipart/form-data with the boundary from the Content-Type; text parts
 * become fields `<prefix>.<name>` (and are themselves decoded when they hold
 * JSON), file parts become `<prefix>.<name>.filename`, `.content_type` and
 * `.size` fields. */
void extract_multipart(struct extract_ctx *x, const char *prefix, const char *boundary,
		       size_t boundary_len, const uint8_t *s, size_t len);
/* Cookie header value `a=1; b=2` -> `cookie.a`, `cookie.b`. */
void extract_cookie(struct extract_ctx *x, const uint8_t *s, size_t len);
/* A request body, dispatched on its Content-Type (the full header value,
 * parameters included; may be NULL), with sniffing when the type is missing
 * or generic (text/plain or application/octet-stream holding JSON or a
 * form).  Fields are named `body...`.  Returns the kind it decoded:
 * "json", "jsonl", "form", "multipart", "text" or "binary" (a static string). */
const char *extract_body(struct extract_ctx *x, const char *content_type, size_t ct_len,
			 const uint8_t *body, size_t len);

#endif
