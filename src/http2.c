/* \summary: HTTP/2 parsing over reassembled TCP (see http2.h; RFC 9113,
 * HPACK RFC 7541 via libnghttp2's inflater).
 *
 * Per direction:
 *
 *   PREFACE (client) --24 bytes--> HEADER --9 bytes--> PAYLOAD --length--> HEADER ...
 *   PREFACE --other bytes (picked up mid-connection): replayed as frames--> HEADER
 *   any --gap, broken framing, HPACK error, over a cap, end--> DEAD
 *
 *   +-----------------------------------------------+
 *   |                 Length (24)                   |
 *   +---------------+---------------+---------------+
 *   |   Type (8)    |   Flags (8)   |
 *   +-+-------------+---------------+-------------------------------+
 *   |R|                 Stream Identifier (31)                      |
 *   +=+=============================================================+
 *   |                   Frame Payload (0...)                      ...
 *
 * A payload is read as it arrives: its fixed leading fields (pad length,
 * priority, promised stream, error code, last stream id) are gathered
 * first, then DATA bytes go to the stream's body and header block fragments
 * to the direction's block buffer; padding is skipped.  A header block that
 * arrives whole within one delivery is decoded in place.
 *
 * A client header block on a new stream opens a request; END_STREAM
 * completes it, at the packet carrying that flag, or the last CONTINUATION
 * of a header block that carried it (the request's last byte).  A request
 * that never gets END_STREAM (a reset, GOAWAY, the connection's end)
 * completes with the last packet that brought it bytes.  It is handed over once complete and answered (a final
 * :status), or as soon as no answer can come (RST_STREAM, GOAWAY below it,
 * server direction over), or when the connection ends.
 */
#include "http2.h"

#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "dbuf.h"

#define FRAME_HEADER_LEN 9
#define PREFACE_LEN 24
#define HPACK_INFLATER_BYTES 512 /* the inflater's own structures, roughly */

enum {
	T_DATA = 0,
	T_HEADERS = 1,
	T_RST_STREAM = 3,
	T_PUSH_PROMISE = 5,
	T_GOAWAY = 7,
	T_CONTINUATION = 9,
};
enum { F_END_STREAM = 0x1, F_END_HEADERS = 0x4, F_PADDED = 0x8, F_PRIORITY = 0x20 };

static const uint8_t preface[PREFACE_LEN + 1] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum h2_phase { PH_PREFACE, PH_HEADER, PH_PAYLOAD, PH_DEAD };

/* One request.  HPACK output is transient, so its fields are copied into
 * `fields` as records: name length and value length (big-endian 32 bits),
 * then name and value. */
struct h2_stream {
	uint32_t id;
	bool complete, final_status, body_gap, headers_cut;
	int status;
	size_t nheaders; /* regular (non-pseudo) fields stored */
	uint64_t frame, ts_ns, response_frame;
	struct dbuf fields;
	struct dbuf body;
	uint64_t *frames;
	size_t nframes, fcap;
};

struct h2_dir {
	enum h2_phase ph;
	size_t preface_len; /* preface bytes matched so far */
	uint8_t hdr[FRAME_HEADER_LEN];
	size_t hdr_len;
	uint64_t hdr_origins[FRAME_HEADER_LEN]; /* frames that carried the frame header */
	size_t nhdr_origins;
	/* the frame being read */
	uint32_t len, stream, pos;
	uint8_t type, flags;
	uint8_t pre[8];    /* its leading fixed fields */
	uint32_t pre_len;
	uint32_t body_end; /* where its padding starts */
	bool skip;         /* the rest of it is of no interest */
	const uint8_t *inplace; /* a whole header block within this delivery */
	size_t inplace_len;
	/* the header block being collected (HEADERS or PUSH_PROMISE, then CONTINUATION) */
	bool in_block, block_end_stream;
	uint8_t block_type;
	uint32_t block_stream;
	struct dbuf block;
	uint64_t *borigins; /* frames that carried it (client side) */
	size_t nborigins, bocap;
	nghttp2_hd_inflater *hd; /* created with the first header block */
};

