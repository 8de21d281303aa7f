/* \summary: evidence carving (see carve.h), written through pcapng_out.c.
 *
 * Which frames: each input is read again (frames.c) and every frame is
 * decoded as the audit decoded it, IP fragments reassembled the same way
 * (a decoder of its own per pass, as the audit has one per run and flushes
 * it at each input's end).  A frame belongs to the flow record of its input
 * with the same transport, endpoints (either direction) and VLAN ids, and
 * the largest first_frame not after it -- the assignment flow.c made, since
 * a new record starts only when no flow of that key was live.  Of a
 * datagram rebuilt from IP fragments, only the frame that completed it is
 * carved.  Each file has one interface per link type of a capture, written
 * on first use (a pcapng input may mix link types).  A finding file holds
 * every flow its finding names: the finding's own (for a bundled consent,
 * the consent's request; none, flow 0, for a command-line or capture
 * mark), and for a finding over several requests the flows of its
 * frames[], found by decoding those frames.  With each flow named by a
 * host come the DNS query and answer that named it: the last answer before
 * the flow's first frame whose question is the host and whose A/AAAA
 * records hold the server address, and the query it answers (same id,
 * reversed endpoints).
 *
 * Reads per input with findings: its SHA-256 (the audit must be carving
 * the files it read: a changed input is an error, not evidence), the
 * frames[] of findings over several requests (only when there are such
 * frames, up to the last), the DNS packets (up to the last flow's first
 * frame), then the frames themselves, once per CARVE_MAX_OPEN finding files.
 *
 * Bounded memory: frames stream from the capture to the files.  Each file's
 * section header describes what it holds (capture, SHA-256, frame map), so
 * it is written last (pcapng_out_create_deferred); the frame map is text
 * capped at MAP_MAX bytes per capture.  Everything else held is
 * proportional to the findings and flow records already in memory.
 *
 * Deterministic: no clock is read; the same report gives the same bytes.
 */
#include "carve.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "config.h"
#include "dbuf.h"
#include "decode.h"
#include "dns.h"
#include "flowstore.h"
#include "frames.h"
#include "keylog.h"
#include "log.h"
#include "pcapng_out.h"
#include "policy.h"

#ifndef CARVE_MAX_OPEN
#define CARVE_MAX_OPEN 64 /* finding files open at once (-D for tests) */
#endif
#define CARVE_SNAPLEN 262144
#define CARVE_MAX_LINKS 16 /* link types per input and file */
#define HASH_CHUNK (1u << 20)
#define MAP_MAX 16384          /* frame map text per section comment */
#define EV_MAP_BUDGET 262144   /* and in evidence.pcapng, shared by its captures */
#define FILTER_FRAMES 200      /* frames a filter names, as wireshark_filter does */
#define DNS_RECENT 4           /* queries remembered per name, to pair with an answer */
#define EV_SLOT SIZE_MAX       /* an extra frame for evidence.pcapng */

/* ---- flows: 5-tuples and the records that share them ---- */

struct tuple { /* canonical: endpoint a sorts before endpoint b */
	int input;
	uint8_t proto;
	uint16_t vlan, vlan_inner;
	uint16_t pa, pb;
	struct ip_addr a, b;
};

struct span { /* a flow record whose 5-tuple some finding's flow has */
	struct tuple t;
	uint64_t first_frame;
	uint32_t id;
	bool wanted; /* a flow of some finding */
};

struct task { /* one finding file */
	int input;
	uint32_t flow_id; /* the finding's flow */
	size_t finding;   /* index in policy_findings order; the file is F<finding+1> */
};

struct wflow { /* a flow some finding file holds */
	int input;
	uint32_t id;
	uint64_t first_frame;
	const char *host;        /* NULL: no DNS is looked for */
	struct ip_addr server;
	bool is_tls;
	uint64_t dns_query, dns_answer; /* frames, 0 when none */
};

struct want { /* finding file k (of its input's tasks) holds flow flow_id */
	int input;
	uint32_t flow_id;
	size_t k;
};

struct locate { /* a frame of a finding over several requests, to find its flow */
	int input;
	uint64_t frame;
	size_t k;
	struct tuple t;
	bool found;
};

static void make_tuple(struct tuple *t, int input, uint8_t proto, uint16_t vlan, uint16_t vlan_inner,
		       const struct ip_addr *x, uint16_t px, const struct ip_addr *y, uint16_t py)
{
	int c = memcmp(x, y, sizeof(*x));
	bool swap = c > 0 || (c == 0 && px > py);
	memset(t, 0, sizeof(*t));
	t->input = input;
	t->proto = proto;
	t->vlan = vlan;
	t->vlan_inner = vlan_inner;
	t->a = swap ? *y : *x;
	t->pa = swap ? py : px;
	t->b = swap ? *x : *y;
	t->pb = swap ? px : py;
}

static int tuple_cmp(const struct tuple *x, const struct tuple *y)
{
	if (x->input != y->input)
		return x->input < y->input ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->vlan != y->vlan)
		return x->vlan < y->vlan ? -1 : 1;
	if (x->vlan_inner != y->vlan_inner)
		return x->vlan_inner < y->vlan_inner ? -1 : 1;
	int c = memcmp(&x->a, &y->a, sizeof(x->a));
	if (c)
		return c < 0 ? -1 : 1;
	if (x->pa != y->pa)
		return x->pa < y->pa ? -1 : 1;
	c = memcmp(&x->b, &y->b, sizeof(x->b));
	if (c)
		return c < 0 ? -1 : 1;
	if (x->pb != y->pb)
		return x->pb < y->pb ? -1 : 1;
	return 0;
}

static int tuple_qcmp(const void *x, const void *y)
{
	return tuple_cmp(x, y);
}

static int span_cmp(const void *x, const void *y)
{
	const struct span *s = x, *u = y;
	int c = tuple_cmp(&s->t, &u->t);
	if (c)
		return c;
	if (s->first_frame != u->first_frame)
		return s->first_frame < u->first_frame ? -1 : 1;
	return s->id < u->id ? -1 : s->id > u->id;
}

static int task_cmp(const void *x, const void *y)
{
	const struct task *s = x, *u = y;
	if (s->input != u->input)
		return s->input < u->input ? -1 : 1;
	return s->finding < u->finding ? -1 : s->finding > u->finding;
}

static int flow_key_cmp(int xi, uint32_t xid, int yi, uint32_t yid)
{
	if (xi != yi)
		return xi < yi ? -1 : 1;
	return xid < yid ? -1 : xid > yid;
}

