/* \summary: field extraction from request parts: URL query strings,
 * application/x-www-form-urlencoded, JSON (object, top-level array, JSON
 * Lines, text/plain holding JSON), Sentry envelopes, multipart/form-data,
 * Cookie headers, and wrapped values: a string value (or a whole body) that
 * holds JSON, JSON Lines or a form, possibly inside layers of base64 /
 * base64url, gzip and zlib or raw deflate, in any order and nesting.
 *
 * Paths: `<prefix>.<key>` for objects and forms, `<prefix>[i]` for array
 * elements, and one tag per layer when a value was itself decoded, outermost
 * first: `{base64}`, `{gzip}`, `{deflate}`, then `{json}`, `{jsonl}` or
 * `{form}`, e.g. `body.data{json}.imei`, `body.p{base64}{json}.uid`,
 * `body.data_list{base64}{gzip}{json}[3].properties.device_id`.  JSON Lines
 * records are `body[0]`, `body[1]`...  Keys with '.', '[' or '{' are kept as
 * they are (paths are for people, not for parsing).  Leaf values are strings
 * as sent; numbers keep their JSON text (`12.50`), booleans are
 * `true`/`false`, null is `null`.  Objects and arrays themselves are not
 * fields, only their leaves.
 *
 * Every extractor is bounded: nesting depth (`max_depth`, each decoded layer
 * counts one level), the bytes nested decompression may produce per context
 * (`max_decoded`, and 1000 output bytes per input byte), and the field
 * list's own caps; a cut is recorded in `struct field_list.truncated` and in
 * the context's `stats`.
 */
#ifndef PA_EXTRACT_H
#define PA_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"

#define EXTRACT_DEFAULT_MAX_DEPTH 16

/* What a body that gave no structure looks like, from its Content-Type and
 * a sniff of its bytes (after any base64 or compression privaudit could
 * undo).  The order is the order of the report's counters. */
enum extract_opaque {
	EXTRACT_OPAQUE_NONE,         /* the body was decoded */
	EXTRACT_OPAQUE_PROTOBUF,     /* declared protobuf / gRPC, or protobuf wire format */
	EXTRACT_OPAQUE_OTHER_FORMAT, /* a declared binary serialisation: MessagePack, CBOR, Thrift ... */
	EXTRACT_OPAQUE_XML,          /* XML, a property list, HTML */
	EXTRACT_OPAQUE_MEDIA,        /* image, audio, video, font */
	EXTRACT_OPAQUE_COMPRESSED,   /* an archive or a compressed stream that did not decode */
	EXTRACT_OPAQUE_ENCRYPTED,    /* high-entropy bytes: encrypted, or compressed without a header */
	EXTRACT_OPAQUE_BINARY,       /* other binary */
	EXTRACT_OPAQUE_TEXT,         /* printable text with no structure privaudit reads */
	EXTRACT_OPAQUE_COUNT
};

/* The report's name of each class ("protobuf", "encrypted_or_binary" ...). */
const char *extract_opaque_name(enum extract_opaque o);

/* What one context decoded, for the report's coverage. */
struct extract_stats {
	enum extract_opaque body;   /* extract_body: NONE when the body was decoded */
	unsigned values_decoded;    /* string values decoded further (any tag) */
	/* long base64 values (see extract.c) that held nothing readable, by
	 * what their innermost layer looks like */
	unsigned values_base64_opaque[EXTRACT_OPAQUE_COUNT];
	bool decompress_capped;     /* a nested decompression stopped at max_decoded or the ratio */
	bool decode_error;          /* fields came from a nested stream that was cut or corrupt */
};

/* Counters over many requests (the report's coverage.http.bodies and .values). */
struct extract_coverage {
	uint64_t bodies;          /* requests with a body */
	uint64_t decoded;         /* bodies that gave structure */
	uint64_t with_gap;        /* bodies not decoded for bytes missing from the capture */
	uint64_t undecoded[EXTRACT_OPAQUE_COUNT]; /* the others, by what they look like */
	uint64_t values_decoded;  /* string values decoded further */
	uint64_t values_base64_opaque[EXTRACT_OPAQUE_COUNT];
};

/* One request's extraction: every call with the same context shares its
 * decompression budget and adds to its stats.  Zero-initialise; fields
 * after `max_depth` are optional. */
struct extract_ctx {
	struct field_list *out;
	unsigned max_depth;      /* 0: EXTRACT_DEFAULT_MAX_DEPTH */
	size_t max_decoded;      /* bytes nested decompression may produce in all; 0: DECOMP_DEFAULT_MAX_OUT */
	size_t decoded;          /* bytes it produced so far */
	struct extract_stats stats;
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
 * form), or when the body is wrapped (base64, gzip or deflate without a
 * Content-Encoding).  Fields are named `body...`.  Returns the kind it
 * decoded: "json", "jsonl", "form", "multipart", "text" or "binary" (a
 * static string); for the last two, x->stats.body says what it looks like. */
const char *extract_body(struct extract_ctx *x, const char *content_type, size_t ct_len,
			 const uint8_t *body, size_t len);

#endif
