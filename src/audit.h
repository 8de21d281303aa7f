/* \summary: the audit pipeline and its results.
 *
 *   capture.c  --frames-->  audit_packet:  decode.c -> flow.c -> dpi.c / dns.c
 *                                           -> (tcp reassembly -> parsers)
 *   results: inputs[], flow records[], counters  -->  report_*.c
 *
 * One `struct audit` holds the state of a run; report writers read its
 * records and never touch the pipeline.  Flows end at the end of each input
 * (frame numbers are per file, as in Wireshark).
 */
#ifndef PA_AUDIT_H
#define PA_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "decode.h"
#include "extract.h"
#include "fields.h"
#include "flow.h"
#include "flowstore.h"
#include "session.h"

struct signatures;
struct profile;
struct policy;
struct classification;
struct finding;

/* A decoded request as --list-requests shows it: its own bytes, copied. */
struct listed_request {
	uint64_t frame, seq;
	const char *protocol;
	char *method, *host, *uri; /* host NULL when none was sent */
	size_t method_len, host_len, uri_len;
};

struct audit_options {
	struct flow_limits flows;
	const struct signatures *sigs; /* classifies fields and hosts; NULL: none */
	const struct profile *profile; /* judges transmissions; NULL: only what needs none */
	struct keylog *keylog;         /* TLS secrets (--keylog, capture DSBs); NULL: none */
	/* --list-requests: each input's decoded requests, in frame order, when
	 * the input ends (a report writer formats them) */
	void (*on_listed)(void *ctx, const char *input_name, const struct listed_request *v, size_t n);
	void *listed_ctx;
	/* live capture: each finding of a request as soon as it is decoded
	 * (policy_set_live); the report's findings still come from audit_finish */
	void (*on_live_finding)(void *ctx, const struct finding *f);
	void *live_ctx;
	const char *filter;   /* a BPF expression: only matching frames are audited (frames keep their numbers) */
	uint64_t max_frames;  /* -c: stop after this many audited frames (those the filter passed); 0: all */
	const char *lang;     /* "en" or "zh": the language of the text and Markdown reports */
	const char *case_id, *examiner, *note; /* chain of custody: recorded, shown, never judged */
	bool reveal_values;   /* report field values unmasked */
	bool all_fields;      /* list every field, not only those with personal data */
	bool all_flows;       /* list every flow, not a summary of those with no personal data or finding */
	bool flows_only;      /* no application decoding: flows, hosts, nDPI only */
	bool no_report;       /* no report will be written: transmissions are not serialised,
			       * inputs not hashed */
	bool worker;          /* extract and classify requests on a second thread (replay) */
	size_t max_body;      /* request body bytes kept per message */
	size_t max_decoded;   /* decompressed bytes per message */
	size_t max_reasm;     /* out-of-order bytes buffered per TCP direction */
	/* recorded in the report so that `verify` can run the same audit */
	const char *signatures_dir;
	const char *const *marks; /* "consent:WHEN" or "withdrawal:WHEN" */
	size_t nmarks;
	const char *const *keylog_paths;
	size_t nkeylog_paths;
	const char *const *devices; /* --device: IP or MAC addresses of the device under test */
	size_t ndevices;
};

void audit_default_options(struct audit_options *o);

struct input_record {
	char *path;        /* as given (or found in a directory walk) */
	char *name;        /* base name, for --list-requests */
	char sha256[65];   /* hex of the file's bytes; "" when unreadable */
	const char *format; /* "pcap", "pcapng" or NULL */
	int dlt;           /* link type of the first interface */
	int link_types[8]; /* of the frames read, in order of first appearance */
	uint8_t nlink_types;
	uint64_t frames;
	uint64_t first_ts_ns, last_ts_ns;
	uint64_t max_ts_ns;       /* the latest time seen: last_ts_ns is the last frame's */
	uint64_t backwards;       /* frames earlier than a frame before them */
	uint64_t first_backwards; /* the first such frame, 0 when none */
	char *error;       /* NULL, or the one-line reason the input failed */
};