static int want_cmp(const void *x, const void *y)
{
	const struct want *s = x, *u = y;
	int c = flow_key_cmp(s->input, s->flow_id, u->input, u->flow_id);
	if (c)
		return c;
	return s->k < u->k ? -1 : s->k > u->k;
}

static int wflow_cmp(const void *x, const void *y)
{
	const struct wflow *s = x, *u = y;
	return flow_key_cmp(s->input, s->id, u->input, u->id);
}

static int locate_cmp(const void *x, const void *y)
{
	const struct locate *s = x, *u = y;
	if (s->input != u->input)
		return s->input < u->input ? -1 : 1;
	if (s->frame != u->frame)
		return s->frame < u->frame ? -1 : 1;
	return s->k < u->k ? -1 : s->k > u->k;
}

static void record_tuple(const struct flow_record *r, struct tuple *t)
{
	make_tuple(t, r->input, r->transport, r->vlan, r->vlan_inner, &r->client, r->client_port, &r->server,
		   r->server_port);
}

/* First index in v[0..n) whose tuple is not below t. */
static size_t span_lower(const struct span *v, size_t n, const struct tuple *t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tuple_cmp(&v[mid].t, t) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First index in v[0..n) whose flow is not below (input, id). */
static size_t want_lower(const struct want *v, size_t n, int input, uint32_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (flow_key_cmp(v[mid].input, v[mid].flow_id, input, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct wflow *wflow_find(struct wflow *v, size_t n, int input, uint32_t id)
{
	struct wflow key = { .input = input, .id = id };
	return n ? bsearch(&key, v, n, sizeof(*v), wflow_cmp) : NULL;
}

/* ---- how packet comments and filters name a capture ---- */

/* Its base name; its path when another input has the same base name; and
 * its number too when even the path repeats: "frame N of LABEL" names one
 * frame of the run, in a finding file and in evidence.pcapng alike. */
static char *input_label(const struct audit *a, int input)
{
	const struct input_record *in = &a->inputs[input];
	const char *name = in->name ? in->name : in->path;
	bool same_name = false, same_path = false;
	for (size_t i = 0; i < a->ninputs; i++) {
		const struct input_record *o = &a->inputs[i];
		if ((int)i == input)
			continue;
		same_name = same_name || strcmp(o->name ? o->name : o->path, name) == 0;
		same_path = same_path || strcmp(o->path, in->path) == 0;
	}
	char *s = NULL;
	if (same_path) {
		if (asprintf(&s, "%s (input %d)", in->path, input + 1) < 0)
			s = NULL;
	} else {
		s = strdup(same_name ? in->path : name);
	}
	return s;
}

/* A display filter string literal: quotes and backslashes escaped, control
 * bytes as \xHH; other bytes (UTF-8) as they are, as in the comment. */
static void filter_string(struct dbuf *b, const char *s)
{
	dbuf_append_byte(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			dbuf_append(b, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			dbuf_append_str(b, esc);
		} else {
			dbuf_append_byte(b, *p);
		}
	}
	dbuf_append_byte(b, '"');
}

/* `frame.comment == "frame N of LABEL"`, or'd for several frames (the
 * first FILTER_FRAMES): equality, so frame 6 never selects 16 or 60. */
static char *comment_filter(const char *label, const uint64_t *frames, size_t n)
{
	struct dbuf b;
	dbuf_init(&b, 0);
	for (size_t i = 0; i < n && i < FILTER_FRAMES; i++) {
		char head[48];
		snprintf(head, sizeof(head), "%sframe.comment == ", i ? " || " : "");
		dbuf_append_str(&b, head);
		char *text;
		if (asprintf(&text, "frame %llu of %s", (unsigned long long)frames[i], label) < 0) {
			dbuf_free(&b);
			return NULL;
		}
		filter_string(&b, text);
		free(text);
	}
	if (!dbuf_terminate(&b)) {
		dbuf_free(&b);
		return NULL;
	}
	return dbuf_detach(&b, NULL);
}

static void finding_frames(const struct finding *f, const uint64_t **frames, size_t *n)
{
	*frames = f->nalso ? f->also_frames : &f->frame;
	*n = f->nalso ? f->nalso : 1;
}

char *carve_filter(const struct audit *a, const struct finding *f)
{
	if (f->input < 0 || (size_t)f->input >= a->ninputs || strcmp(a->inputs[f->input].path, "-") == 0)
		return NULL;
	char *label = input_label(a, f->input);
	if (!label)
		return NULL;
	const uint64_t *frames;
	size_t n;
	finding_frames(f, &frames, &n);
	char *s = comment_filter(label, frames, n);
	free(label);
	return s;
}

/* ---- output files: pcapng_out.c, with a frame map for the section header ---- */

struct out {
	struct pcapng_out *w;
	char *path;
	uint64_t last;   /* the last frame written: a frame goes in once */
	uint64_t carved; /* frames written */
	uint64_t run_carved, run_orig, run_len; /* the run of consecutive frames being mapped */
	struct dbuf map; /* "1-11=58-68, 12=70": this file's frames = the capture's */
	size_t map_max;
	bool map_cut;
	uint32_t next_iface;     /* interfaces written so far */
	size_t nlinks;           /* the current capture's interfaces: */
	int link_dlt[CARVE_MAX_LINKS];
	uint32_t link_iface[CARVE_MAX_LINKS];
};

struct sum {
	char name[32];
	char hex[65];
};

static char *join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	char *p;
	if (asprintf(&p, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name) < 0)
		return NULL;
	return p;
}

/* Creates DIR/name; its section header is written when it is closed. */
static int out_open(struct out *o, const char *dir, const char *name, size_t map_max)
{
	memset(o, 0, sizeof(*o));
	dbuf_init(&o->map, 0);
	o->map_max = map_max;
	o->path = join_path(dir, name);
	if (!o->path) {
		log_error("%s/%s: out of memory", dir, name);
		return -1;
	}
	if (!(o->w = pcapng_out_create_deferred(o->path, 0666))) {
		log_error("%s: cannot write: %s", o->path, strerror(errno));
		return -1;
	}
	return 0;
}

static void map_flush(struct out *o)
{
	if (!o->run_len)
		return;
	char piece[96];
	unsigned long long c = o->run_carved, f = o->run_orig, n = o->run_len;
	int len = n == 1 ? snprintf(piece, sizeof(piece), "%s%llu=%llu", o->map.len ? ", " : "", c, f)
			 : snprintf(piece, sizeof(piece), "%s%llu-%llu=%llu-%llu", o->map.len ? ", " : "", c,
				    c + n - 1, f, f + n - 1);
	o->run_len = 0;
	if (o->map_cut || len < 0)
		return;
	if (o->map.len + (size_t)len > o->map_max)
		o->map_cut = true;
	else
		dbuf_append(&o->map, piece, (size_t)len);
}

/* The map so far, as one line; starts a new one. */
static void map_line(struct out *o, struct dbuf *text)
{
	map_flush(o);
	dbuf_append_str(text, "frames, this file=the capture: ");
	dbuf_append(text, o->map.data, o->map.len);
	if (o->map_cut)
		dbuf_append_str(text, ", ... (cut here; every packet's comment names its frame in the capture)");
	dbuf_reset(&o->map);
	o->map_cut = false;
}

/* The interface of the current capture's link type dlt in o, its IDB
 * written on first use; -1 past CARVE_MAX_LINKS link types. */
static int64_t out_iface(struct out *o, int dlt)
{
	for (size_t i = 0; i < o->nlinks; i++)
		if (o->link_dlt[i] == dlt)
			return o->link_iface[i];
	if (o->nlinks == CARVE_MAX_LINKS)
		return -1;
	pcapng_out_idb(o->w, dlt, CARVE_SNAPLEN, NULL);
	o->link_dlt[o->nlinks] = dlt;
	o->link_iface[o->nlinks++] = o->next_iface;
	return o->next_iface++;
}

/* Frame `frame` (f) into o, once, on the interface of its link type;
 * -1 past CARVE_MAX_LINKS link types. */
static int emit(struct out *o, uint64_t frame, const struct frame *f, const char *comment, uint16_t clen)
{
	if (o->last == frame)
		return 0;
	int64_t iface = out_iface(o, f->dlt);
	if (iface < 0)
		return -1;
	o->last = frame;
	pcapng_out_epb(o->w, (uint32_t)iface, f->ts_ns, f->data, f->caplen, f->wirelen, comment, clen);
	o->carved++;
	if (o->run_len && frame == o->run_orig + o->run_len) {
		o->run_len++;
		return 0;
	}
	map_flush(o);
	o->run_carved = o->carved;
	o->run_orig = frame;
	o->run_len = 1;
	return 0;
}

/* Closes the file (writing its header with `comment`); its hash into hex
 * (when given).  Reports a failed write. */
static int out_close(struct out *o, const struct dbuf *comment, char hex[65])
{
	int rc = 0;
	if (o->w && comment && comment->len)
		pcapng_out_shb_comment(o->w, (const char *)comment->data, comment->len);
	if (o->w && pcapng_out_close(o->w, hex) < 0) {
		log_error("%s: cannot write: %s", o->path, strerror(errno));
		rc = -1;
	}
	free(o->path);
	dbuf_free(&o->map);
	memset(o, 0, sizeof(*o));
	return rc;
}

/* Appends the key log lines of flow `id` (when it is a TLS flow whose
 * secrets the audit had) to b. */
static void flow_keylog(const struct audit *a, uint32_t id, struct dbuf *b)
{
	struct flow_record r;
	const struct flow_tls *t = flow_store_get(a->records, id, &r) && r.is_tls ? &r.tls : NULL;
	const struct keylog_entry *e = t && t->have_random ? keylog_find(a->keylog, t->client_random) : NULL;
	if (!e)
		return;
	char lines[1024];
	size_t n = keylog_format(e, lines, sizeof(lines));
	if (n < sizeof(lines))
		dbuf_append(b, lines, n);
}

/* A Decryption Secrets Block: Wireshark opens the carved TLS flows
 * decrypted with no key log beside the file. */
static void write_dsb(struct out *o, const struct dbuf *keys)
{
	if (keys->len)
		pcapng_out_dsb(o->w, PCAPNG_SECRETS_TLS_KEYLOG, keys->data, keys->len);
}

/* ---- the carve's state ---- */

struct carver {
	const struct audit *a;
	const struct finding *fd;
	const char *dir;
	struct task *tasks; /* by input, then finding */
	size_t ntasks;
	struct span *spans;
	size_t nspans;
	struct wflow *flows; /* by input, then id */
	size_t nflows;
	struct want *wants;  /* by input, flow, task */
	size_t nwants, capwants;
	struct locate *locs; /* by input, frame */
	size_t nlocs, caplocs;
	char **labels;       /* per input with findings */
	char (*sha)[65];     /* per input: its SHA-256 as read now */
	struct sum *sums;
	struct out ev;
	size_t ev_map_max;
	struct dbuf ev_comment;
};

static bool grow(void **v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 64;
	void *p = realloc(*v, c * size);
	if (!p)
		return false;
	*v = p;
	*cap = c;
	return true;
}

static bool add_want(struct carver *c, int input, uint32_t id, size_t k)
{
	if (!grow((void **)&c->wants, c->nwants, &c->capwants, sizeof(*c->wants)))
		return false;
	c->wants[c->nwants++] = (struct want){ .input = input, .flow_id = id, .k = k };
	return true;
}

static void changed(const struct input_record *in, const char *what)
{
	log_error("%s: the capture changed since it was audited (%s); no evidence carved from it", in->path, what);
}

static bool hash_file(const char *path, char hex[65])
{
	FILE *fp = fopen(path, "rb");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = malloc(HASH_CHUNK);
	bool ok = fp && ctx && buf && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	size_t n;
	while (ok && (n = fread(buf, 1, HASH_CHUNK, fp)) > 0)
		ok = EVP_DigestUpdate(ctx, buf, n);
	unsigned char md[32];
	ok = ok && !ferror(fp) && EVP_DigestFinal_ex(ctx, md, NULL);
	if (ok)
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (fp)
		fclose(fp);
	EVP_MD_CTX_free(ctx);
	free(buf);
	return ok;
}

/* The input's SHA-256 now, which must be the report's. */
static int check_input(struct carver *c, int input)
{
	const struct input_record *in = &c->a->inputs[input];
	if (!hash_file(in->path, c->sha[input])) {
		log_error("%s: cannot read the capture again: %s", in->path, strerror(errno ? errno : EIO));
		return -1;
	}
	if (in->sha256[0] && strcmp(c->sha[input], in->sha256) != 0) {
		changed(in, "its SHA-256 differs");
		return -1;
	}
	return 0;
}

/* A capture read again: its frames, and a decoder of the pass's own, so
 * that IP fragments are put together as the audit put them (its decoder
 * starts each input empty: it is flushed at the end of each). */
struct reread {
	struct frames *src;
	struct decoder *dec;
};

static int reread_open(struct reread *rd, const struct input_record *in)
{
	char errbuf[PCAP_ERRBUF_SIZE + 128] = "";
	memset(rd, 0, sizeof(*rd));
	FILE *fp = fopen(in->path, "rb");
	uint64_t at;
	rd->src = fp ? frames_open(fp, in->format ? in->format : "pcap", errbuf, sizeof(errbuf), &at) : NULL;
	if (!rd->src) {
		log_error("%s: cannot read the capture again: %s", in->path, fp ? errbuf : strerror(errno));
		return -1;
	}
	if (frames_dlt(rd->src) != in->dlt) {
		frames_close(rd->src);
		changed(in, "another link type");
		return -1;
	}
	struct decoder_limits dl;
	decoder_default_limits(&dl);
	if (!(rd->dec = decoder_new(&dl))) {
		frames_close(rd->src);
		log_error("%s: out of memory", in->path);
		return -1;
	}
	return 0;
}

/* Decodes f as the audit did; false when it gave no TCP or UDP packet (a
 * fragment held for its datagram among them). */
static bool reread_decode(struct reread *rd, const struct frame *f, struct packet *p)
{
	p->data = f->data;
	p->caplen = f->caplen;
	p->wirelen = f->wirelen;
	p->ts_ns = f->ts_ns;
	return decode_packet(rd->dec, f->dlt, p) == DECODE_OK;
}

static void reread_close(struct reread *rd)
{
	decoder_free(rd->dec);
	frames_close(rd->src);
	memset(rd, 0, sizeof(*rd));
}

/* The flow record frame `frame` of this 5-tuple belongs to, NULL if none. */
static const struct span *span_of(const struct carver *c, const struct tuple *t, uint64_t frame)
{
	const struct span *hit = NULL;
	for (size_t i = span_lower(c->spans, c->nspans, t); i < c->nspans && tuple_cmp(&c->spans[i].t, t) == 0; i++) {
		if (c->spans[i].first_frame > frame)
			break;
		hit = &c->spans[i];
	}
	return hit;
}

/* ---- planning ---- */

/* Checks every finding's flow and input; fills tasks (by input, then
 * finding), their own flows as wants, and the frames of findings over
 * several requests as locates.  A finding with no flow (flow 0: a bundled
 * consent at a command-line or capture mark) is carved from its input,
 * with the flows of its frames only. */
static int plan_tasks(struct carver *c, size_t n)
{
	const struct audit *a = c->a;
	for (size_t i = 0; i < n; i++) {
		const struct finding *f = &c->fd[i];
		uint32_t id = f->flow_id;
		int input = f->input;
		if (id) {
			struct flow_record rec;
			const struct flow_record *r = flow_store_get(a->records, id, &rec) ? &rec : NULL;
			if (!r) {
				log_error("finding %zu: its flow %u has no record; nothing carved", i + 1, id);
				return -1;
			}
			input = r->input;
		}
		if (input < 0 || (size_t)input >= a->ninputs) {
			log_error("finding %zu: no capture of the run holds it; nothing carved", i + 1);
			return -1;
		}
		const struct input_record *in = &a->inputs[input];
		if (strcmp(in->path, "-") == 0) {
			log_error("cannot carve from standard input (finding %zu): replay a capture file to carve evidence",
				  i + 1);
			return -1;
		}
		c->tasks[i] = (struct task){ .input = input, .flow_id = id, .finding = i };
	}
	if (n)
		qsort(c->tasks, n, sizeof(*c->tasks), task_cmp);
	c->ntasks = n;
	for (size_t i = 0, k = 0; i < n; i++, k++) {
		const struct task *t = &c->tasks[i];
		if (i && t->input != c->tasks[i - 1].input)
			k = 0;
		if (t->flow_id && !add_want(c, t->input, t->flow_id, k))
			goto oom;
		/* a finding over several requests: their flows (a bundled
		 * consent's own flow is its flow_id, the consent's request) */
		const struct finding *f = &c->fd[t->finding];
		for (size_t j = 0; j < f->nalso; j++) {
			if (!grow((void **)&c->locs, c->nlocs, &c->caplocs, sizeof(*c->locs)))
				goto oom;
			c->locs[c->nlocs++] = (struct locate){ .input = t->input, .frame = f->also_frames[j], .k = k };
		}
	}
	if (c->nlocs)
		qsort(c->locs, c->nlocs, sizeof(*c->locs), locate_cmp);
	return 0;
oom:
	log_error("%s: out of memory", c->dir);
	return -1;
}

/* Reads the flow key of every locate of this input (locs[0..n), by
 * frame).  Every frame up to the last is decoded: a located frame may
 * complete a datagram of earlier fragments. */
static int locate_frames(struct carver *c, int input, struct locate *locs, size_t n)
{
	struct reread rd;
	if (reread_open(&rd, &c->a->inputs[input]) < 0)
		return -1;
	struct frame f;
	uint64_t frame = 0;
	size_t i = 0;
	while (i < n && frames_next(rd.src, &f) == 1) {
		frame++;
		struct packet p;
		bool ok = reread_decode(&rd, &f, &p);
		for (; i < n && locs[i].frame == frame; i++) {
			if (ok)
				make_tuple(&locs[i].t, input, p.l4_proto, p.vlan, p.vlan_inner, &p.src, p.sport, &p.dst,
					   p.dport);
			locs[i].found = ok;
		}
	}
	reread_close(&rd);
	return 0;
}

/* Every flow record sharing a 5-tuple with a wanted flow or a located
 * frame, by tuple then first frame. */
static int plan_spans(struct carver *c)
{
	const struct audit *a = c->a;
	size_t cap = c->nwants + c->nlocs;
	struct tuple *want = malloc((cap ? cap : 1) * sizeof(*want));
	if (!want)
		return -1;
	size_t nwant = 0;
	for (size_t i = 0; i < c->nwants; i++) {
		struct flow_record rec;
		if (flow_store_get(a->records, c->wants[i].flow_id, &rec)) /* plan_tasks checked it is there */
			record_tuple(&rec, &want[nwant++]);
	}
	for (size_t i = 0; i < c->nlocs; i++)
		if (c->locs[i].found)
			want[nwant++] = c->locs[i].t;
	if (nwant)
		qsort(want, nwant, sizeof(*want), tuple_qcmp);
	size_t scap = 0;
	struct flow_iter it;
	flow_iter_init(&it, a->records);
	for (const struct flow_record *r; (r = flow_iter_next(&it));) {
		struct tuple t;
		record_tuple(r, &t);
		if (!nwant || !bsearch(&t, want, nwant, sizeof(*want), tuple_qcmp))
			continue;
		if (!grow((void **)&c->spans, c->nspans, &scap, sizeof(*c->spans))) {
			flow_iter_end(&it);
			free(want);
			return -1;
		}
		c->spans[c->nspans++] = (struct span){ .t = t, .first_frame = r->first_frame, .id = r->id };
	}
	flow_iter_end(&it);
	free(want);
	if (c->nspans)
		qsort(c->spans, c->nspans, sizeof(*c->spans), span_cmp);
	return 0;
}

/* Located frames become wants; then the wanted flows, their records'
 * facts, and which spans are wanted. */
static int plan_flows(struct carver *c)
{
	const struct audit *a = c->a;
	for (size_t i = 0; i < c->nlocs; i++) {
		const struct span *s = c->locs[i].found ? span_of(c, &c->locs[i].t, c->locs[i].frame) : NULL;
		if (s && !add_want(c, c->locs[i].input, s->id, c->locs[i].k))
			return -1;
	}
	if (c->nwants)
		qsort(c->wants, c->nwants, sizeof(*c->wants), want_cmp);
	size_t n = 0;
	for (size_t i = 0; i < c->nwants; i++) /* duplicates out */
		if (!n || want_cmp(&c->wants[i], &c->wants[n - 1]) != 0)
			c->wants[n++] = c->wants[i];
	c->nwants = n;
	c->flows = calloc(n ? n : 1, sizeof(*c->flows));
	if (!c->flows)
		return -1;
	for (size_t i = 0; i < c->nwants; i++) {
		const struct want *w = &c->wants[i];
		if (i && w->input == w[-1].input && w->flow_id == w[-1].flow_id)
			continue;
		struct flow_record r;
		if (!flow_store_get(a->records, w->flow_id, &r))
			continue;
		struct wflow *f = &c->flows[c->nflows++];
		f->input = w->input;
		f->id = w->flow_id;
		f->first_frame = r.first_frame;
		/* a DNS exchange names what it asks for; it was not named by one */
		f->host = r.host_source == HOST_FROM_DNS_QUERY ? NULL : r.host;
		f->server = r.server;
		f->is_tls = r.is_tls;
	}
	for (size_t i = 0; i < c->nspans; i++)
		c->spans[i].wanted = wflow_find(c->flows, c->nflows, c->spans[i].t.input, c->spans[i].id) != NULL;
	return 0;
}

/* ---- the DNS packets that named the flows' hosts ---- */

struct dns_query_seen {
	uint64_t frame;
	uint16_t id;
	uint16_t sport, dport;
	struct ip_addr src, dst;
};

struct dns_name {
	char *name; /* lower case, no final dot */
	struct dns_query_seen recent[DNS_RECENT];
	unsigned nrecent;
};

struct dns_group { /* a (name, address) some flow was named by */
	size_t name;
	struct ip_addr addr;
	uint64_t query, answer; /* the latest so far */
};

static int name_cmp(const void *x, const void *y)
{
	return strcmp(((const struct dns_name *)x)->name, ((const struct dns_name *)y)->name);
}

static int group_cmp(const void *x, const void *y)
{
	const struct dns_group *s = x, *u = y;
	if (s->name != u->name)
		return s->name < u->name ? -1 : 1;
	return memcmp(&s->addr, &u->addr, sizeof(s->addr));
}

struct dns_target {
	struct wflow *flow;
	size_t group;
};

static int target_cmp(const void *x, const void *y)
{
	const struct dns_target *s = x, *u = y;
	if (s->flow->first_frame != u->flow->first_frame)
		return s->flow->first_frame < u->flow->first_frame ? -1 : 1;
	return s->flow->id < u->flow->id ? -1 : s->flow->id > u->flow->id;
}

static char *dns_key(const char *host)
{
	size_t n = strlen(host);
	if (n && host[n - 1] == '.')
		n--;
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] + 32 : host[i]);
	s[n] = 0;
	return s;
}

static void dns_packet(struct dns_name *names, size_t nnames, struct dns_group *groups, size_t ngroups,
		       const struct packet *p, uint64_t frame)
{
	struct dns_message m;
	if (dns_parse(p->payload, p->payload_len, &m) < 0 || !m.qname[0])
		return;
	struct dns_name key = { .name = m.qname };
	struct dns_name *nm = bsearch(&key, names, nnames, sizeof(*names), name_cmp);
	if (!nm)
		return;
	if (!m.response) {
		if (p->dport != 53)
			return;
		memmove(nm->recent + 1, nm->recent, (DNS_RECENT - 1) * sizeof(nm->recent[0]));
		nm->recent[0] = (struct dns_query_seen){ frame, m.id, p->sport, p->dport, p->src, p->dst };
		if (nm->nrecent < DNS_RECENT)
			nm->nrecent++;
		return;
	}
	if (p->sport != 53 || !m.naddrs)
		return;
	uint64_t query = 0;
	for (unsigned i = 0; i < nm->nrecent && !query; i++) {
		const struct dns_query_seen *q = &nm->recent[i];
		if (q->id == m.id && q->sport == p->dport && q->dport == p->sport &&
		    memcmp(&q->src, &p->dst, sizeof(q->src)) == 0 && memcmp(&q->dst, &p->src, sizeof(q->dst)) == 0)
			query = q->frame;
	}
	struct dns_group g = { .name = (size_t)(nm - names) };
	for (size_t i = 0; i < m.naddrs; i++) {
		g.addr = m.addrs[i];
		struct dns_group *hit = bsearch(&g, groups, ngroups, sizeof(*groups), group_cmp);
		if (hit) {
			hit->answer = frame;
			hit->query = query;
		}
	}
}

/* For each wanted flow of this input named by a host (flows[0..n)): the
 * last DNS answer before its first frame naming the host with the flow's
 * server address, and its query.  Reads up to the last flow's first frame. */
static int dns_scan(struct carver *c, int input, struct wflow *flows, size_t n)
{
	struct dns_target *tg = calloc(n ? n : 1, sizeof(*tg));
	struct dns_name *names = calloc(n ? n : 1, sizeof(*names));
	struct dns_group *groups = calloc(n ? n : 1, sizeof(*groups));
	size_t nt = 0, nnames = 0, ngroups = 0;
	int rc = -1;
	if (!tg || !names || !groups)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		if (!flows[i].host)
			continue;
		if (!(names[nnames++].name = dns_key(flows[i].host)))
			goto oom;
		tg[nt++].flow = &flows[i];
	}
	if (!nt) {
		rc = 0;
		goto out;
	}
	/* names[i] is target i's: each target's group is (its name, its server);
	 * then the names are sorted and made unique, and groups point into them */
	for (size_t i = 0; i < nt; i++)
		groups[i] = (struct dns_group){ .name = i, .addr = tg[i].flow->server };
	struct dns_name *by_target = malloc(nt * sizeof(*by_target));
	if (!by_target)
		goto oom;
	memcpy(by_target, names, nt * sizeof(*by_target));
	qsort(names, nnames, sizeof(*names), name_cmp);
	size_t u = 0;
	for (size_t i = 0; i < nnames; i++)
		if (!u || strcmp(names[i].name, names[u - 1].name) != 0)
			names[u++] = names[i];
	for (size_t i = 0; i < nt; i++) {
		struct dns_name *nm = bsearch(&by_target[i], names, u, sizeof(*names), name_cmp);
		groups[i].name = (size_t)(nm - names);
		if (nm->name != by_target[i].name)
			free(by_target[i].name); /* a duplicate */
	}
	free(by_target);
	nnames = u;
	qsort(groups, nt, sizeof(*groups), group_cmp);
	for (size_t i = 0; i < nt; i++)
		if (!ngroups || group_cmp(&groups[i], &groups[ngroups - 1]) != 0)
			groups[ngroups++] = groups[i];
	for (size_t i = 0; i < nt; i++) {
		char *k = dns_key(tg[i].flow->host);
		if (!k)
			goto oom;
		struct dns_name key = { .name = k };
		struct dns_group g = { .addr = tg[i].flow->server };
		g.name = (size_t)((struct dns_name *)bsearch(&key, names, nnames, sizeof(*names), name_cmp) - names);
		free(k);
		tg[i].group = (size_t)((struct dns_group *)bsearch(&g, groups, ngroups, sizeof(*groups), group_cmp) -
				       groups);
	}
	qsort(tg, nt, sizeof(*tg), target_cmp);

	struct reread rd;
	if (reread_open(&rd, &c->a->inputs[input]) < 0)
		goto out;
	struct frame fr;
	uint64_t frame = 0;
	size_t next = 0;
	while (next < nt && frames_next(rd.src, &fr) == 1) {
		frame++;
		/* what was known before a flow's first frame names it */
		for (; next < nt && tg[next].flow->first_frame <= frame; next++) {
			tg[next].flow->dns_query = groups[tg[next].group].query;
			tg[next].flow->dns_answer = groups[tg[next].group].answer;
		}
		struct packet p;
		if (reread_decode(&rd, &fr, &p) && p.l4_proto == 17 && p.payload && (p.sport == 53 || p.dport == 53))
			dns_packet(names, nnames, groups, ngroups, &p, frame);
	}
	reread_close(&rd);
	rc = 0;
	goto out;
oom:
	log_error("%s: out of memory", c->dir);
out:
	for (size_t i = 0; names && i < nnames; i++)
		free(names[i].name);
	free(names);
	free(groups);
	free(tg);
	return rc;
}

