/* \summary: transmissions: what one request sent, as named fields.
 *
 * An HTTP request becomes a transmission: where it went (flow, host), what
 * it was (method, URI, frames) and every field it carried: URL query,
 * request headers, cookies and the decoded body.  Transmissions are
 * serialised as soon as they complete into a spool file (values masked
 * unless revealed, each with its SHA-256), and sorted by (input, frame) only
 * when the report is written, so memory does not grow with their number.
 */
#ifndef PA_TRANSMISSION_H
#define PA_TRANSMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "extract.h"
#include "fields.h"
#include "flow.h"

struct transmission {
	int input;
	uint32_t flow_id;
	struct ip_addr client, server; /* the flow's endpoints */
	uint16_t client_port, server_port;
	uint64_t frame;          /* completes the request */
	const uint64_t *frames;
	size_t nframes;
	uint64_t ts_ns;
	const char *protocol;    /* "http/1.0", "http/1.1", "http/2" */
	bool tls;
	const char *method;
	size_t method_len;
	const char *uri;         /* request-target as sent */
	size_t uri_len;
	const char *host;        /* Host / :authority as sent, may be NULL */
	size_t host_len;
	int status;              /* response status, 0 when none was seen */
	const char *body_kind;   /* "json", "form", ... or NULL */
	size_t body_len;         /* as received, 0: no body */
	struct extract_stats extract; /* what the extraction decoded, and did not */
	unsigned truncated;      /* enum tx_truncation bits */
	struct field_list fields;
	const struct classification *cls; /* per field; category NULL when unclassified */
};

enum tx_truncation {
	TX_TRUNC_BODY_CAP = 1 << 0,     /* body longer than the body cap */
	TX_TRUNC_BODY_GAP = 1 << 1,     /* body bytes not captured */
	TX_TRUNC_DECOMPRESS = 1 << 2,   /* decompression stopped at its cap */
	TX_TRUNC_DECODE_ERROR = 1 << 3, /* the content coding failed */
	TX_TRUNC_FIELDS = 1 << 4,       /* field count/size or depth cap */
	TX_TRUNC_HEADERS = 1 << 5,      /* too many headers */
};

struct tx_spool;

/* all_fields: list every field (else only those that carry personal data,
 * the others counted in `fields_other`, and a transmission without any as
 * one compact entry). */
struct tx_spool *tx_spool_new(bool reveal_values, bool all_fields);
void tx_spool_free(struct tx_spool *s);
/* Serialises t (which the caller still owns); returns 1 when it carried
 * personal data (a classified field), 0 when not, -1 on failure. */
int tx_spool_add(struct tx_spool *s, const struct transmission *t);
size_t tx_spool_count(const struct tx_spool *s);
/* Sorts the transmissions by (input, frame, arrival) and numbers them 1..N
 * in that order; returns the id of each arrival (seq), valid until freed. */
const size_t *tx_spool_sort(struct tx_spool *s);
/* Writes them, sorted, one JSON object per line prefixed by `indent`, each
 * with its id and the members `judgement` writes into buf for it (the
 * policy's verdict: `"phase":"before_consent","judged":true`). */
int tx_spool_write(struct tx_spool *s, FILE *out, const char *indent,
		   void (*judgement)(void *ctx, long seq, char *buf, size_t len), void *ctx);

/* Masks a value for the report: all '*' up to 7 characters, else the first
 * two and last two characters kept around at most 32 '*'.  Counts UTF-8
 * characters, not bytes (each byte of invalid UTF-8 counts as one).
 * Writes it (NUL-terminated) to out and returns its length. */
#define TX_MASK_MAX 64
size_t tx_mask_value(const char *v, size_t len, char out[TX_MASK_MAX]);

/* Fills t->fields from the request parts (query, headers, cookies, body). */
struct http_request;
void tx_fields_from_http(struct transmission *t, const struct http_request *r, size_t max_decoded);

/* Adds what one transmission's extraction decoded to the run's counters. */
void tx_coverage_add(struct extract_coverage *c, const struct transmission *t);
/* Writes the counters as the members `bodies` and `values` of the open
 * object (coverage.http). */
struct jsonw;
void tx_coverage_write(struct jsonw *w, const struct extract_coverage *c);

/* The host name part of a Host header (no port, no brackets, lower case)
 * into buf; returns its length. */
size_t tx_host_name(const char *host, size_t len, char *buf, size_t cap);

#endif
