/* \summary: bidirectional flow table keyed by 5-tuple plus VLAN.
 *
 * The client is the side that sent the SYN (or, for a SYN-ACK seen first,
 * its receiver; otherwise the sender of the first packet, unless that packet
 * comes from a well-known port to an ephemeral one).  Flows expire by packet
 * time, not wall-clock time: idle TCP, closed TCP (FIN both ways or RST) and
 * idle UDP flows each have a timeout.  A SYN on the ports of a closed flow
 * (other than that flow's own SYN again) ends it and starts a new flow.  A
 * cap on the number of flows and on the memory they account evicts the
 * least recently seen flow.  Every flow
 * that leaves the table, by timeout, eviction or flow_table_flush, is handed
 * to the `on_end` callback first: flows are finalised, never lost.
 */
#ifndef PA_FLOW_H
#define PA_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

enum flow_dir { DIR_TO_SERVER = 0, DIR_TO_CLIENT = 1 };

enum flow_end_reason { FLOW_END_IDLE, FLOW_END_CLOSED, FLOW_END_EVICTED, FLOW_END_FLUSH };

struct flow_key {
	struct ip_addr addr[2]; /* canonical order: addr[0]/port[0] is the smaller endpoint */
	uint16_t port[2];
	uint16_t vlan, vlan_inner;
	uint8_t proto;
	uint8_t pad[3];
};

struct flow {
	struct flow *hnext;          /* hash chain */
	struct flow *older, *newer;  /* idle list */
	struct flow_key key;
	uint32_t hash;
	uint32_t id;                 /* 1-based, in order of first packet across the run */
	uint8_t client;              /* index into key.addr of the client */
	uint8_t idle_list;
	uint8_t fin_seen;            /* bit per direction */
	bool rst_seen;
	bool syn_seq_known;          /* syn_seq is the client's ISN (from its SYN or the SYN-ACK) */
	uint32_t syn_seq;
	int input;                   /* index of the capture the flow started in */
	uint64_t first_frame;
	uint64_t first_ts_ns, last_ts_ns;
	uint64_t packets[2], bytes[2];
	void *dpi;                   /* nDPI state until detection ends (dpi.c owns it) */
	uint16_t proto_master, proto_app, category;
	bool dpi_done;
	bool l7_off;                 /* the session let the flow go */
	bool live_judged;            /* live capture: judged as a contact once it was named */
	bool has_client_mac;
	uint8_t client_mac[6];       /* the client's Ethernet address (device scope) */
	const char *host;            /* interned; NULL until known */
	const char *encap;           /* interned layers of the first packet (decode_layers_str); NULL: none */
	uint8_t host_source;         /* enum host_source in audit.h */
	void *l7;                    /* the pipeline's per-flow state (reassembly, parsers) */
	size_t mem;                  /* bytes accounted to this flow beyond sizeof(struct flow) */
};

struct flow_limits {
	size_t max_flows;
	size_t max_memory;          /* bytes, flows plus their accounted state */
	uint64_t tcp_idle_ns, tcp_closed_ns, udp_idle_ns;
};

typedef void (*flow_end_fn)(void *ctx, struct flow *f, enum flow_end_reason why);

struct flow_table;

struct flow_table *flow_table_new(const struct flow_limits *lim, flow_end_fn on_end, void *ctx);
void flow_table_free(struct flow_table *t);

/* Finds or creates the flow of a decoded packet, updates counters, idle
 * order and close state, and sets *dir.  Expires flows idle at `ts_ns`
 * first.  Returns NULL only when out of memory. */
struct flow *flow_table_packet(struct flow_table *t, const struct packet *p, uint64_t ts_ns,
			       uint64_t frame, int input, enum flow_dir *dir);
/* Tells the table a flow's accounted memory changed by delta bytes; evicts
 * other flows while over the memory cap. */
void flow_table_account(struct flow_table *t, struct flow *f, long delta);
/* Ends every flow, in id order, and forgets the clock (a new capture
 * starts from its own first packet time). */
void flow_table_flush(struct flow_table *t);

struct flow_table_stats {
	uint64_t created, ended_idle, ended_closed, evicted, flushed; /* flushed: at the end of a capture */
	size_t live, peak_live;
	size_t memory, peak_memory;
};
const struct flow_table_stats *flow_table_stats(const struct flow_table *t);

/* The endpoints as seen from the client. */
static inline const struct ip_addr *flow_client_addr(const struct flow *f) { return &f->key.addr[f->client]; }
static inline const struct ip_addr *flow_server_addr(const struct flow *f) { return &f->key.addr[!f->client]; }
static inline uint16_t flow_client_port(const struct flow *f) { return f->key.port[f->client]; }
static inline uint16_t flow_server_port(const struct flow *f) { return f->key.port[!f->client]; }

#endif