/* ---- writing ---- */

struct extra { /* a DNS frame for an output (a slot of the batch, or EV_SLOT) */
	uint64_t frame;
	size_t slot;
};

static int extra_cmp(const void *x, const void *y)
{
	const struct extra *s = x, *u = y;
	if (s->frame != u->frame)
		return s->frame < u->frame ? -1 : 1;
	return s->slot < u->slot ? -1 : s->slot > u->slot;
}

struct batch {
	int input;
	size_t b, m;           /* tasks b..b+m of the input */
	const struct want *wants; /* the input's */
	size_t nwants;
	struct out *outs;
	struct out *ev;        /* NULL after the first batch */
	const struct extra *extras;
	size_t nextras;
	const char *label;
};

/* One pass over the input: the frames of the batch's files and, with ev,
 * of evidence.pcapng.  Checks the frame count against the report's. */
static int carve_pass(struct carver *c, const struct batch *bt)
{
	const struct input_record *in = &c->a->inputs[bt->input];
	struct reread rd;
	if (reread_open(&rd, in) < 0)
		return -1;
	size_t clen_max = strlen(bt->label) + 32;
	char *comment = malloc(clen_max);
	if (!comment) {
		reread_close(&rd);
		log_error("%s: out of memory", c->dir);
		return -1;
	}
	struct frame f;
	uint64_t frame = 0;
	size_t xi = 0;
	int r = 1, rc = 0;
	while (rc == 0 && frame < in->frames && (r = frames_next(rd.src, &f)) == 1) {
		frame++;
		int cl = snprintf(comment, clen_max, "frame %llu of %s", (unsigned long long)frame, bt->label);
		uint16_t clen = (uint16_t)(cl < 0 ? 0 : (size_t)cl < clen_max ? (size_t)cl : clen_max - 1);
		for (; xi < bt->nextras && bt->extras[xi].frame <= frame; xi++) {
			if (bt->extras[xi].frame < frame)
				continue;
			size_t s = bt->extras[xi].slot;
			if (emit(s == EV_SLOT ? bt->ev : &bt->outs[s], frame, &f, comment, clen) < 0)
				rc = -1;
		}
		struct packet p;
		if (!reread_decode(&rd, &f, &p))
			continue; /* of a datagram in fragments, only the frame completing it decodes */
		struct tuple t;
		make_tuple(&t, bt->input, p.l4_proto, p.vlan, p.vlan_inner, &p.src, p.sport, &p.dst, p.dport);
		const struct span *s = span_of(c, &t, frame);
		if (!s || !s->wanted)
			continue;
		if (bt->ev && emit(bt->ev, frame, &f, comment, clen) < 0)
			rc = -1;
		for (size_t k = want_lower(bt->wants, bt->nwants, bt->input, s->id);
		     k < bt->nwants && bt->wants[k].flow_id == s->id; k++)
			if (bt->wants[k].k >= bt->b && bt->wants[k].k < bt->b + bt->m &&
			    emit(&bt->outs[bt->wants[k].k - bt->b], frame, &f, comment, clen) < 0)
				rc = -1;
	}
	free(comment);
	char what[PCAP_ERRBUF_SIZE + 200];
	if (rc < 0) {
		log_error("%s: more than %d link types; no evidence carved from it", in->path, CARVE_MAX_LINKS);
	} else if (frame < in->frames) {
		snprintf(what, sizeof(what), "%llu frames read, the report has %llu%s%s", (unsigned long long)frame,
			 (unsigned long long)in->frames, r < 0 ? ": " : "", r < 0 ? frames_error(rd.src) : "");
		changed(in, what);
		rc = -1;
	} else if (!in->error && (r = frames_next(rd.src, &f)) != 0) {
		/* the audit read this input to its end; so must we */
		snprintf(what, sizeof(what), "%s after frame %llu",
			 r == 1 ? "more frames" : "a read error", (unsigned long long)in->frames);
		changed(in, what);
		rc = -1;
	}
	reread_close(&rd);
	return rc;
}