struct http2_conn {
	struct h2_dir d[2];
	struct h2_stream **pending; /* ascending stream id */
	size_t npending, pcap;
	uint32_t last_stream; /* highest client stream opened */
	uint32_t goaway_last; /* the server's GOAWAY: streams above it are not processed */
	http_request_fn on_request;
	void *ctx;
	size_t max_body;
	struct http2_stats st;
};

/* The packet being processed, and the frame that carried the bytes. */
struct feed {
	uint64_t origin, frame, ts_ns;
};

int http2_looks_like_preface(const uint8_t *data, size_t len)
{
	size_t k = len < PREFACE_LEN ? len : PREFACE_LEN;
	if (k && memcmp(data, preface, k) != 0)
		return 0;
	return len < PREFACE_LEN ? -1 : 1;
}

struct http2_conn *http2_new(http_request_fn on_request, void *ctx, size_t max_body, unsigned flags)
{
	struct http2_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->on_request = on_request;
	c->ctx = ctx;
	c->max_body = max_body;
	c->goaway_last = UINT32_MAX;
	c->last_stream = flags & HTTP2_UPGRADED ? 1 : 0; /* stream 1 is the HTTP/1 request */
	c->d[0].ph = PH_PREFACE;
	c->d[1].ph = PH_HEADER; /* the server's preface is a SETTINGS frame */
	for (int i = 0; i < 2; i++)
		dbuf_init(&c->d[i].block, HTTP2_MAX_HEADER_BLOCK);
	return c;
}


/* ---- streams ---- */

static void stream_free(struct h2_stream *s)
{
	if (!s)
		return;
	dbuf_free(&s->fields);
	dbuf_free(&s->body);
	free(s->frames);
	free(s);
}

