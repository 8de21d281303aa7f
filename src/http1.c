/* \summary: HTTP/1.x parsing over reassembled TCP (see http1.h; RFC 9112).
 *
 * Per direction a small state machine:
 *
 *   IDLE --message start--> HEAD --blank line--> BODY_LEN | CHUNK_SIZE | BODY_CLOSE --> IDLE
 *                             CHUNK_SIZE -> CHUNK_DATA -> CHUNK_DATA_END -> CHUNK_SIZE ... -> TRAILERS -> IDLE
 *   any --gap or garbage--> RESYNC --line starting a message--> HEAD
 *
 * Requests are queued from the moment their headers are complete, so that a
 * response seen before the request body ends (100 Continue, an early
 * rejection) still pairs with it; a request is handed to the callback once
 * its body is complete and its final response status is known (or the
 * connection ends).
 */
#include "http1.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum h1_state {
	ST_IDLE,
	ST_HEAD,
	ST_BODY_LEN,
	ST_CHUNK_SIZE,
	ST_CHUNK_DATA,
	ST_CHUNK_DATA_END,
	ST_TRAILERS,
	ST_BODY_CLOSE,
	ST_RESYNC,
	ST_DEAD,
};

#define LINE_MAX_BYTES 256

struct h1_req {
	struct http_request v;
	uint8_t *head;
	struct dbuf body;
	uint64_t *frames;
	size_t nframes, cap;
	bool complete, final_status, is_head, is_connect;
};

struct h1_dir {
	enum h1_state st;
	struct dbuf head;
	uint64_t remaining;
	char line[LINE_MAX_BYTES];
	size_t line_len;
	uint8_t prev; /* last byte seen, to know line starts across deliveries */
	struct h1_req *req; /* the request being read (client direction) */
	uint64_t head_frame; /* the frame that completed the head */
	uint64_t *hframes;   /* frames that carried the head */
	size_t nhframes, hcap;
};

struct http1_conn {
	struct h1_dir d[2];
	struct h1_req *queue[HTTP1_MAX_PENDING];
	size_t nqueue;
	http_request_fn on_request;
	void *ctx;
	size_t max_body;
	bool dead;
	bool h2c; /* dead because a 101 switched to HTTP/2 cleartext */
	struct http1_stats st;
};

static const char *const known_methods[] = {
	"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE",
	"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH",
};

static bool is_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

int http1_looks_like_request(const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < sizeof(known_methods) / sizeof(*known_methods); i++) {
		size_t m = strlen(known_methods[i]);
		size_t n = len < m + 1 ? len : m + 1;
		if (memcmp(data, known_methods[i], n < m ? n : m) != 0)
			continue;
		if (len < m + 1)
			return -1;
		if (data[m] == ' ')
			return 1;
	}
	return 0;
}

static bool looks_like_response(const uint8_t *data, size_t len)
{
	return len >= 7 && memcmp(data, "HTTP/1.", 7) == 0;
}

struct http1_conn *http1_new(http_request_fn on_request, void *ctx, size_t max_body, bool midstream)
{
	struct http1_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->on_request = on_request;
	c->ctx = ctx;
	c->max_body = max_body;
	for (int i = 0; i < 2; i++) {
		dbuf_init(&c->d[i].head, HTTP1_MAX_HEADER_BYTES);
		c->d[i].st = midstream ? ST_RESYNC : ST_IDLE;
		c->d[i].prev = '\n';
	}
	return c;
}

static void req_free(struct h1_req *r)
{
	if (!r)
		return;
	free(r->head);
	dbuf_free(&r->body);
	free(r->frames);
	free(r);
}


static void add_frame(struct h1_req *r, uint64_t frame)
{
	http_frames_add(&r->frames, &r->nframes, &r->cap, frame);
}

static void note_head_frame(struct h1_dir *d, uint64_t frame)
{
	http_frames_add(&d->hframes, &d->nhframes, &d->hcap, frame);
}