/* The section comment of finding file `finding`. */
static void finding_comment(const struct carver *c, size_t finding, const char *label, struct out *o,
			    struct dbuf *text)
{
	const struct finding *f = &c->fd[finding];
	char line[640];
	snprintf(line, sizeof(line), "privaudit %s evidence: finding %zu of the report (%s at frame %llu%s%.300s)\n",
		 PACKAGE_VERSION, finding + 1, finding_type_name(f->type), (unsigned long long)f->frame,
		 f->host ? ", " : "", f->host ? f->host : "");
	dbuf_append_str(text, line);
	dbuf_append_str(text, "capture: ");
	dbuf_append_str(text, label);
	snprintf(line, sizeof(line), "\ncapture SHA-256: %s\n", c->sha[f->input]);
	dbuf_append_str(text, line);
	map_line(o, text);
	const struct wflow *w = wflow_find(c->flows, c->nflows, f->input, f->flow_id);
	if (w && w->dns_answer) {
		char addr[64];
		ip_addr_str(&w->server, addr, sizeof(addr));
		snprintf(line, sizeof(line), "\nthe DNS answer naming %.200s (%s): frame %llu", w->host, addr,
			 (unsigned long long)w->dns_answer);
		dbuf_append_str(text, line);
		if (w->dns_query) {
			snprintf(line, sizeof(line), " (its query: frame %llu)", (unsigned long long)w->dns_query);
			dbuf_append_str(text, line);
		}
	}
	const uint64_t *frames;
	size_t n;
	finding_frames(f, &frames, &n);
	char *filter = comment_filter(label, frames, n);
	if (filter) {
		dbuf_append_str(text, "\nthe finding's frames here: ");
		dbuf_append_str(text, filter);
		free(filter);
	}
}

