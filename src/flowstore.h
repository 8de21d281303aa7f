/* \summary: the flow records of a run, kept in a temporary file.
 *
 * A flow's record is written when the flow ends and read back only when
 * the run is judged and reported, sequentially (policy, report writers) or
 * by id (carving, a few findings).  So the memory a run holds does not grow
 * with the number of flows that already ended: a small write-behind buffer,
 * flushed in id order with one write per run of consecutive ids, and a
 * read buffer.  Records hold interned strings (strtab.c), valid while the
 * audit lives, which is as long as the file.
 */
#ifndef PA_FLOWSTORE_H
#define PA_FLOWSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "http1.h"

enum host_source {
	HOST_NONE,
	HOST_FROM_HTTP,       /* HTTP Host / :authority */
	HOST_FROM_SNI,        /* TLS or QUIC server name */
	HOST_FROM_DNS_QUERY,  /* the flow is itself a DNS exchange */
	HOST_FROM_DNS_ANSWER, /* an earlier DNS answer for the server address */
	HOST_FROM_DPI,        /* another name nDPI extracted */
};
const char *host_source_name(enum host_source s);

/* What a TLS flow's handshake said and how decryption went. */
struct flow_tls {
	uint16_t version, cipher_suite;
	uint8_t decryption;  /* enum tls_decryption */
	uint8_t failure;     /* enum tls_failure */
	uint8_t compression; /* the ServerHello's method: 0 null, 1 DEFLATE */
	bool hello_retry, resumed;
	bool mac_unchecked;  /* NULL-cipher records read without the master secret */
	bool have_random;
	uint8_t client_random[32]; /* to carve its key log lines */
	const char *sni, *alpn;    /* interned; NULL when absent */
	uint64_t records_decrypted, records_failed, records_skipped;
	uint32_t key_updates;
	uint8_t directions_lost;
};

struct flow_record {
	uint32_t id;
	int input;
	uint8_t transport;  /* 6 or 17 */
	uint8_t host_source;
	uint16_t client_port, server_port;
	uint64_t first_frame, first_ts_ns;
	struct ip_addr client, server;
	const char *protocol; /* interned nDPI name */
	const char *category;
	const char *host;
	const struct organization *org; /* NULL when the host is not a known one */
	uint64_t packets, bytes;
	uint64_t tcp_gaps, tcp_gap_bytes;
	uint64_t requests;
	bool has_http;       /* an HTTP parser ran: */
	uint64_t http_resyncs, http_skipped, http_truncated_bodies;
	uint64_t http_anomalies[H1_ANOMALY_COUNT];
	uint16_t vlan, vlan_inner;  /* the flow key's VLAN ids (0: none) */
	const char *encap;    /* interned "vlan 10, gre, erspan 5"; NULL when the first packet had no layer */
	bool reasm_capped;
	bool has_client_mac;
	uint8_t client_mac[6]; /* the client's Ethernet address, when the link layer had one */
	bool is_tls;         /* the flow began with a TLS ClientHello: */
	struct flow_tls tls; /* what it said */
};

struct flow_store;

struct flow_store *flow_store_new(void);
void flow_store_free(struct flow_store *s);
/* Stores r under r->id (1-based); returns 0, or -1 when the file failed. */
int flow_store_put(struct flow_store *s, const struct flow_record *r);
/* The record of flow id into *out; false when there is none. */
bool flow_store_get(struct flow_store *s, uint32_t id, struct flow_record *out);
/* The highest id stored. */
uint32_t flow_store_max_id(const struct flow_store *s);
/* True once a write or read of the file failed (records may be missing). */
bool flow_store_failed(const struct flow_store *s);

/* Every stored record in id order:
 *   struct flow_iter it; flow_iter_init(&it, s);
 *   for (const struct flow_record *r; (r = flow_iter_next(&it));) ...
 * A record is valid until the next call. */
#define FLOW_ITER_CHUNK 256
struct flow_iter {
	struct flow_store *s;
	uint32_t next_id;   /* id of buf[pos] */
	size_t pos, n;
	struct flow_record *buf;
};
void flow_iter_init(struct flow_iter *it, struct flow_store *s);
const struct flow_record *flow_iter_next(struct flow_iter *it);
void flow_iter_end(struct flow_iter *it);

#endif
