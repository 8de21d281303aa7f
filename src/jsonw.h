/* \summary: a small streaming JSON writer for the report.
 *
 * Why not jansson's dumper here: report strings come from the network and
 * may hold any byte, while jansson refuses invalid UTF-8; and building a
 * jansson tree per record cost more than the whole packet pipeline on large
 * captures.  Output is deterministic and compact; the caller places newlines.
 *
 * Strings: valid UTF-8 is written as is (control characters, '"' and '\'
 * escaped per RFC 8259); each byte of an invalid UTF-8 sequence is written
 * as the four characters \xNN (i.e. JSON "\\xNN"), so nothing is dropped.
 * A value that itself holds the text \xNN reads the same; where that
 * matters, the report's value_sha256 (over the raw bytes) tells them apart.
 */
#ifndef PA_JSONW_H
#define PA_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct jsonw {
	FILE *out;
	char buf[65536];
	size_t len;
	bool need_comma; /* a value was written at this nesting level */
	bool error;
	unsigned long long written; /* bytes flushed so far */
};

void jw_init(struct jsonw *w, FILE *out);
/* Flushes the buffer; returns 0, or -1 when a write failed. */
int jw_flush(struct jsonw *w);

void jw_raw(struct jsonw *w, const char *s);      /* verbatim, no comma logic */
void jw_obj_begin(struct jsonw *w);
void jw_obj_end(struct jsonw *w);
void jw_arr_begin(struct jsonw *w);
void jw_arr_end(struct jsonw *w);
void jw_keyn(struct jsonw *w, const char *key, size_t n);
/* key is trusted ASCII; inline so that a literal's length is known when compiling */
static inline void jw_key(struct jsonw *w, const char *key) { jw_keyn(w, key, __builtin_strlen(key)); }
void jw_str(struct jsonw *w, const char *s);       /* NULL writes null */
void jw_strn(struct jsonw *w, const void *s, size_t n);
void jw_int(struct jsonw *w, long long v);
void jw_uint(struct jsonw *w, unsigned long long v);
void jw_bool(struct jsonw *w, bool v);
/* A number already formatted by the caller (trusted text such as "0.95"). */
void jw_num(struct jsonw *w, const char *text);
void jw_null(struct jsonw *w);
/* Starts the next array element on a new line with `indent` (for records). */
void jw_newline(struct jsonw *w, const char *indent);

#endif