static int add_extra(struct extra **v, size_t *n, size_t *cap, uint64_t frame, size_t slot)
{
	if (!frame)
		return 0;
	if (!grow((void **)v, *n, cap, sizeof(**v)))
		return -1;
	(*v)[(*n)++] = (struct extra){ frame, slot };
	return 0;
}

/* All finding files of one input (tasks[0..n)), and its frames into evidence.pcapng. */
static int carve_input(struct carver *c, int input, const struct task *tasks, size_t n)
{
	const struct input_record *in = &c->a->inputs[input];
	const char *label = c->labels[input];
	size_t w0 = want_lower(c->wants, c->nwants, input, 0), w1 = want_lower(c->wants, c->nwants, input + 1, 0);
	const struct want *wants = c->wants + w0;
	size_t nw = w1 - w0;
	size_t f0 = 0;
	while (f0 < c->nflows && c->flows[f0].input < input)
		f0++;
	size_t f1 = f0;
	while (f1 < c->nflows && c->flows[f1].input == input)
		f1++;
	if (dns_scan(c, input, c->flows + f0, f1 - f0) < 0)
		return -1;

	c->ev.nlinks = 0; /* each capture gets interfaces of its own */
	out_iface(&c->ev, in->dlt);
	c->ev.last = 0; /* frame numbers start again with each capture */
	struct dbuf keys;
	dbuf_init(&keys, 0);
	for (size_t i = f0; i < f1; i++)
		flow_keylog(c->a, c->flows[i].id, &keys);
	write_dsb(&c->ev, &keys);
	dbuf_free(&keys);

	struct out outs[CARVE_MAX_OPEN];
	struct extra *extras = NULL;
	size_t nextras = 0, capextras = 0;
	int rc = 0;
	for (size_t b = 0; rc == 0 && b < n; b += CARVE_MAX_OPEN) {
		size_t m = n - b < CARVE_MAX_OPEN ? n - b : CARVE_MAX_OPEN;
		size_t opened = 0;
		for (; opened < m; opened++) {
			struct sum *s = &c->sums[tasks[b + opened].finding];
			snprintf(s->name, sizeof(s->name), "F%04zu.pcapng", tasks[b + opened].finding + 1);
			if (out_open(&outs[opened], c->dir, s->name, MAP_MAX) < 0) {
				out_close(&outs[opened], NULL, NULL);
				rc = -1;
				break;
			}
			out_iface(&outs[opened], in->dlt);
		}
		nextras = 0;
		for (size_t k = 0; rc == 0 && k < opened; k++) {
			dbuf_init(&keys, 0);
			for (size_t i = 0; i < nw; i++) {
				if (wants[i].k != b + k)
					continue;
				flow_keylog(c->a, wants[i].flow_id, &keys);
				const struct wflow *w = wflow_find(c->flows, c->nflows, input, wants[i].flow_id);
				if (w && (add_extra(&extras, &nextras, &capextras, w->dns_query, k) < 0 ||
					  add_extra(&extras, &nextras, &capextras, w->dns_answer, k) < 0))
					rc = -1;
			}
			write_dsb(&outs[k], &keys);
			dbuf_free(&keys);
		}
		for (size_t i = f0; rc == 0 && b == 0 && i < f1; i++)
			if (add_extra(&extras, &nextras, &capextras, c->flows[i].dns_query, EV_SLOT) < 0 ||
			    add_extra(&extras, &nextras, &capextras, c->flows[i].dns_answer, EV_SLOT) < 0)
				rc = -1;
		if (rc < 0)
			log_error("%s: out of memory", c->dir);
		if (nextras)
			qsort(extras, nextras, sizeof(*extras), extra_cmp);
		struct batch bt = { .input = input, .b = b, .m = m, .wants = wants, .nwants = nw, .outs = outs,
				    .ev = b == 0 ? &c->ev : NULL, .extras = extras,
				    .nextras = nextras, .label = label };
		if (rc == 0)
			rc = carve_pass(c, &bt);
		for (size_t k = 0; k < opened; k++) {
			struct dbuf text;
			dbuf_init(&text, 0);
			finding_comment(c, tasks[b + k].finding, label, &outs[k], &text);
			if (out_close(&outs[k], &text, c->sums[tasks[b + k].finding].hex) < 0)
				rc = -1;
			dbuf_free(&text);
		}
	}
	free(extras);
	if (rc < 0)
		return -1;
	/* evidence.pcapng: one section comment per capture */
	char line[256];
	snprintf(line, sizeof(line), "privaudit %s evidence: the frames of the report's findings from ", PACKAGE_VERSION);
	dbuf_append_str(&c->ev_comment, line);
	dbuf_append_str(&c->ev_comment, label);
	/* its interfaces in this file: one per link type, in order of first use */
	for (size_t i = 0; i < c->ev.nlinks; i++) {
		snprintf(line, sizeof(line), "%s%u", i ? ", " : c->ev.nlinks > 1 ? " (interfaces " : " (interface ",
			 c->ev.link_iface[i]);
		dbuf_append_str(&c->ev_comment, line);
	}
	snprintf(line, sizeof(line), ")\ncapture SHA-256: %s\n", c->sha[input]);
	dbuf_append_str(&c->ev_comment, line);
	map_line(&c->ev, &c->ev_comment);
	pcapng_out_shb_comment(c->ev.w, (const char *)c->ev_comment.data, c->ev_comment.len);
	dbuf_reset(&c->ev_comment);
	return 0;
}