static void emit(struct http1_conn *c, struct h1_req *r)
{
	r->v.body = r->body.data;
	r->v.body_len = r->body.len;
	r->v.body_truncated = r->body.capped;
	r->v.frames = r->frames;
	r->v.nframes = r->nframes;
	if (r->v.body_truncated || r->v.body_gap)
		c->st.truncated_bodies++;
	c->st.requests++;
	c->on_request(c->ctx, &r->v);
}

/* Hands over, in order, the queued requests that are complete and answered. */
static void flush_queue(struct http1_conn *c, bool all)
{
	size_t k = 0;
	while (k < c->nqueue) {
		struct h1_req *r = c->queue[k];
		bool ready = r->complete && (r->final_status || all || c->nqueue - k > HTTP1_MAX_PENDING - 1);
		if (!ready && !all)
			break;
		if (r->complete || all) {
			if (!r->complete)
				r->v.body_gap = true; /* the connection ended inside its body */
			if (c->d[0].req == r)
				c->d[0].req = NULL;
			emit(c, r);
			req_free(r);
		}
		k++;
	}
	memmove(c->queue, c->queue + k, (c->nqueue - k) * sizeof(*c->queue));
	c->nqueue -= k;
}

void http1_free(struct http1_conn *c)
{
	if (!c)
		return;
	flush_queue(c, true);
	for (int i = 0; i < 2; i++) {
		dbuf_free(&c->d[i].head);
		free(c->d[i].hframes);
	}
	free(c);
}

bool http1_done(const struct http1_conn *c) { return c->dead; }
bool http1_upgraded_h2c(const struct http1_conn *c) { return c->h2c; }
const struct http1_stats *http1_stats(const struct http1_conn *c) { return &c->st; }

size_t http1_memory(const struct http1_conn *c)
{
	size_t n = c->d[0].head.cap + c->d[1].head.cap;
	for (size_t i = 0; i < c->nqueue; i++)
		n += c->queue[i]->body.cap + HTTP1_MAX_HEADER_BYTES / 64;
	return n;
}

/* ---- header block parsing ---- */

/* Splits a header block (NUL-terminated, in place) into lines; returns the
 * start-line's length or -1.  Fills headers, joining obs-fold lines. */
