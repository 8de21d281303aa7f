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
#include "signatures.h"

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
/* A listed field of a spooled transmission, as read back. */
struct tx_field_view {
	const char *path, *key;
	size_t path_len, key_len;
	struct classification c; /* category NULL: not personal data (listed with --all-fields) */
	const char *shown;       /* the value as the report shows it: masked, or revealed */
	size_t shown_len;
	uint64_t value_len;      /* of the value as sent */
	char sha256[65];         /* of the value as sent */
};

/* A spooled transmission, as read back for the report writers; its
 * pointers are valid until the callback returns. */
struct tx_record {
	size_t id;               /* 1..N in (input, frame) order */
	long seq;                /* arrival order: the policy's key */
	int input;
	uint32_t flow_id;
	struct ip_addr client, server;
	uint16_t client_port, server_port;
	uint64_t frame, ts_ns;
	const uint64_t *frames;  /* listed only for a full record */
	size_t nframes;
	const char *protocol, *body_kind;
	bool tls;
	int status;
	unsigned truncated;      /* enum tx_truncation bits */
	const char *method, *uri, *host; /* host: the name (lower case, no port), NULL when none was sent */
	size_t method_len, uri_len, host_len;
	bool personal;           /* a field carried personal data */
	bool full;               /* listed in full (personal, or --all-fields); else one compact entry */
	const struct tx_field_view *fields;
	size_t nfields;
	uint64_t fields_other;   /* fields not listed */
};

/* Calls fn on each transmission, sorted; stops at fn's first non-zero
 * return and returns it, or -1 when the spool cannot be read. */
int tx_spool_each(struct tx_spool *s, int (*fn)(void *ctx, const struct tx_record *r), void *ctx);

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

/* The host name part of a Host header (no port, no brackets, lower case)
 * into buf; returns its length. */
size_t tx_host_name(const char *host, size_t len, char *buf, size_t cap);

#endif
