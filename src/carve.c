/* \summary: evidence carving (see carve.h): pcapng written by hand
 * (draft-ietf-opsawg-pcapng: Section Header, Interface Description and
 * Enhanced Packet Blocks, host byte order).
 *
 * Which frames: each input is read again (frames.c) and every frame is
 * decoded as the audit decoded it, IP fragments reassembled the same way.
 * A frame belongs to the flow record of its input with the same transport,
 * endpoints (either direction) and VLAN ids, and the largest first_frame
 * not after it -- the assignment flow.c made, since a new record starts
 * only when no flow of that key was live.  Of a datagram rebuilt from IP
 * fragments, only the frame that completed it is carved.  A frame whose
 * link type is not the input's first gets an interface of its own.
 *
 * The audit must be carving the files it read: an input whose SHA-256 or
 * frame count differs from the report's is an error, not evidence.
 *
 * Bounded memory: frames stream from the capture to the files; per input, at
 * most CARVE_MAX_OPEN finding files are open at once, and an input with
 * more findings is read once per CARVE_MAX_OPEN of them.  Everything else
 * held is proportional to the findings and flow records already in memory.
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
	bool wanted; /* the flow of a finding */
};

struct task { /* one finding file */
	int input;
	uint32_t flow_id;
	size_t finding; /* index in policy_findings order; the file is F<finding+1> */
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
	if (s->flow_id != u->flow_id)
		return s->flow_id < u->flow_id ? -1 : 1;
	return s->finding < u->finding ? -1 : s->finding > u->finding;
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

/* First index in v[0..n) (one input's tasks, by flow id) whose flow is not below id. */
static size_t task_lower(const struct task *v, size_t n, uint32_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].flow_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- pcapng output (pcapng_out.c), hashed as it is written ---- */

struct out {
	struct pcapng_out *w;
	char *path;
	uint32_t next_iface;     /* interfaces written so far */
	size_t nlinks;           /* the current input's interfaces: */
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

/* Creates DIR/name and writes its section header. */
static int out_open(struct out *o, const char *dir, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->path = join_path(dir, name);
	if (!o->path) {
		log_error("%s/%s: out of memory", dir, name);
		return -1;
	}
	if (!(o->w = pcapng_out_create(o->path, 0666))) {
		log_error("%s: cannot write: %s", o->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The interface of the current input's link type dlt in o, its IDB
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

/* Closes the file; its hash into hex (when given).  Reports a failed write. */
static int out_close(struct out *o, char hex[65])
{
	int rc = 0;
	if (o->w && pcapng_out_close(o->w, hex) < 0) {
		log_error("%s: cannot write: %s", o->path, strerror(errno));
		rc = -1;
	}
	free(o->path);
	memset(o, 0, sizeof(*o));
	return rc;
}

/* A Decryption Secrets Block: Wireshark opens the carved TLS flows
 * decrypted with no key log beside the file. */
static void write_dsb(struct out *o, const char *keylog, size_t n)
{
	if (n)
		pcapng_out_dsb(o->w, PCAPNG_SECRETS_TLS_KEYLOG, keylog, n);
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

/* ---- reading the inputs again ---- */

struct carver {
	const struct audit *a;
	const char *dir;
	struct span *spans;
	size_t nspans;
	struct task *tasks;
	size_t ntasks;
	struct sum *sums;
	struct out ev;
};

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

static void changed(const struct input_record *in, const char *what)
{
	log_error("%s: the capture changed since it was audited (%s); no evidence carved from it", in->path, what);
}

/* One pass over input `input`: the frames of the flows of tasks[0..n) into
 * outs[0..n), and, when `ev` is set, every wanted frame into it. */
static int carve_pass(struct carver *c, int input, const struct task *tasks, size_t n, struct out *outs,
		      struct out *ev)
{
	const struct input_record *in = &c->a->inputs[input];
	char errbuf[PCAP_ERRBUF_SIZE + 128] = "";
	FILE *fp = fopen(in->path, "rb");
	uint64_t at;
	struct frames *src = fp ? frames_open(fp, in->format ? in->format : "pcap", errbuf, sizeof(errbuf), &at) : NULL;
	if (!src) {
		log_error("%s: cannot read the capture again: %s", in->path, fp ? errbuf : strerror(errno));
		return -1;
	}
	if (frames_dlt(src) != in->dlt) {
		frames_close(src);
		changed(in, "another link type");
		return -1;
	}
	struct decoder_limits dl;
	decoder_default_limits(&dl);
	struct decoder *dec = decoder_new(&dl);
	if (!dec) {
		frames_close(src);
		log_error("%s: out of memory", in->path);
		return -1;
	}
	struct frame f;
	uint64_t frame = 0;
	int r = 1, rc = 0;
	char comment[512];
	while (rc == 0 && frame < in->frames && (r = frames_next(src, &f)) == 1) {
		frame++;
		struct packet p = { .data = f.data, .caplen = f.caplen, .wirelen = f.wirelen, .ts_ns = f.ts_ns };
		if (decode_packet(dec, f.dlt, &p) != DECODE_OK)
			continue;
		struct tuple t;
		make_tuple(&t, input, p.l4_proto, p.vlan, p.vlan_inner, &p.src, p.sport, &p.dst, p.dport);
		const struct span *s = span_of(c, &t, frame);
		if (!s || !s->wanted)
			continue;
		int cl = snprintf(comment, sizeof(comment), "frame %llu of %s", (unsigned long long)frame,
				  in->name ? in->name : in->path);
		uint16_t clen = (uint16_t)(cl < 0 ? 0 : (size_t)cl < sizeof(comment) ? (size_t)cl : sizeof(comment) - 1);
		struct out *targets[CARVE_MAX_OPEN + 1];
		size_t nt = 0;
		if (ev)
			targets[nt++] = ev;
		for (size_t k = task_lower(tasks, n, s->id); k < n && tasks[k].flow_id == s->id; k++)
			targets[nt++] = &outs[k];
		for (size_t k = 0; k < nt; k++) {
			int64_t iface = out_iface(targets[k], f.dlt);
			if (iface < 0) {
				log_error("%s: more than %d link types; no evidence carved from it", in->path,
					  CARVE_MAX_LINKS);
				rc = -1;
				break;
			}
			pcapng_out_epb(targets[k]->w, (uint32_t)iface, f.ts_ns, f.data, f.caplen, f.wirelen, comment,
				       clen);
		}
	}
	char what[PCAP_ERRBUF_SIZE + 200];
	if (rc < 0) {
		/* said above */
	} else if (frame < in->frames) {
		snprintf(what, sizeof(what), "%llu frames read, the report has %llu%s%s", (unsigned long long)frame,
			 (unsigned long long)in->frames, r < 0 ? ": " : "", r < 0 ? frames_error(src) : "");
		changed(in, what);
		rc = -1;
	} else if (!in->error && (r = frames_next(src, &f)) != 0) {
		/* the audit read this input to its end; so must we */
		snprintf(what, sizeof(what), "%s after frame %llu",
			 r == 1 ? "more frames" : "a read error", (unsigned long long)in->frames);
		changed(in, what);
		rc = -1;
	}
	decoder_free(dec);
	frames_close(src);
	return rc;
}

/* All finding files of one input (tasks[0..n)), and its frames into evidence.pcapng. */
static int carve_input(struct carver *c, int input, const struct task *tasks, size_t n)
{
	const struct input_record *in = &c->a->inputs[input];
	if (in->sha256[0]) {
		char hex[65] = "";
		if (!hash_file(in->path, hex)) {
			log_error("%s: cannot read the capture again: %s", in->path, strerror(errno ? errno : EIO));
			return -1;
		}
		if (strcmp(hex, in->sha256) != 0) {
			changed(in, "its SHA-256 differs");
			return -1;
		}
	}
	c->ev.nlinks = 0; /* each input gets interfaces of its own */
	out_iface(&c->ev, in->dlt);
	struct dbuf keys;
	dbuf_init(&keys, 0);
	for (size_t k = 0; k < n; k++)
		if (k == 0 || tasks[k].flow_id != tasks[k - 1].flow_id)
			flow_keylog(c->a, tasks[k].flow_id, &keys);
	write_dsb(&c->ev, (const char *)keys.data, keys.len);
	dbuf_free(&keys);
	struct out outs[CARVE_MAX_OPEN];
	for (size_t b = 0; b < n; b += CARVE_MAX_OPEN) {
		size_t m = n - b < CARVE_MAX_OPEN ? n - b : CARVE_MAX_OPEN;
		size_t opened = 0;
		int rc = 0;
		for (; opened < m; opened++) {
			struct sum *s = &c->sums[tasks[b + opened].finding];
			snprintf(s->name, sizeof(s->name), "F%04zu.pcapng", tasks[b + opened].finding + 1);
			if (out_open(&outs[opened], c->dir, s->name) < 0) {
				out_close(&outs[opened], NULL);
				rc = -1;
				break;
			}
			out_iface(&outs[opened], in->dlt);
			struct dbuf fk;
			dbuf_init(&fk, 0);
			flow_keylog(c->a, tasks[b + opened].flow_id, &fk);
			write_dsb(&outs[opened], (const char *)fk.data, fk.len);
			dbuf_free(&fk);
		}
		if (rc == 0)
			rc = carve_pass(c, input, tasks + b, m, outs, b == 0 ? &c->ev : NULL);
		for (size_t k = 0; k < opened; k++)
			if (out_close(&outs[k], c->sums[tasks[b + k].finding].hex) < 0)
				rc = -1;
		if (rc < 0)
			return -1;
	}
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

/* Checks every finding's flow and input; fills tasks (sorted by input, flow). */
static int plan_tasks(struct carver *c, const struct finding *fd, size_t n)
{
	const struct audit *a = c->a;
	for (size_t i = 0; i < n; i++) {
		uint32_t id = fd[i].flow_id;
		struct flow_record rec;
		const struct flow_record *r = flow_store_get(a->records, id, &rec) ? &rec : NULL;
		if (!r || r->input < 0 || (size_t)r->input >= a->ninputs) {
			log_error("finding %zu: its flow %u has no record; nothing carved", i + 1, id);
			return -1;
		}
		const struct input_record *in = &a->inputs[r->input];
		if (strcmp(in->path, "-") == 0) {
			log_error("cannot carve from standard input (finding %zu): replay a capture file to carve evidence",
				  i + 1);
			return -1;
		}
		c->tasks[i] = (struct task){ .input = r->input, .flow_id = id, .finding = i };
	}
	if (n)
		qsort(c->tasks, n, sizeof(*c->tasks), task_cmp);
	c->ntasks = n;
	return 0;
}

/* Every flow record sharing a 5-tuple with a finding's flow, by tuple then first frame. */
static int plan_spans(struct carver *c)
{
	const struct audit *a = c->a;
	struct tuple *want = malloc((c->ntasks ? c->ntasks : 1) * sizeof(*want));
	if (!want)
		return -1;
	size_t nwant = 0;
	for (size_t i = 0; i < c->ntasks; i++) {
		struct flow_record rec;
		if (flow_store_get(a->records, c->tasks[i].flow_id, &rec)) /* plan_tasks checked it is there */
			record_tuple(&rec, &want[nwant++]);
	}
	if (nwant)
		qsort(want, nwant, sizeof(*want), tuple_qcmp);
	size_t cap = 0;
	struct flow_iter it;
	flow_iter_init(&it, a->records);
	for (const struct flow_record *r; (r = flow_iter_next(&it));) {
		struct tuple t;
		record_tuple(r, &t);
		if (!nwant || !bsearch(&t, want, nwant, sizeof(*want), tuple_qcmp))
			continue;
		if (c->nspans == cap) {
			cap = cap ? cap * 2 : 64;
			struct span *v = realloc(c->spans, cap * sizeof(*v));
			if (!v) {
				flow_iter_end(&it);
				free(want);
				return -1;
			}
			c->spans = v;
		}
		struct span *s = &c->spans[c->nspans++];
		s->t = t;
		s->first_frame = r->first_frame;
		s->id = r->id;
		/* wanted when some task of its input names it */
		size_t lo = 0, hi = c->ntasks;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct task *k = &c->tasks[mid];
			if (k->input < r->input || (k->input == r->input && k->flow_id < r->id))
				lo = mid + 1;
			else
				hi = mid;
		}
		s->wanted = lo < c->ntasks && c->tasks[lo].input == r->input && c->tasks[lo].flow_id == r->id;
	}
	flow_iter_end(&it);
	free(want);
	if (c->nspans)
		qsort(c->spans, c->nspans, sizeof(*c->spans), span_cmp);
	return 0;
}

int carve_evidence(const char *dir, const struct audit *a)
{
	const struct finding *fd;
	size_t n = policy_findings(a->policy, &fd);
	struct carver c = { .a = a, .dir = dir };
	int rc = -1;
	c.tasks = malloc((n ? n : 1) * sizeof(*c.tasks));
	c.sums = calloc(n + 1, sizeof(*c.sums));
	if (!c.tasks || !c.sums) {
		log_error("%s: out of memory", dir);
		goto out;
	}
	if (plan_tasks(&c, fd, n) < 0)
		goto out;
	if (plan_spans(&c) < 0) {
		log_error("%s: out of memory", dir);
		goto out;
	}
	if (make_dir(dir) < 0)
		goto out;
	struct sum *ev_sum = &c.sums[n];
	snprintf(ev_sum->name, sizeof(ev_sum->name), "evidence.pcapng");
	if (out_open(&c.ev, dir, ev_sum->name) < 0)
		goto out;
	rc = 0;
	for (size_t b = 0, e; rc == 0 && b < c.ntasks; b = e) {
		for (e = b; e < c.ntasks && c.tasks[e].input == c.tasks[b].input; e++)
			;
		rc = carve_input(&c, c.tasks[b].input, c.tasks + b, e - b);
	}
	if (out_close(&c.ev, ev_sum->hex) < 0)
		rc = -1;
	if (rc == 0)
		rc = write_sums(dir, c.sums, n + 1);
out:
	if (c.ev.w || c.ev.path)
		out_close(&c.ev, NULL);
	free(c.tasks);
	free(c.spans);
	free(c.sums);
	return rc;
}