static int parse_head(char *buf, size_t len, struct http_header *h, size_t max, size_t *nh, bool *cut)
{
	size_t pos = 0, n = 0;
	*cut = false;
	char *eol = memchr(buf, '\n', len);
	if (!eol)
		return -1;
	size_t start_len = (size_t)(eol - buf);
	if (start_len && buf[start_len - 1] == '\r')
		start_len--;
	pos = (size_t)(eol - buf) + 1;
	while (pos < len) {
		char *line = buf + pos;
		char *end = memchr(line, '\n', len - pos);
		size_t llen = end ? (size_t)(end - line) : len - pos;
		size_t next = pos + llen + 1;
		if (llen && line[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			break;
		if ((line[0] == ' ' || line[0] == '\t') && n > 0) { /* obs-fold: join to the previous value */
			struct http_header *prev = &h[n - 1];
			for (char *p = (char *)prev->value + prev->value_len; p < line; p++)
				*p = ' ';
			prev->value_len = (size_t)(line + llen - prev->value);
		} else {
			char *colon = memchr(line, ':', llen);
			if (colon && colon > line) {
				if (n == max) {
					*cut = true;
				} else {
					size_t nl = (size_t)(colon - line);
					while (nl && (line[nl - 1] == ' ' || line[nl - 1] == '\t'))
						nl--; /* tolerate "Name :" */
					char *v = colon + 1, *ve = line + llen;
					while (v < ve && (*v == ' ' || *v == '\t'))
						v++;
					while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
						ve--;
					h[n].name = line;
					h[n].name_len = nl;
					h[n].value = v;
					h[n].value_len = (size_t)(ve - v);
					n++;
				}
			}
		}
		pos = next;
	}
	*nh = n;
	return (int)start_len;
}

static const struct http_header *find(const struct http_header *h, size_t n, const char *name)
{
	size_t k = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (h[i].name_len == k && strncasecmp(h[i].name, name, k) == 0)
			return &h[i];
	return NULL;
}

/* Does the (last) transfer coding say chunked? */
static bool is_chunked(const struct http_header *te)
{
	if (!te)
		return false;
	const char *v = te->value;
	size_t n = te->value_len;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return n >= 7 && strncasecmp(v + n - 7, "chunked", 7) == 0;
}

/* Content-Length as a number; -1 when absent or invalid. */
static long long content_length(const struct http_header *cl)
{
	if (!cl || cl->value_len == 0)
		return -1;
	long long v = 0;
	for (size_t i = 0; i < cl->value_len; i++) {
		char ch = cl->value[i];
		if (ch == ',') /* "5, 5": repeated identical values are allowed */
			break;
		if (ch < '0' || ch > '9' || v > (1LL << 50))
			return -1;
		v = v * 10 + (ch - '0');
	}
	return v;
}

static void start_resync(struct http1_conn *c, struct h1_dir *d)
{
	d->st = ST_RESYNC;
	d->head.len = 0;
	d->head.capped = false;
	d->line_len = 0;
	c->st.resyncs++;
}

/* A complete request head is in d->head: parse it and queue the request. */
static bool request_head_done(struct http1_conn *c, struct h1_dir *d)
{
	struct h1_req *r = calloc(1, sizeof(*r));
	if (!r)
		return false;
	size_t len;
	r->head = (uint8_t *)dbuf_detach(&d->head, &len);
	dbuf_init(&d->head, HTTP1_MAX_HEADER_BYTES);
	dbuf_init(&r->body, c->max_body);
	char *h = (char *)r->head;
	bool cut;
	int sl = h ? parse_head(h, len, r->v.headers, HTTP_MAX_HEADERS, &r->v.nheaders, &cut) : -1;
	/* request-line: method SP request-target SP HTTP/1.x */
	char *sp1 = sl > 0 ? memchr(h, ' ', (size_t)sl) : NULL;
	char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(h + sl - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || sp2 == sp1 + 1 || h + sl - sp2 - 1 != 8 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		req_free(r);
		return false;
	}
	for (char *p = h; p < sp1; p++)
		if (!is_tchar((uint8_t)*p)) {
			req_free(r);
			return false;
		}
	r->v.headers_truncated = cut;
	r->v.method = h;
	r->v.method_len = (size_t)(sp1 - h);
	r->v.target = sp1 + 1;
	r->v.target_len = (size_t)(sp2 - sp1 - 1);
	r->v.protocol = sp2[8] == '0' ? "http/1.0" : "http/1.1";
	const struct http_header *host = find(r->v.headers, r->v.nheaders, "host");
	if (host) {
		r->v.host = host->value;
		r->v.host_len = host->value_len;
	}
	r->is_head = r->v.method_len == 4 && memcmp(h, "HEAD", 4) == 0;
	r->is_connect = r->v.method_len == 7 && memcmp(h, "CONNECT", 7) == 0;
	for (size_t i = 0; i < d->nhframes; i++)
		add_frame(r, d->hframes[i]);
	d->req = r;
	if (c->nqueue == HTTP1_MAX_PENDING)
		flush_queue(c, false);
	if (c->nqueue == HTTP1_MAX_PENDING) { /* never answered: hand the oldest over now */
		struct h1_req *old = c->queue[0];
		old->complete = true;
		old->final_status = true;
		flush_queue(c, false);
	}
	c->queue[c->nqueue++] = r;
	const struct http_header *te = find(r->v.headers, r->v.nheaders, "transfer-encoding");
	long long cl = content_length(find(r->v.headers, r->v.nheaders, "content-length"));
	if (is_chunked(te)) {
		d->st = ST_CHUNK_SIZE;
	} else if (cl > 0) {
		d->st = ST_BODY_LEN;
		d->remaining = (uint64_t)cl;
	} else {
		d->st = ST_IDLE;
	}
	return true;
}

static void request_done(struct http1_conn *c, struct h1_dir *d)
{
	if (d->req)
		d->req->complete = true;
	d->req = NULL;
	d->st = ST_IDLE;
	flush_queue(c, false);
}

/* The first queued request that has no final response yet. */
static struct h1_req *awaiting_response(struct http1_conn *c)
{
	for (size_t i = 0; i < c->nqueue; i++)
		if (!c->queue[i]->final_status)
			return c->queue[i];
	return NULL;
}

static bool response_head_done(struct http1_conn *c, struct h1_dir *d)
{
	char *h = (char *)d->head.data;
	size_t len = d->head.len;
	if (!dbuf_terminate(&d->head))
		return false;
	h = (char *)d->head.data;
	struct http_header hdrs[HTTP_MAX_HEADERS];
	size_t nh;
	bool cut;
	int sl = parse_head(h, len, hdrs, HTTP_MAX_HEADERS, &nh, &cut);
	if (sl < 12 || strncmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ')
		return false;
	int status = 0;
	for (int i = 9; i < 12; i++) {
		if (h[i] < '0' || h[i] > '9')
			return false;
		status = status * 10 + (h[i] - '0');
	}
	c->st.responses++;
	struct h1_req *r = awaiting_response(c);
	bool head_req = r && r->is_head, connect = r && r->is_connect;
	if (r && (status >= 200 || status == 101)) {
		r->v.status = status;
		r->v.response_frame = d->head_frame;
		r->final_status = true;
	}
	d->head.len = 0;
	if (status == 101 || (connect && status >= 200 && status < 300)) {
		/* the connection now carries another protocol */
		const struct http_header *up = find(hdrs, nh, "upgrade");
		c->h2c = status == 101 && up && up->value_len == 3 && strncasecmp(up->value, "h2c", 3) == 0;
		c->dead = true;
		c->d[0].st = c->d[1].st = ST_DEAD;
		if (c->d[0].req)
			c->d[0].req->complete = true;
		flush_queue(c, false);
		return true;
	}
	const struct http_header *te = find(hdrs, nh, "transfer-encoding");
	long long cl = content_length(find(hdrs, nh, "content-length"));
	if (status < 200 || status == 204 || status == 304 || head_req)
		d->st = ST_IDLE;
	else if (is_chunked(te))
		d->st = ST_CHUNK_SIZE;
	else if (cl >= 0) {
		d->st = cl ? ST_BODY_LEN : ST_IDLE;
		d->remaining = (uint64_t)cl;
	} else
		d->st = ST_BODY_CLOSE;
	flush_queue(c, false);
	return true;
}

/* ---- feeding ---- */

/* Collects a line (chunk size, chunk end, trailer) into d->line; returns
 * bytes consumed, and sets *done when the line ended. */
static size_t take_line(struct h1_dir *d, const uint8_t *p, size_t n, bool *done, bool *overflow)
{
	const uint8_t *lf = memchr(p, '\n', n);
	size_t k = lf ? (size_t)(lf - p) + 1 : n;
	*done = lf != NULL;
	*overflow = false;
	size_t room = sizeof(d->line) - 1 - d->line_len;
	if (k - (lf ? 1 : 0) > room)
		*overflow = true;
	else {
		memcpy(d->line + d->line_len, p, k - (lf ? 1 : 0));
		d->line_len += k - (lf ? 1 : 0);
	}
	if (d->line_len && d->line[d->line_len - 1] == '\r' && *done)
		d->line_len--;
	d->line[d->line_len] = 0;
	return k;
}

static bool parse_chunk_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s; s++, digits++) {
		int x;
		if (*s >= '0' && *s <= '9')
			x = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			x = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			x = *s - 'A' + 10;
		else
			break;
		if (v >> 56)
			return false;
		v = v << 4 | (uint64_t)x;
	}
	if (!digits || (*s && *s != ';' && *s != ' ' && *s != '\t'))
		return false;
	*out = v;
	return true;
}

/* Finds where a message starts in data at a line start; returns its offset or -1. */
static long find_message_start(struct h1_dir *d, int dir, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool line_start = i == 0 ? d->prev == '\n' : p[i - 1] == '\n';
		if (!line_start)
			continue;
		if (dir == 0 ? http1_looks_like_request(p + i, n - i) == 1 : looks_like_response(p + i, n - i))
			return (long)i;
	}
	return -1;
}