/* ---- the whole carve ---- */

static int sum_cmp(const void *x, const void *y)
{
	return strcmp(((const struct sum *)x)->name, ((const struct sum *)y)->name);
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0777) == 0)
		return 0;
	int err = errno;
	struct stat st;
	if (err == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	log_error("%s: cannot create directory: %s", dir, strerror(err == EEXIST ? ENOTDIR : err));
	return -1;
}

static int write_sums(const char *dir, struct sum *sums, size_t n)
{
	qsort(sums, n, sizeof(*sums), sum_cmp);
	char *path = join_path(dir, "SHA256SUMS");
	if (!path) {
		log_error("%s/SHA256SUMS: out of memory", dir);
		return -1;
	}
	FILE *f = fopen(path, "w");
	int rc = f ? 0 : -1;
	for (size_t i = 0; f && i < n; i++)
		if (fprintf(f, "%s  %s\n", sums[i].hex, sums[i].name) < 0)
			rc = -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		log_error("%s: cannot write: %s", path, strerror(errno ? errno : EIO));
	free(path);
	return rc;
}

/* Labels, SHA-256 checks and located frames of every input with findings. */
static int read_inputs(struct carver *c)
{
	const struct audit *a = c->a;
	size_t ninputs = 0;
	for (size_t b = 0, e; b < c->ntasks; b = e) {
		int input = c->tasks[b].input;
		for (e = b; e < c->ntasks && c->tasks[e].input == input; e++)
			;
		ninputs++;
		if (!(c->labels[input] = input_label(a, input))) {
			log_error("%s: out of memory", c->dir);
			return -1;
		}
		if (check_input(c, input) < 0)
			return -1;
		size_t l0 = 0;
		while (l0 < c->nlocs && c->locs[l0].input < input)
			l0++;
		size_t l1 = l0;
		while (l1 < c->nlocs && c->locs[l1].input == input)
			l1++;
		if (l1 > l0 && locate_frames(c, input, c->locs + l0, l1 - l0) < 0)
			return -1;
	}
	c->ev_map_max = ninputs ? EV_MAP_BUDGET / ninputs : MAP_MAX;
	if (c->ev_map_max > MAP_MAX)
		c->ev_map_max = MAP_MAX;
	if (c->ev_map_max < 1024)
		c->ev_map_max = 1024;
	return 0;
}