static size_t find_index(const struct http2_conn *c, uint32_t id)
{
	size_t lo = 0, hi = c->npending;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->pending[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct h2_stream *find_stream(const struct http2_conn *c, uint32_t id)
{
	size_t i = find_index(c, id);
	return i < c->npending && c->pending[i]->id == id ? c->pending[i] : NULL;
}

static bool is(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/* Builds the request from the stream's records and hands it over. */
static void emit(struct http2_conn *c, struct h2_stream *s)
{
	struct http_request r;
	memset(&r, 0, sizeof(r));
	r.protocol = "http/2";
	struct cursor cur = cur_make(s->fields.data, s->fields.len);
	while (cur_left(&cur)) {
		uint32_t nl = cur_be32(&cur), vl = cur_be32(&cur);
		const char *name = (const char *)cur_take(&cur, nl);
		const char *value = (const char *)cur_take(&cur, vl);
		if (!cur_ok(&cur))
			break;
		if (nl && name[0] == ':') { /* the first of each pseudo-header counts */
			if (is(name, nl, ":method") && !r.method) {
				r.method = value;
				r.method_len = vl;
			} else if (is(name, nl, ":path") && !r.target) {
				r.target = value;
				r.target_len = vl;
			} else if (is(name, nl, ":authority") && !r.host) {
				r.host = value;
				r.host_len = vl;
			}
		} else if (r.nheaders < HTTP_MAX_HEADERS) { /* store_field kept no more */
			struct http_header *h = &r.headers[r.nheaders++];
			h->name = name;
			h->name_len = nl;
			h->value = value;
			h->value_len = vl;
		}
	}
	const struct http_header *host = r.host ? NULL : http_find_header(&r, "host");
	if (host) {
		r.host = host->value;
		r.host_len = host->value_len;
	}
	if (!r.target) { /* CONNECT: the authority, as HTTP/1 writes it */
		r.target = r.host;
		r.target_len = r.host_len;
	}
	r.headers_truncated = s->headers_cut;
	r.body = s->body.data;
	r.body_len = s->body.len;
	r.body_truncated = s->body.capped;
	r.body_gap = s->body_gap;
	r.frames = s->frames;
	r.nframes = s->nframes;
	r.frame = s->frame;
	r.ts_ns = s->ts_ns;
	r.status = s->status;
	r.response_frame = s->response_frame;
	if (r.body_truncated || r.body_gap)
		c->st.truncated_bodies++;
	c->st.requests++;
	c->on_request(c->ctx, &r);
}

static void hand_over(struct http2_conn *c, size_t i)
{
	struct h2_stream *s = c->pending[i];
	emit(c, s);
	stream_free(s);
	memmove(c->pending + i, c->pending + i + 1, (c->npending - i - 1) * sizeof(*c->pending));
	c->npending--;
}

/* Hands over every request that is complete and will get no (more) answer. */
static void flush(struct http2_conn *c)
{
	bool server_over = c->d[1].ph == PH_DEAD;
	size_t i = 0;
	while (i < c->npending) {
		struct h2_stream *s = c->pending[i];
		if (s->complete && (s->final_status || server_over || s->id > c->goaway_last))
			hand_over(c, i);
		else
			i++;
	}
}

/* END_STREAM: the request ends with this packet. */
static void complete(struct http2_conn *c, struct h2_stream *s, const struct feed *f)
{
	if (!s || s->complete)
		return;
	s->complete = true;
	s->frame = f->frame;
	s->ts_ns = f->ts_ns;
	flush(c);
}

static void reset_stream(struct http2_conn *c, uint32_t id)
{
	c->st.streams_reset++;
	size_t i = find_index(c, id);
	if (i < c->npending && c->pending[i]->id == id)
		hand_over(c, i);
}

/* The server will not process streams above `last`: no answer can come. */
static void goaway(struct http2_conn *c, uint32_t last)
{
	if (last < c->goaway_last)
		c->goaway_last = last;
	while (c->npending && c->pending[c->npending - 1]->id > c->goaway_last)
		hand_over(c, c->npending - 1);
}

/* Direction `dir` is over: decoding stops; `cut` when bytes of it were
 * lost or undecodable (its open requests then have a gap in their body). */
static void lose_dir(struct http2_conn *c, int dir, bool cut)
{
	struct h2_dir *d = &c->d[dir];
	d->ph = PH_DEAD;
	d->in_block = false;
	dbuf_free(&d->block);
	free(d->borigins);
	d->borigins = NULL;
	d->nborigins = d->bocap = 0;
	if (d->hd) {
		nghttp2_hd_inflate_del(d->hd);
		d->hd = NULL;
	}
	if (dir == 0)
		for (size_t i = 0; i < c->npending; i++) {
			struct h2_stream *s = c->pending[i];
			if (!s->complete) {
				s->complete = true;
				s->body_gap = cut;
			}
		}
	flush(c);
}

/* ---- header blocks ---- */

/* Where a decoded header block goes. */
struct sink {
	struct h2_stream *s; /* a new request: keep its fields */
	bool method, path, authority, connect;
	int status; /* :status, 0 if absent or malformed */
};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Copies one field into the stream's records; false when it did not fit. */
static bool store_field(struct h2_stream *s, const nghttp2_nv *nv)
{
	size_t old = s->fields.len; /* never above the limit */
	if (8 + nv->namelen + nv->valuelen > HTTP2_MAX_HEADER_BYTES - old)
		return false;
	uint8_t lens[8];
	put_be32(lens, (uint32_t)nv->namelen);
	put_be32(lens + 4, (uint32_t)nv->valuelen);
	if (dbuf_append(&s->fields, lens, 8) && dbuf_append(&s->fields, nv->name, nv->namelen) &&
	    dbuf_append(&s->fields, nv->value, nv->valuelen))
		return true;
	s->fields.len = old; /* out of memory: no half record */
	return false;
}

static void on_field(struct sink *k, const nghttp2_nv *nv)
{
	const char *name = (const char *)nv->name, *value = (const char *)nv->value;
	if (is(name, nv->namelen, ":status") && nv->valuelen == 3) {
		int v = 0;
		for (size_t i = 0; i < 3 && v >= 0; i++)
			v = value[i] >= '0' && value[i] <= '9' ? v * 10 + (value[i] - '0') : -1;
		k->status = v > 0 ? v : 0;
	}
	struct h2_stream *s = k->s;
	if (!s)
		return;
	bool pseudo = nv->namelen && name[0] == ':';
	if ((!pseudo && s->nheaders == HTTP_MAX_HEADERS) || !store_field(s, nv)) {
		s->headers_cut = true;
		return;
	}
	if (!pseudo)
		s->nheaders++;
	else if (is(name, nv->namelen, ":method")) {
		if (!k->method) /* the first counts, as in emit() */
			k->connect = is(value, nv->valuelen, "CONNECT");
		k->method = true;
	} else if (is(name, nv->namelen, ":path"))
		k->path = true;
	else if (is(name, nv->namelen, ":authority"))
		k->authority = true;
}

/* Decodes a whole header block with the direction's dynamic table; false
 * when HPACK fails (the table can no longer be trusted). */
static bool hpack_decode(struct h2_dir *d, const uint8_t *in, size_t len, struct sink *k)
{
	if (!d->hd) {
		if (nghttp2_hd_inflate_new(&d->hd) != 0) {
			d->hd = NULL;
			return false;
		}
		/* SETTINGS are not followed: a decoder table larger than the
		 * encoder's never decodes wrongly (the encoder signals its size
		 * in the block), so any size up to the ceiling is accepted. */
		nghttp2_hd_inflate_change_table_size(d->hd, HTTP2_MAX_HPACK_TABLE);
	}
	if (!in)
		in = (const uint8_t *)""; /* an empty block never had a buffer */
	for (;;) {
		nghttp2_nv nv;
		int fl = 0;
		ssize_t rv = nghttp2_hd_inflate_hd2(d->hd, &nv, &fl, in, len, 1);
		if (rv < 0)
			return false;
		in += rv;
		len -= (size_t)rv;
		if (fl & NGHTTP2_HD_INFLATE_EMIT)
			on_field(k, &nv);
		if (fl & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(d->hd);
			return true;
		}
		if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && rv == 0)
			return false; /* no progress: never loop */
	}
}

/* A client header block opened stream s->id: queue the request. */
static void open_stream(struct http2_conn *c, struct h2_dir *d, struct h2_stream *s, bool end_stream,
			const struct feed *f)
{
	s->frame = f->frame;
	s->ts_ns = f->ts_ns;
	for (size_t i = 0; i < d->nborigins; i++)
		http_frames_add(&s->frames, &s->nframes, &s->fcap, d->borigins[i]);
	if (c->npending == HTTP2_MAX_PENDING) /* never answered: hand the oldest over now */
		hand_over(c, 0);
	if (c->npending == c->pcap) {
		size_t nc = c->pcap ? c->pcap * 2 : 8;
		struct h2_stream **np = realloc(c->pending, nc * sizeof(*np));
		if (!np) {
			stream_free(s);
			return;
		}
		c->pending = np;
		c->pcap = nc;
	}
	c->pending[c->npending++] = s; /* ids only grow: stays sorted */
	if (end_stream)
		complete(c, s, f);
}

/* The block ended with this frame: decode it and apply it. */
static void block_done(struct http2_conn *c, int dir, const struct feed *f)
{
	struct h2_dir *d = &c->d[dir];
	const uint8_t *in = d->inplace ? d->inplace : d->block.data;
	size_t len = d->inplace ? d->inplace_len : d->block.len;
	uint32_t id = d->block_stream;
	bool headers = d->block_type == T_HEADERS;
	d->in_block = false;
	struct sink k = { NULL, false, false, false, false, 0 };
	if (headers && id == 0)
		c->st.bad_frames++; /* decoded all the same, for the table */
	if (headers && dir == 0 && id > c->last_stream) {
		c->last_stream = id;
		k.s = calloc(1, sizeof(*k.s));
		if (k.s) {
			k.s->id = id;
			dbuf_init(&k.s->fields, HTTP2_MAX_HEADER_BYTES);
			dbuf_init(&k.s->body, c->max_body);
		}
	}
	bool ok = hpack_decode(d, in, len, &k);
	dbuf_reset(&d->block);
	if (!ok) {
		stream_free(k.s);
		c->st.hpack_errors++;
		lose_dir(c, dir, true);
		return;
	}
	if (!headers)
		return; /* PUSH_PROMISE: decoded only to keep the table in step */
	if (dir == 1) {
		if (k.status < 200)
			return; /* 1xx, or no status (trailers) */
		c->st.responses++;
		struct h2_stream *s = find_stream(c, id);
		if (s && !s->final_status) {
			s->status = k.status;
			s->response_frame = f->frame;
			s->final_status = true;
			flush(c);
		}
		return;
	}
	if (k.s) {
		/* CONNECT alone has no :path: its target is the authority */
		if (!k.method || !(k.path || (k.connect && k.authority))) {
			c->st.bad_frames++;
			stream_free(k.s);
			return;
		}
		open_stream(c, d, k.s, d->block_end_stream, f);
		return;
	}
	struct h2_stream *s = find_stream(c, id); /* trailers */
	if (!s || s->complete)
		return;
	for (size_t i = 0; i < d->nborigins; i++)
		http_frames_add(&s->frames, &s->nframes, &s->fcap, d->borigins[i]);
	if (d->block_end_stream)
		complete(c, s, f);
}

/* ---- frames ---- */

static bool carries_block(uint8_t type)
{
	return type == T_HEADERS || type == T_PUSH_PROMISE || type == T_CONTINUATION;
}

/* Records that frame `origin` carried bytes of the current frame: of a
 * request's DATA, or of a header block (client side only: requests).  A
 * request that never sees END_STREAM completes with the last packet that
 * brought it bytes. */
static void note_origin(struct http2_conn *c, int dir, uint64_t origin, const struct feed *f)
{
	struct h2_dir *d = &c->d[dir];
	if (dir != 0)
		return;
	if (d->type == T_DATA) {
		struct h2_stream *s = find_stream(c, d->stream);
		if (s && !s->complete) {
			http_frames_add(&s->frames, &s->nframes, &s->fcap, origin);
			s->frame = f->frame;
			s->ts_ns = f->ts_ns;
		}
	} else if (d->in_block) {
		http_frames_add(&d->borigins, &d->nborigins, &d->bocap, origin);
	}
}

/* A malformed frame: skipped, but a header block fragment cannot be
 * skipped without losing the HPACK state. */
static void bad_frame(struct http2_conn *c, int dir)
{
	struct h2_dir *d = &c->d[dir];
	c->st.bad_frames++;
	if (carries_block(d->type))
		lose_dir(c, dir, true);
	else
		d->skip = true;
}

static void frame_end(struct http2_conn *c, int dir, const struct feed *f)
{
	struct h2_dir *d = &c->d[dir];
	if (!d->skip) {
		switch (d->type) {
		case T_DATA:
			if (dir == 0 && (d->flags & F_END_STREAM))
				complete(c, find_stream(c, d->stream), f);
			break;
		case T_HEADERS:
		case T_PUSH_PROMISE:
		case T_CONTINUATION:
			if (d->flags & F_END_HEADERS)
				block_done(c, dir, f);
			break;
		case T_RST_STREAM:
			reset_stream(c, d->stream);
			break;
		case T_GOAWAY:
			if (dir == 1) {
				struct cursor cur = cur_make(d->pre, 4);
				goaway(c, cur_be32(&cur) & 0x7fffffffu);
			}
			break;
		}
	}
	d->inplace = NULL;
	if (d->ph != PH_DEAD) {
		d->ph = PH_HEADER;
		d->hdr_len = 0;
		d->nhdr_origins = 0;
	}
}

/* The leading fields are in: check the padding against the length. */
static void leading_done(struct http2_conn *c, int dir)
{
	struct h2_dir *d = &c->d[dir];
	bool padded = (d->flags & F_PADDED) &&
		      (d->type == T_DATA || d->type == T_HEADERS || d->type == T_PUSH_PROMISE);
	uint32_t pad = padded ? d->pre[0] : 0;
	if (pad > d->len - d->pre_len) {
		bad_frame(c, dir);
		return;
	}
	d->body_end = d->len - pad;
}

static void start_frame(struct http2_conn *c, int dir, const struct feed *f)
{
	struct h2_dir *d = &c->d[dir];
	struct cursor cur = cur_make(d->hdr, FRAME_HEADER_LEN);
	d->len = (uint32_t)cur_u8(&cur) << 16;
	d->len |= cur_be16(&cur);
	d->type = cur_u8(&cur);
	d->flags = cur_u8(&cur);
	d->stream = cur_be32(&cur) & 0x7fffffffu;
	d->pos = 0;
	d->body_end = 0;
	d->skip = false;
	d->ph = PH_PAYLOAD;
	uint32_t padded = d->flags & F_PADDED ? 1 : 0;
	switch (d->type) {
	case T_DATA:
		d->pre_len = padded;
		break;
	case T_HEADERS:
		d->pre_len = padded + (d->flags & F_PRIORITY ? 5 : 0);
		break;
	case T_PUSH_PROMISE:
		d->pre_len = padded + 4;
		break;
	case T_RST_STREAM:
		d->pre_len = 4;
		break;
	case T_GOAWAY:
		d->pre_len = 8;
		break;
	default: /* SETTINGS, PING, WINDOW_UPDATE, PRIORITY, CONTINUATION, unknown */
		d->pre_len = 0;
	}
	if (d->in_block ? d->type != T_CONTINUATION || d->stream != d->block_stream
			: d->type == T_CONTINUATION) {
		/* a block interrupted, or a fragment of a block never started:
		 * harmless only before this side's table is in use (a capture
		 * picked up in the middle of a block) */
		c->st.bad_frames++;
		if (d->in_block || d->hd) {
			lose_dir(c, dir, true);
			return;
		}
		d->skip = true;
	} else if (d->type == T_HEADERS || d->type == T_PUSH_PROMISE) {
		d->in_block = true;
		d->block_type = d->type;
		d->block_stream = d->stream;
		d->block_end_stream = d->flags & F_END_STREAM;
		d->nborigins = 0;
	}
	if (!d->skip) {
		for (size_t i = 0; i < d->nhdr_origins; i++)
			note_origin(c, dir, d->hdr_origins[i], f);
		if (d->len < d->pre_len || (d->type == T_RST_STREAM && d->len != 4) ||
		    (d->stream == 0 && (d->type == T_DATA || d->type == T_RST_STREAM)))
			bad_frame(c, dir);
		else if (d->pre_len == 0)
			leading_done(c, dir);
	}
	if (d->ph == PH_PAYLOAD && d->len == 0)
		frame_end(c, dir, f);
}

/* Reads payload bytes of the current frame; returns how many it used. */
static size_t payload(struct http2_conn *c, int dir, const uint8_t *p, size_t n, const struct feed *f)
{
	struct h2_dir *d = &c->d[dir];
	size_t k = d->len - d->pos < n ? d->len - d->pos : n;
	uint32_t from = d->pos, to = d->pos + (uint32_t)k;
	if (!d->skip) {
		note_origin(c, dir, f->origin, f);
		if (from < d->pre_len) {
			uint32_t m = to < d->pre_len ? to - from : d->pre_len - from;
			memcpy(d->pre + from, p, m);
			if (from + m == d->pre_len)
				leading_done(c, dir);
			if (d->ph == PH_DEAD)
				return n;
		}
	}
	/* the part between the leading fields and the padding */
	uint32_t a = from > d->pre_len ? from : d->pre_len, b = to < d->body_end ? to : d->body_end;
	if (!d->skip && a < b && (d->type == T_DATA || carries_block(d->type))) {
		const uint8_t *q = p + (a - from);
		if (d->type == T_DATA) {
			struct h2_stream *s = dir == 0 ? find_stream(c, d->stream) : NULL;
			if (s && !s->complete)
				dbuf_append(&s->body, q, b - a);
		} else if (d->block.len == 0 && (d->flags & F_END_HEADERS) && a == d->pre_len &&
			   b == d->body_end && to == d->len) {
			d->inplace = q; /* the whole block is here: no copy */
			d->inplace_len = b - a;
		} else if (!dbuf_append(&d->block, q, b - a)) {
			c->st.bad_frames++; /* over the block cap */
			lose_dir(c, dir, true);
			return n;
		}
	}
	d->pos = to;
	if (d->pos == d->len)
		frame_end(c, dir, f);
	return k;
}

static void frames(struct http2_conn *c, int dir, const uint8_t *p, size_t n, const struct feed *f)
{
	struct h2_dir *d = &c->d[dir];
	while (n && d->ph != PH_DEAD) {
		size_t k;
		if (d->ph == PH_HEADER) {
			k = FRAME_HEADER_LEN - d->hdr_len < n ? FRAME_HEADER_LEN - d->hdr_len : n;
			memcpy(d->hdr + d->hdr_len, p, k);
			d->hdr_len += k;
			if (!d->nhdr_origins || d->hdr_origins[d->nhdr_origins - 1] != f->origin)
				d->hdr_origins[d->nhdr_origins++] = f->origin;
			if (d->hdr_len == FRAME_HEADER_LEN)
				start_frame(c, dir, f);
		} else {
			k = payload(c, dir, p, n, f);
		}
		p += k;
		n -= k;
	}
}

void http2_data(struct http2_conn *c, int dir, const uint8_t *data, size_t len, uint64_t origin,
		uint64_t frame, uint64_t ts_ns)
{
	struct h2_dir *d = &c->d[dir];
	const struct feed f = { origin, frame, ts_ns };
	if (d->ph == PH_PREFACE && len) {
		size_t k = PREFACE_LEN - d->preface_len < len ? PREFACE_LEN - d->preface_len : len;
		if (memcmp(data, preface + d->preface_len, k) == 0) {
			d->preface_len += k;
			data += k;
			len -= k;
			if (d->preface_len == PREFACE_LEN)
				d->ph = PH_HEADER;
		} else { /* no preface: the bytes that matched were frame bytes */
			d->ph = PH_HEADER;
			frames(c, dir, preface, d->preface_len, &f);
		}
	}
	frames(c, dir, data, len, &f);
}

void http2_gap(struct http2_conn *c, int dir, uint64_t len)
{
	if (c->d[dir].ph == PH_DEAD)
		return;
	c->st.hpack_errors++;
	lose_dir(c, dir, true);
}

void http2_end(struct http2_conn *c, int dir)
{
	if (c->d[dir].ph != PH_DEAD)
		lose_dir(c, dir, false);
}

/* No request can start, and none waits for an answer. */
bool http2_done(const struct http2_conn *c) { return c->d[0].ph == PH_DEAD && c->npending == 0; }

const struct http2_stats *http2_stats(const struct http2_conn *c) { return &c->st; }

size_t http2_memory(const struct http2_conn *c)
{
	size_t n = sizeof(*c) + c->pcap * sizeof(*c->pending);
	for (int i = 0; i < 2; i++) {
		const struct h2_dir *d = &c->d[i];
		n += d->block.cap + d->bocap * sizeof(*d->borigins);
		if (d->hd)
			n += nghttp2_hd_inflate_get_dynamic_table_size(d->hd) + HPACK_INFLATER_BYTES;
	}
	for (size_t i = 0; i < c->npending; i++) {
		const struct h2_stream *s = c->pending[i];
		n += sizeof(*s) + s->fields.cap + s->body.cap + s->fcap * sizeof(*s->frames);
	}
	return n;
}

void http2_free(struct http2_conn *c)
{
	if (!c)
		return;
	while (c->npending)
		hand_over(c, 0);
	free(c->pending);
	for (int i = 0; i < 2; i++) {
		dbuf_free(&c->d[i].block);
		free(c->d[i].borigins);
		if (c->d[i].hd)
			nghttp2_hd_inflate_del(c->d[i].hd);
	}
	free(c);
}

const char *http2_library_version(void) { return nghttp2_version(0)->version_str; }