struct audit_counters {
	uint64_t packets;
	uint64_t filtered; /* left out by the BPF filter */
	uint64_t decode[DECODE_STATUS_COUNT];
	uint64_t dns_packets, dns_malformed, dns_addresses; /* UDP from port 53 */
	uint64_t dns_dropped; /* answers refused at the cache cap */
	uint64_t requests, transmissions;
	uint64_t tcp_gaps, tcp_gap_bytes, flows_reasm_capped;
	uint64_t http_resyncs, http_bad_messages, http_truncated_bodies;
	uint64_t http_anomalies[H1_ANOMALY_COUNT];
	uint64_t truncated_messages;
	struct extract_coverage bodies; /* what request bodies and values were decoded */
	uint64_t tls_flows, quic_flows; /* as nDPI names them */
	uint64_t tls_decrypted, tls_failed, tls_records_decrypted, tls_records_failed;
	uint64_t http2_hpack_errors;
};

struct audit {
	struct audit_options opt;
	struct strtab *names;
	struct dpi *dpi;
	struct dns_cache *dns;
	struct decoder *dec;        /* IP fragment reassembly across packets */
	struct flow_table *flows;
	struct input_record *inputs;
	size_t ninputs;
	struct flow_store *records; /* the records of ended flows (flowstore.c) */
	struct audit_counters cnt;
	struct tx_spool *tx;
	struct workq *workq;        /* requests to the worker thread; NULL: done in line */
	struct field_list scratch;  /* reused for every request's fields */
	struct classification *cls; /* and their classifications */
	size_t cls_cap;
	struct policy *policy;
	struct keylog *keylog;      /* opt.keylog, or an empty one of our own */
	struct session_env sessions; /* what every TCP session shares; its requests come back here */
	bool own_keylog;
	bool marks_pending;         /* CLI frame:N consent marks still to be timed */
	uint8_t *personal_flows;    /* bit per flow id: a transmission with personal data (the worker's) */
	size_t personal_flows_cap;  /* bytes */
	struct listed_request *lines; /* --list-requests: the current input's requests */
	size_t nlines, lines_cap;
	int cur_input;
	uint64_t audited_frames;    /* frames the filter passed, all inputs: -c counts them */
};

/* -c N was reached: no more frames are to be read. */
static inline bool audit_count_reached(const struct audit *a)
{
	return a->opt.max_frames && a->audited_frames >= a->opt.max_frames;
}

struct audit *audit_new(const struct audit_options *o);
void audit_free(struct audit *a);

/* Adds an input record (path copied); returns its index, -1 on OOM. */
int audit_add_input(struct audit *a, const char *path);
void audit_input_error(struct audit *a, int input, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* dlt: the link type of the input's first interface (inputs[].link_type). */
void audit_begin_input(struct audit *a, int input, int dlt);
/* One frame, of link type dlt (a pcapng's interfaces may differ). */
void audit_packet(struct audit *a, uint64_t frame, uint64_t ts_ns, int dlt, const uint8_t *data,
		  uint32_t caplen, uint32_t wirelen);
/* A frame the filter left out: it still counts and keeps its number. */
void audit_skip_packet(struct audit *a, uint64_t frame, uint64_t ts_ns, int dlt);
/* Ends every flow of the current input (and prints its request lines). */
void audit_end_input(struct audit *a);
/* A consent mark a capture carries ("consent" or "withdrawal"). */
void audit_capture_mark(struct audit *a, const char *kind, uint64_t ts_ns);
/* After the last input: decides phases and findings. */
void audit_finish(struct audit *a);

/* Did flow id carry a transmission with personal data?  (After audit_finish.) */
bool audit_flow_personal(const struct audit *a, uint32_t id);

#endif