int carve_evidence(const char *dir, const struct audit *a)
{
	struct carver c = { .a = a, .dir = dir };
	size_t n = policy_findings(a->policy, &c.fd);
	int rc = -1;
	dbuf_init(&c.ev_comment, 0);
	c.tasks = malloc((n ? n : 1) * sizeof(*c.tasks));
	c.sums = calloc(n + 1, sizeof(*c.sums));
	c.labels = calloc(a->ninputs ? a->ninputs : 1, sizeof(*c.labels));
	c.sha = calloc(a->ninputs ? a->ninputs : 1, sizeof(*c.sha));
	if (!c.tasks || !c.sums || !c.labels || !c.sha) {
		log_error("%s: out of memory", dir);
		goto out;
	}
	if (plan_tasks(&c, n) < 0)
		goto out;
	if (read_inputs(&c) < 0)
		goto out;
	if (plan_spans(&c) < 0 || plan_flows(&c) < 0) {
		log_error("%s: out of memory", dir);
		goto out;
	}
	if (make_dir(dir) < 0)
		goto out;
	struct sum *ev_sum = &c.sums[n];
	snprintf(ev_sum->name, sizeof(ev_sum->name), "evidence.pcapng");
	if (out_open(&c.ev, dir, ev_sum->name, c.ev_map_max) < 0)
		goto out;
	rc = 0;
	for (size_t b = 0, e; rc == 0 && b < c.ntasks; b = e) {
		for (e = b; e < c.ntasks && c.tasks[e].input == c.tasks[b].input; e++)
			;
		rc = carve_input(&c, c.tasks[b].input, c.tasks + b, e - b);
	}
	if (out_close(&c.ev, NULL, ev_sum->hex) < 0)
		rc = -1;
	if (rc == 0)
		rc = write_sums(dir, c.sums, n + 1);
out:
	if (c.ev.w || c.ev.path)
		out_close(&c.ev, NULL, NULL);
	for (size_t i = 0; c.labels && i < a->ninputs; i++)
		free(c.labels[i]);
	free(c.labels);
	free(c.sha);
	free(c.tasks);
	free(c.spans);
	free(c.flows);
	free(c.wants);
	free(c.locs);
	free(c.sums);
	dbuf_free(&c.ev_comment);
	return rc;
}