static void body_bytes(struct h1_dir *d, const uint8_t *p, size_t k, uint64_t frame)
{
	if (!d->req)
		return;
	dbuf_append(&d->req->body, p, k);
	add_frame(d->req, frame);
}

static void message_done(struct http1_conn *c, struct h1_dir *d, int dir)
{
	if (dir == 0)
		request_done(c, d);
	else
		d->st = ST_IDLE;
}

/* The message's last byte arrived with this packet: it completes here. */
static void message_complete(struct http1_conn *c, struct h1_dir *d, int dir, uint64_t frame, uint64_t ts_ns)
{
	if (dir == 0 && d->req) {
		d->req->v.frame = frame;
		d->req->v.ts_ns = ts_ns;
	}
	message_done(c, d, dir);
}

size_t http1_data(struct http1_conn *c, int dir, const uint8_t *p, size_t n, uint64_t origin, uint64_t frame,
		  uint64_t ts_ns)
{
	struct h1_dir *d = &c->d[dir];
	const uint8_t *start = p, *end = p + n;
	bool was_dead = c->dead;
	while (p < end && !c->dead) {
		size_t left = (size_t)(end - p), k;
		bool done, overflow;
		switch (d->st) {
		case ST_IDLE:
			if (*p == '\r' || *p == '\n') { /* tolerated between messages */
				p++;
				continue;
			}
			if (dir == 0 ? http1_looks_like_request(p, left) == 0 && !is_tchar(*p)
				     : !(left < 7 ? memcmp(p, "HTTP/1.", left) == 0 : looks_like_response(p, left))) {
				c->st.bad_messages++;
				start_resync(c, d);
				continue;
			}
			d->st = ST_HEAD;
			d->head.len = 0;
			d->head.capped = false;
			d->nhframes = 0;
			break;
		case ST_HEAD: {
			/* copy up to the blank line that ends the head */
			size_t old = d->head.len;
			size_t from = old > 3 ? old - 3 : 0;
			dbuf_append(&d->head, p, left);
			note_head_frame(d, origin);
			const uint8_t *h = d->head.data;
			size_t endpos = 0;
			for (size_t i = from; i < d->head.len; i++) {
				if (h[i] != '\n')
					continue;
				if (i >= 1 && h[i - 1] == '\n') {
					endpos = i + 1;
					break;
				}
				if (i >= 2 && h[i - 1] == '\r' && h[i - 2] == '\n') {
					endpos = i + 1;
					break;
				}
			}
			if (!endpos) {
				if (d->head.capped) {
					c->st.bad_messages++;
					start_resync(c, d);
				}
				d->head_frame = frame;
				d->prev = end[-1];
				return n;
			}
			k = endpos - old;
			d->head.len = endpos;
			d->head_frame = frame;
			p += k;
			bool ok = dir == 0 ? request_head_done(c, d) : response_head_done(c, d);
			if (!ok) {
				c->st.bad_messages++;
				start_resync(c, d);
			} else if (dir == 0 && d->req) {
				d->req->v.frame = frame;
				d->req->v.ts_ns = ts_ns;
				if (d->st == ST_IDLE)
					request_done(c, d);
			}
			continue;
		}
		case ST_BODY_LEN:
			k = left < d->remaining ? left : (size_t)d->remaining;
			if (dir == 0)
				body_bytes(d, p, k, origin);
			d->remaining -= k;
			p += k;
			if (d->remaining == 0)
				message_complete(c, d, dir, frame, ts_ns);
			continue;
		case ST_CHUNK_SIZE:
		case ST_CHUNK_DATA_END:
		case ST_TRAILERS:
			k = take_line(d, p, left, &done, &overflow);
			p += k;
			if (dir == 0 && d->req)
				add_frame(d->req, origin);
			if (overflow) {
				c->st.bad_messages++;
				if (dir == 0 && d->req) {
					d->req->v.body_gap = true;
					request_done(c, d);
				}
				start_resync(c, d);
				continue;
			}
			if (!done)
				continue;
			if (d->st == ST_CHUNK_SIZE) {
				uint64_t size;
				if (!parse_chunk_size(d->line, &size)) {
					c->st.bad_messages++;
					if (dir == 0 && d->req) {
						d->req->v.body_gap = true;
						request_done(c, d);
					}
					start_resync(c, d);
					continue;
				}
				d->remaining = size;
				d->st = size ? ST_CHUNK_DATA : ST_TRAILERS;
			} else if (d->st == ST_CHUNK_DATA_END) {
				d->st = ST_CHUNK_SIZE;
			} else if (d->line_len == 0) { /* the blank line after the trailers */
				message_complete(c, d, dir, frame, ts_ns);
			}
			d->line_len = 0;
			continue;
		case ST_CHUNK_DATA:
			k = left < d->remaining ? left : (size_t)d->remaining;
			if (dir == 0)
				body_bytes(d, p, k, origin);
			d->remaining -= k;
			p += k;
			if (d->remaining == 0)
				d->st = ST_CHUNK_DATA_END;
			continue;
		case ST_BODY_CLOSE:
			p = end; /* response body up to the close: skipped */
			continue;
		case ST_RESYNC: {
			long at = find_message_start(d, dir, p, left);
			if (at < 0) {
				p = end;
				continue;
			}
			p += at;
			d->st = ST_HEAD;
			d->head.len = 0;
			d->head.capped = false;
			d->nhframes = 0;
			continue;
		}
		case ST_DEAD:
			return n;
		}
	}
	if (n)
		d->prev = end[-1];
	/* the bytes after a 101 to h2c are HTTP/2, not this parser's */
	return !was_dead && c->h2c ? (size_t)(p - start) : n;
}

