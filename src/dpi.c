/* \summary: nDPI 4.2 glue (see dpi.h). */
#include "dpi.h"

#include <ndpi_api.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "strtab.h"

/* Packets fed to nDPI before giving up, as ndpiReader does; app traffic
 * names itself (SNI, Host) within the first few packets. */
#define DPI_TCP_BUDGET 32
#define DPI_UDP_BUDGET 12

struct dpi {
	struct ndpi_detection_module_struct *mod;
	struct strtab *names;
};

struct dpi_flow {
	struct ndpi_flow_struct nf;
	uint16_t packets;
};

struct dpi *dpi_new(struct strtab *names)
{
	struct dpi *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->names = names;
	d->mod = ndpi_init_detection_module(ndpi_no_prefs);
	if (!d->mod) {
		free(d);
		return NULL;
	}
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(d->mod, &all);
	ndpi_finalize_initialization(d->mod);
	return d;
}

void dpi_free(struct dpi *d)
{
	if (!d)
		return;
	ndpi_exit_detection_module(d->mod);
	free(d);
}

size_t dpi_flow_state_size(void) { return sizeof(struct dpi_flow); }

bool dpi_is_tls(const struct flow *f)
{
	return f->proto_master == NDPI_PROTOCOL_TLS || f->proto_app == NDPI_PROTOCOL_TLS;
}

bool dpi_is_quic(const struct flow *f)
{
	return f->proto_master == NDPI_PROTOCOL_QUIC || f->proto_app == NDPI_PROTOCOL_QUIC;
}

static void take_host(struct dpi *d, struct flow *f, const struct ndpi_flow_struct *nf)
{
	size_t n = strnlen(nf->host_server_name, sizeof(nf->host_server_name));
	if (n == 0 || (f->host && f->host_source != HOST_FROM_DNS_ANSWER))
		return;
	f->host = strtab_intern(d->names, nf->host_server_name, n);
	switch (f->proto_master ? f->proto_master : f->proto_app) {
	case NDPI_PROTOCOL_TLS:
	case NDPI_PROTOCOL_QUIC:
		f->host_source = HOST_FROM_SNI;
		break;
	case NDPI_PROTOCOL_DNS:
	case NDPI_PROTOCOL_MDNS:
	case NDPI_PROTOCOL_LLMNR:
		f->host_source = HOST_FROM_DNS_QUERY;
		break;
	case NDPI_PROTOCOL_HTTP:
		f->host_source = HOST_FROM_HTTP;
		break;
	default:
		f->host_source = HOST_FROM_DPI;
		break;
	}
}

static void release(struct dpi *d, struct flow *f)
{
	struct dpi_flow *df = f->dpi;
	take_host(d, f, &df->nf);
	ndpi_free_flow_data(&df->nf);
	free(df);
	f->dpi = NULL;
	f->dpi_done = true;
}

static void set_result(struct flow *f, ndpi_protocol r)
{
	f->proto_master = r.master_protocol;
	f->proto_app = r.app_protocol;
	f->category = (uint16_t)r.category;
}

void dpi_packet(struct dpi *d, struct flow *f, const struct packet *p, uint64_t ts_ns)
{
	if (f->dpi_done)
		return;
	struct dpi_flow *df = f->dpi;
	if (!df) {
		df = calloc(1, sizeof(*df));
		if (!df)
			return;
		f->dpi = df;
	}
	/* nDPI 4.2 takes a 16-bit length; longer (TSO) packets are cut, which
	 * only hides bytes past 64 KiB from detection. */
	unsigned short len = p->l3_len > 0xffff ? 0xffff : (unsigned short)p->l3_len;
	ndpi_protocol r = ndpi_detection_process_packet(d->mod, &df->nf, p->l3, len, ts_ns / 1000000);
	set_result(f, r);
	df->packets++;
	bool detected = r.app_protocol != NDPI_PROTOCOL_UNKNOWN || r.master_protocol != NDPI_PROTOCOL_UNKNOWN;
	unsigned budget = p->l4_proto == 6 ? DPI_TCP_BUDGET : DPI_UDP_BUDGET;
	/* Once the protocol and the server name are known there is nothing left
	 * we use: nDPI's extra dissection (TLS certificates, JA3) is skipped. */
	if (detected && (df->nf.host_server_name[0] || !ndpi_extra_dissection_possible(d->mod, &df->nf)))
		release(d, f);
	else if (df->packets >= budget)
		dpi_finish(d, f);
}

void dpi_finish(struct dpi *d, struct flow *f)
{
	struct dpi_flow *df = f->dpi;
	if (!df) {
		f->dpi_done = true;
		return;
	}
	if (f->proto_app == NDPI_PROTOCOL_UNKNOWN && f->proto_master == NDPI_PROTOCOL_UNKNOWN) {
		uint8_t guessed = 0;
		set_result(f, ndpi_detection_giveup(d->mod, &df->nf, 1, &guessed));
	}
	release(d, f);
}

const char *dpi_protocol_name(struct dpi *d, const struct flow *f, char *buf, size_t len)
{
	ndpi_protocol r = { f->proto_master, f->proto_app, (ndpi_protocol_category_t)f->category };
	return ndpi_protocol2name(d->mod, r, buf, (u_int)len);
}

const char *dpi_category_name(struct dpi *d, const struct flow *f)
{
	return ndpi_category_get_name(d->mod, (ndpi_protocol_category_t)f->category);
}

const char *dpi_library_version(void) { return ndpi_revision(); }