uint64_t http1_skippable(const struct http1_conn *c, int dir)
{
	const struct h1_dir *d = &c->d[dir];
	if (dir != 1) /* request bytes are the evidence: all are read */
		return 0;
	switch (d->st) {
	case ST_BODY_LEN:
	case ST_CHUNK_DATA:
		return d->remaining;
	case ST_BODY_CLOSE:
		return UINT64_MAX;
	default:
		return 0;
	}
}

void http1_skip(struct http1_conn *c, int dir, uint64_t len)
{
	struct h1_dir *d = &c->d[dir];
	if ((d->st == ST_BODY_LEN || d->st == ST_CHUNK_DATA) && len < d->remaining)
		d->remaining -= len;
}

void http1_gap(struct http1_conn *c, int dir, uint64_t len)
{
	struct h1_dir *d = &c->d[dir];
	switch (d->st) {
	case ST_BODY_LEN:
		if (dir == 0 && d->req)
			d->req->v.body_gap = true;
		if (len < d->remaining) { /* the length keeps us in step */
			d->remaining -= len;
			return;
		}
		message_done(c, d, dir);
		start_resync(c, d);
		return;
	case ST_CHUNK_SIZE:
	case ST_CHUNK_DATA:
	case ST_CHUNK_DATA_END:
	case ST_TRAILERS:
		if (dir == 0 && d->req) {
			d->req->v.body_gap = true;
			request_done(c, d);
		}
		start_resync(c, d);
		return;
	case ST_HEAD:
		c->st.bad_messages++;
		start_resync(c, d);
		return;
	case ST_IDLE:
		start_resync(c, d);
		return;
	case ST_BODY_CLOSE:
	case ST_RESYNC:
	case ST_DEAD:
		return;
	}
}

void http1_end(struct http1_conn *c, int dir)
{
	struct h1_dir *d = &c->d[dir];
	if (dir == 0 && d->req) {
		d->req->v.body_gap = d->st != ST_IDLE;
		request_done(c, d);
	}
	d->st = ST_DEAD;
}
