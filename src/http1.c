/* \summary: HTTP/1.x parsing over reassembled TCP (see http1.h; RFC 9112).
 *
 * Per direction a small state machine:
 *
 *   IDLE --first byte--> LINE --its LF, a message start--> HEAD --blank line--> BODY_LEN | CHUNK_SIZE | BODY_CLOSE --> IDLE
 *                             CHUNK_SIZE -> CHUNK_DATA -> CHUNK_DATA_END -> CHUNK_SIZE ... -> TRAILERS -> IDLE
 *   HEAD (CONNECT) --> CONNECT_WAIT --2xx--> DEAD (a tunnel); --refused--> IDLE
 *   any --gap or garbage--> RESYNC --line start--> LINE (strict) --a message start--> HEAD
 *
 * A first line is recognised by its shape, checked byte by byte as it
 * comes (so junk is refused at once) and whole at its LF: leniently where a
 * message must start, strictly while resynchronising (see line_acceptable).
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
	ST_LINE, /* a message's first line, collected in the head buffer until its LF */
	ST_HEAD,
	ST_BODY_LEN,
	ST_CHUNK_SIZE,
	ST_CHUNK_DATA,
	ST_CHUNK_DATA_END,
	ST_TRAILERS,
	ST_BODY_CLOSE,
	ST_CONNECT_WAIT, /* client: a CONNECT awaits its answer; what follows is held */
	ST_RESYNC,
	ST_DEAD,
};

#define LINE_MAX_BYTES 256
#define METHOD_MAX 32 /* longer tokens are not taken for a method */

#define ANOM(a) (1u << (a))

struct h1_req {
	struct http_request v;
	uint8_t *head;
	struct dbuf body;
	uint64_t *frames;
	size_t nframes, cap;
	bool complete, final_status, is_head, is_connect;
};

/* The incremental check of a first line's bytes. */
struct line_scan {
	bool in_method;    /* client: still reading the method token */
	uint16_t pos;      /* client: method bytes; server: bytes of "HTTP/1." matched */
};

/* What a first line may be, where it is read. */
enum line_policy {
	LINE_LENIENT, /* where a message must start: whatever a lenient server accepts */
	LINE_STRICT,  /* resynchronising: only a request line with an HTTP/1.0 or 1.1 version */
};

struct h1_dir {
	enum h1_state st;
	struct dbuf head;
	uint64_t remaining;
	char line[LINE_MAX_BYTES];
	size_t line_len;
	/* the first line being collected (ST_LINE) */
	enum line_policy policy;
	struct line_scan scan;
	bool line_fresh;      /* it began in the current delivery */
	/* where later deliveries began inside a strict candidate line: a
	 * message may start there instead (and how many head frames came before) */
	struct {
		uint32_t off;
		uint16_t nframes;
	} bound[8];
	uint8_t nbound;
	bool v09;             /* the head's request line has no version: it may end without a blank line */
	bool bare_method;     /* the request line is a method alone: headers must follow */
	unsigned anomalies;   /* of the message being read (ANOM bits) */
	struct h1_req *req;   /* the request being read (client direction) */
	uint64_t head_frame, head_ts_ns; /* the packet that completed (so far) the head */
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
	enum http1_switch sw;
	/* client bytes after a CONNECT, before its answer */
	struct dbuf early;
	uint64_t early_origin, early_lost;
	bool replay_early; /* the CONNECT was refused: they are HTTP again */
	struct http1_stats st;
};

static const char *const anomaly_names[H1_ANOMALY_COUNT] = {
	[H1_EMPTY_LINES] = "empty_lines_before_message",
	[H1_EXTRA_SPACES] = "request_line_extra_spaces",
	[H1_SPACE_IN_TARGET] = "space_in_target",
	[H1_MISSING_TARGET] = "missing_target",
	[H1_MISSING_VERSION] = "missing_version",
	[H1_BAD_VERSION] = "bad_version",
	[H1_BARE_LF] = "bare_lf",
	[H1_OBS_FOLD] = "obs_fold",
	[H1_SPACE_BEFORE_COLON] = "header_space_before_colon",
	[H1_BAD_HEADER_LINE] = "bad_header_line",
	[H1_BAD_CONTENT_LENGTH] = "bad_content_length",
	[H1_CHUNKED_WITH_LENGTH] = "chunked_with_content_length",
	[H1_NO_STATUS_LINE] = "no_status_line",
};

const char *http1_anomaly_name(enum http1_anomaly a)
{
	return (unsigned)a < H1_ANOMALY_COUNT ? anomaly_names[a] : "?";
}

static bool is_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_ws(uint8_t c) { return c == ' ' || c == '\t'; }

/* A byte a first line may hold: no control byte but HTAB (CR only at its end). */
static bool line_char(uint8_t c) { return c >= 0x20 ? c != 0x7f : c == '\t' || c == '\r'; }

/* ---- request lines ---- */

struct request_line {
	const char *method, *target;
	size_t method_len, target_len;
	const char *protocol;
	bool version_ok; /* the version is HTTP/1.d */
	unsigned anomalies;
};

/* Splits a request line (without its LF) by shape: token, whitespace, then
 * the target up to the LAST " HTTP/", then the version; a lenient server
 * (nginx's space_in_uri) reads a target with spaces the same way.  False
 * when it is no request line at all; otherwise its anomalies say what is
 * missing or odd. */
static bool parse_request_line(const char *s, size_t n, struct request_line *rl)
{
	memset(rl, 0, sizeof(*rl));
	if (n && s[n - 1] == '\r')
		n--;
	size_t i = 0;
	while (i < n && is_tchar((uint8_t)s[i]))
		i++;
	if (i == 0 || i > METHOD_MAX || (i < n && !is_ws((uint8_t)s[i])))
		return false;
	for (size_t k = i; k < n; k++)
		if (!line_char((uint8_t)s[k]) || s[k] == '\r')
			return false;
	rl->method = s;
	rl->method_len = i;
	size_t sep = i;
	while (i < n && is_ws((uint8_t)s[i]))
		i++;
	size_t e = n;
	while (e > i && is_ws((uint8_t)s[e - 1]))
		e--;
	if (i - sep > 1 || (i > sep && s[sep] != ' ') || e < n)
		rl->anomalies |= ANOM(H1_EXTRA_SPACES);
	const char *r = s + i;
	size_t rn = e - i;
	rl->target = r;
	rl->protocol = "http/0.9";
	if (rn == 0) { /* a method alone */
		rl->anomalies |= ANOM(H1_MISSING_TARGET) | ANOM(H1_MISSING_VERSION);
		return true;
	}
	const char *v = NULL;
	size_t vn = 0;
	if (rn >= 5 && memcmp(r, "HTTP/", 5) == 0 && !memchr(r, ' ', rn) && !memchr(r, '\t', rn)) {
		v = r; /* "GET HTTP/1.1" */
		vn = rn;
		rl->anomalies |= ANOM(H1_MISSING_TARGET);
	} else {
		size_t k = rn;
		while (k > 5 && !(is_ws((uint8_t)r[k - 6]) && memcmp(r + k - 5, "HTTP/", 5) == 0))
			k--;
		if (k > 5) { /* r[k-5 ..] is the last "HTTP/" after whitespace */
			v = r + k - 5;
			vn = rn - (k - 5);
			size_t t = k - 5, w = 0;
			while (t && is_ws((uint8_t)r[t - 1]))
				t--, w++;
			if (w > 1 || r[t] != ' ')
				rl->anomalies |= ANOM(H1_EXTRA_SPACES);
			if (memchr(v, ' ', vn) || memchr(v, '\t', vn))
				return false; /* "GET / HTTP/1.1 junk" */
			rl->target_len = t;
		} else {
			rl->target_len = rn;
			rl->anomalies |= ANOM(H1_MISSING_VERSION);
		}
	}
	if (memchr(rl->target, ' ', rl->target_len) || memchr(rl->target, '\t', rl->target_len))
		rl->anomalies |= ANOM(H1_SPACE_IN_TARGET);
	if (v) {
		bool digits = vn == 8 && v[5] >= '0' && v[5] <= '9' && v[6] == '.' && v[7] >= '0' && v[7] <= '9';
		rl->version_ok = digits && v[5] == '1';
		if (digits && memcmp(v + 5, "1.0", 3) == 0) {
			rl->protocol = "http/1.0";
		} else {
			rl->protocol = "http/1.1";
			if (!digits || memcmp(v + 5, "1.1", 3) != 0)
				rl->anomalies |= ANOM(H1_BAD_VERSION);
		}
	}
	return true;
}

/* Would a request line of this shape start a message here?  Where a
 * message must start, whatever a lenient server takes.  Resynchronising,
 * only a version HTTP/1.0 or 1.1 and a method as nginx takes them
 * (A-Z, '_', '-'): lower-case junk before a request is not a method; and
 * for a line that spans deliveries the plain shape alone (one space, no
 * space in the target), since the junk that ended the previous delivery
 * could otherwise be glued to a request that starts the next. */
static bool line_acceptable(const struct request_line *rl, enum line_policy policy, bool spans)
{
	if (policy == LINE_STRICT) {
		for (size_t i = 0; i < rl->method_len; i++)
			if (!((rl->method[i] >= 'A' && rl->method[i] <= 'Z') || rl->method[i] == '_' || rl->method[i] == '-'))
				return false;
		unsigned spacing = ANOM(H1_EXTRA_SPACES) | ANOM(H1_SPACE_IN_TARGET) | ANOM(H1_MISSING_TARGET);
		return !(rl->anomalies & ~(spans ? 0 : spacing)) && rl->version_ok;
	}
	if (!(rl->anomalies & ANOM(H1_MISSING_VERSION)) || rl->target_len == 0)
		return true; /* a method alone is checked when its head is complete */
	/* HTTP/0.9 "GET /": only targets a server would take */
	const char *t = rl->target;
	size_t n = rl->target_len;
	return t[0] == '/' || (n == 1 && t[0] == '*') || memmem(t, n, "://", 3) != NULL;
}

/* Checks the bytes of a first line as they come (ST_LINE): the index of the
 * first byte that cannot belong to one, or n.  p holds no LF. */
static size_t scan_line(struct line_scan *ls, int dir, const uint8_t *p, size_t n)
{
	static const char status_start[] = "HTTP/1.";
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];
		if (dir == 1 && ls->pos < sizeof(status_start) - 1) {
			if (b != (uint8_t)status_start[ls->pos])
				return i;
			ls->pos++;
		} else if (dir == 0 && ls->in_method) {
			if (is_tchar(b)) {
				if (++ls->pos > METHOD_MAX)
					return i;
			} else if (ls->pos && (is_ws(b) || b == '\r')) {
				ls->in_method = false;
			} else {
				return i;
			}
		} else if (!line_char(b)) {
			return i;
		}
	}
	return n;
}

int http1_looks_like_request(const uint8_t *data, size_t len)
{
	struct line_scan ls = { .in_method = true };
	const uint8_t *lf = memchr(data, '\n', len);
	size_t n = lf ? (size_t)(lf - data) : len;
	if (scan_line(&ls, 0, data, n) != n)
		return 0;
	if (!lf)
		return -1;
	/* Without a version the shape is too weak to tell a request from
	 * another text protocol ("CWD /pub", "DATA"): the server's answer
	 * will tell (session.c), except for HTTP/0.9's own "GET /path". */
	struct request_line rl;
	if (!parse_request_line((const char *)data, n, &rl))
		return 0;
	if (!(rl.anomalies & ANOM(H1_MISSING_VERSION)))
		return 1;
	return rl.method_len == 3 && memcmp(rl.method, "GET", 3) == 0 && rl.target_len && rl.target[0] == '/' ? 2 : 0;
}

struct http1_conn *http1_new(http_request_fn on_request, void *ctx, size_t max_body, bool midstream)
{
	struct http1_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->on_request = on_request;
	c->ctx = ctx;
	c->max_body = max_body;
	dbuf_init(&c->early, HTTP1_MAX_HEADER_BYTES);
	for (int i = 0; i < 2; i++) {
		dbuf_init(&c->d[i].head, HTTP1_MAX_HEADER_BYTES);
		c->d[i].st = midstream ? ST_RESYNC : ST_IDLE;
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
	dbuf_free(&c->early);
	free(c);
}

bool http1_done(const struct http1_conn *c) { return c->dead; }
enum http1_switch http1_switched(const struct http1_conn *c) { return c->sw; }
bool http1_upgraded_h2c(const struct http1_conn *c) { return c->sw == HTTP1_SWITCH_H2C; }
const struct http1_stats *http1_stats(const struct http1_conn *c) { return &c->st; }

const uint8_t *http1_tunnel_early(const struct http1_conn *c, size_t *len, uint64_t *origin, uint64_t *lost)
{
	*len = c->early.len;
	*origin = c->early_origin;
	*lost = c->early_lost;
	return c->early.data;
}

size_t http1_memory(const struct http1_conn *c)
{
	size_t n = c->d[0].head.cap + c->d[1].head.cap + c->early.cap;
	for (size_t i = 0; i < c->nqueue; i++)
		n += c->queue[i]->body.cap + HTTP1_MAX_HEADER_BYTES / 64;
	return n;
}

/* Counts the anomalies of a message that was read. */
static void count_anomalies(struct http1_conn *c, unsigned anomalies)
{
	for (int a = 0; a < H1_ANOMALY_COUNT; a++)
		if (anomalies & ANOM(a))
			c->st.anomalies[a]++;
}

/* ---- header block parsing ---- */

/* Splits a header block (NUL-terminated, in place) into lines; returns the
 * start-line's length or -1.  Fills headers, joining obs-fold lines, and
 * adds what it tolerated to *anomalies. */
static int parse_head(char *buf, size_t len, struct http_header *h, size_t max, size_t *nh, bool *cut,
		      unsigned *anomalies)
{
	size_t pos = 0, n = 0;
	*cut = false;
	*nh = 0;
	char *eol = memchr(buf, '\n', len);
	if (!eol)
		return -1;
	size_t start_len = (size_t)(eol - buf);
	if (start_len && buf[start_len - 1] == '\r')
		start_len--;
	else
		*anomalies |= ANOM(H1_BARE_LF);
	pos = (size_t)(eol - buf) + 1;
	while (pos < len) {
		char *line = buf + pos;
		char *end = memchr(line, '\n', len - pos);
		size_t llen = end ? (size_t)(end - line) : len - pos;
		size_t next = pos + llen + 1;
		if (llen && line[llen - 1] == '\r')
			llen--;
		else if (end)
			*anomalies |= ANOM(H1_BARE_LF);
		if (llen == 0)
			break;
		if (is_ws((uint8_t)line[0])) {
			if (n == 0) { /* a continuation with nothing to continue */
				*anomalies |= ANOM(H1_BAD_HEADER_LINE);
			} else { /* obs-fold: the line break and the indent become one space */
				*anomalies |= ANOM(H1_OBS_FOLD);
				struct http_header *prev = &h[n - 1];
				const char *src = line;
				size_t sl = llen;
				while (sl && is_ws((uint8_t)*src))
					src++, sl--;
				while (sl && is_ws((uint8_t)src[sl - 1]))
					sl--;
				if (sl) { /* moved left, within this header's own bytes */
					char *dst = (char *)prev->value + prev->value_len;
					*dst = ' ';
					memmove(dst + 1, src, sl);
					prev->value_len += 1 + sl;
				}
			}
		} else {
			char *colon = memchr(line, ':', llen);
			if (!colon || colon == line) {
				*anomalies |= ANOM(H1_BAD_HEADER_LINE);
			} else if (n == max) {
				*cut = true;
			} else {
				size_t nl = (size_t)(colon - line);
				if (is_ws((uint8_t)line[nl - 1]))
					*anomalies |= ANOM(H1_SPACE_BEFORE_COLON);
				while (nl && is_ws((uint8_t)line[nl - 1]))
					nl--; /* tolerate "Name :" */
				char *v = colon + 1, *ve = line + llen;
				while (v < ve && is_ws((uint8_t)*v))
					v++;
				while (ve > v && is_ws((uint8_t)ve[-1]))
					ve--;
				h[n].name = line;
				h[n].name_len = nl;
				h[n].value = v;
				h[n].value_len = (size_t)(ve - v);
				n++;
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
	while (n && is_ws((uint8_t)v[n - 1]))
		n--;
	return n >= 7 && strncasecmp(v + n - 7, "chunked", 7) == 0;
}

/* One Content-Length element ("5" in "5, 5"): its value, or -1. */
static long long length_value(const char *v, size_t n)
{
	while (n && is_ws((uint8_t)*v))
		v++, n--;
	while (n && is_ws((uint8_t)v[n - 1]))
		n--;
	if (n == 0)
		return -1;
	long long x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || x > (1LL << 50))
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/* The message's Content-Length: -1 when absent or not a number.  Repeated
 * values ("5, 5", or two headers) must agree; when they do not, the first
 * is used and the message counts as bad_content_length. */
static long long content_length(const struct http_header *h, size_t n, unsigned *anomalies)
{
	long long first = -2; /* -2: none seen yet */
	for (size_t i = 0; i < n; i++) {
		if (h[i].name_len != 14 || strncasecmp(h[i].name, "content-length", 14) != 0)
			continue;
		const char *v = h[i].value, *e = v + h[i].value_len;
		while (v <= e) {
			const char *comma = memchr(v, ',', (size_t)(e - v));
			const char *ce = comma ? comma : e;
			long long x = length_value(v, (size_t)(ce - v));
			if (x < 0 || (first != -2 && x != first))
				*anomalies |= ANOM(H1_BAD_CONTENT_LENGTH);
			if (first == -2)
				first = x;
			v = ce + 1;
		}
	}
	return first < 0 ? -1 : first;
}

static void start_resync(struct http1_conn *c, struct h1_dir *d)
{
	d->st = ST_RESYNC;
	d->head.len = 0;
	d->head.capped = false;
	d->line_len = 0;
	d->anomalies = 0;
	c->st.resyncs++;
}

/* A message's first byte: collect its first line. */
static void begin_line(struct h1_dir *d, enum line_policy policy)
{
	d->st = ST_LINE;
	d->policy = policy;
	d->scan = (struct line_scan){ .in_method = true };
	d->line_fresh = true;
	d->nbound = 0;
	d->v09 = d->bare_method = false;
	d->head.len = 0;
	d->head.capped = false;
	d->nhframes = 0;
	if (policy == LINE_STRICT)
		d->anomalies = 0;
}

/* Drops the first n bytes of a candidate line and the frames that carried
 * only them. */
static void drop_line_start(struct h1_dir *d, size_t n, size_t nframes)
{
	memmove(d->head.data, d->head.data + n, d->head.len - n);
	d->head.len -= n;
	memmove(d->hframes, d->hframes + nframes, (d->nhframes - nframes) * sizeof(*d->hframes));
	d->nhframes -= nframes;
}

/* The first line in d->head is complete: does a message start with it?
 * A strict candidate that spans deliveries may hold junk before a message
 * that starts with a later delivery: then the line from that delivery on
 * is tried, and taken alone when it is one. */
static bool first_line_ok(struct h1_dir *d, int dir)
{
	size_t n = d->head.len - 1; /* without its LF */
	struct request_line rl;
	for (int i = -1; i < (int)d->nbound; i++) {
		size_t off = i < 0 ? 0 : d->bound[i].off;
		const uint8_t *line = d->head.data + off;
		if (i >= 0) {
			struct line_scan ls = { .in_method = true };
			if (off >= n || scan_line(&ls, dir, line, n - off) != n - off)
				continue;
		}
		bool spans = i + 1 < (int)d->nbound; /* a later delivery began inside it */
		bool ok = dir == 1 || (parse_request_line((const char *)line, n - off, &rl) &&
				       line_acceptable(&rl, d->policy, spans));
		if (!ok)
			continue;
		if (i >= 0) /* the bytes before belonged to no message */
			drop_line_start(d, off, d->bound[i].nframes);
		if (dir == 0) {
			d->v09 = rl.target_len && (rl.anomalies & ANOM(H1_MISSING_VERSION));
			d->bare_method = !rl.target_len && (rl.anomalies & ANOM(H1_MISSING_VERSION));
		}
		return true;
	}
	return false;
}

/* A strict candidate line that spans deliveries met a byte no line holds,
 * in the delivery now being read: go on from the first delivery start
 * inside it from which the bytes collected still fit (at worst this
 * delivery's start). */
static void restart_at_bound(struct h1_dir *d, int dir)
{
	for (int i = 0; i < d->nbound; i++) {
		size_t off = d->bound[i].off, nf = d->bound[i].nframes;
		struct line_scan ls = { .in_method = true };
		if (off < d->head.len && scan_line(&ls, dir, d->head.data + off, d->head.len - off) != d->head.len - off)
			continue;
		drop_line_start(d, off, nf);
		for (int j = i + 1; j < d->nbound; j++) {
			d->bound[j - i - 1].off = d->bound[j].off - (uint32_t)off;
			d->bound[j - i - 1].nframes = (uint16_t)(d->bound[j].nframes - nf);
		}
		d->nbound = (uint8_t)(d->nbound - i - 1);
		d->scan = ls;
		if (d->head.len == 0)
			break;
		return;
	}
	begin_line(d, LINE_STRICT);
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
	unsigned anomalies = d->anomalies;
	int sl = h ? parse_head(h, len, r->v.headers, HTTP_MAX_HEADERS, &r->v.nheaders, &cut, &anomalies) : -1;
	struct request_line rl;
	if (sl <= 0 || !parse_request_line(h, (size_t)sl, &rl) || (d->bare_method && r->v.nheaders == 0)) {
		req_free(r);
		return false;
	}
	anomalies |= rl.anomalies;
	r->v.headers_truncated = cut;
	r->v.method = rl.method;
	r->v.method_len = rl.method_len;
	r->v.target = rl.target;
	r->v.target_len = rl.target_len;
	r->v.protocol = rl.protocol;
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
	long long cl = content_length(r->v.headers, r->v.nheaders, &anomalies);
	if (is_chunked(te) && cl >= 0)
		anomalies |= ANOM(H1_CHUNKED_WITH_LENGTH);
	count_anomalies(c, anomalies);
	d->anomalies = 0;
	if (r->is_connect) {
		d->st = ST_CONNECT_WAIT; /* no body; what follows depends on the answer */
	} else if (is_chunked(te)) {
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

/* The connection carries another protocol from here on. */
static void switch_protocol(struct http1_conn *c, enum http1_switch sw)
{
	c->sw = sw;
	c->dead = true;
	c->d[0].st = c->d[1].st = ST_DEAD;
	if (c->d[0].req)
		c->d[0].req->complete = true;
	flush_queue(c, false);
}

static bool response_head_done(struct http1_conn *c, struct h1_dir *d)
{
	size_t len = d->head.len;
	if (!dbuf_terminate(&d->head))
		return false;
	char *h = (char *)d->head.data;
	struct http_header hdrs[HTTP_MAX_HEADERS];
	size_t nh;
	bool cut;
	unsigned anomalies = d->anomalies;
	int sl = parse_head(h, len, hdrs, HTTP_MAX_HEADERS, &nh, &cut, &anomalies);
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
	const struct http_header *te = find(hdrs, nh, "transfer-encoding");
	long long cl = content_length(hdrs, nh, &anomalies);
	if (is_chunked(te) && cl >= 0)
		anomalies |= ANOM(H1_CHUNKED_WITH_LENGTH);
	count_anomalies(c, anomalies);
	d->anomalies = 0;
	if (status == 101) {
		const struct http_header *up = find(hdrs, nh, "upgrade");
		bool h2c = up && up->value_len == 3 && strncasecmp(up->value, "h2c", 3) == 0;
		switch_protocol(c, h2c ? HTTP1_SWITCH_H2C : HTTP1_SWITCH_OTHER);
		return true;
	}
	if (connect && status >= 200 && status < 300) {
		switch_protocol(c, HTTP1_SWITCH_TUNNEL);
		return true;
	}
	if (connect && status >= 200 && c->d[0].st == ST_CONNECT_WAIT) {
		c->d[0].st = ST_IDLE; /* refused: the client's next bytes are HTTP again */
		c->replay_early = c->early.len > 0;
	}
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

/* Where a message may start in p: the first line start (the byte after a LF;
 * `before` is the byte before p) whose byte can begin one; -1 if none. */
static long find_line_start(int dir, uint8_t before, const uint8_t *p, size_t n)
{
	size_t i = 0;
	if (before != '\n') {
		const uint8_t *lf = memchr(p, '\n', n);
		if (!lf)
			return -1;
		i = (size_t)(lf - p) + 1;
	}
	while (i < n) {
		if (dir == 0 ? is_tchar(p[i]) : p[i] == 'H')
			return (long)i;
		const uint8_t *lf = memchr(p + i, '\n', n - i);
		if (!lf)
			return -1;
		i = (size_t)(lf - p) + 1;
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

/* The head in d->head is complete (its blank line, or the end of an
 * HTTP/0.9 request): parse it and go on to the body. */
static void head_complete(struct http1_conn *c, struct h1_dir *d, int dir)
{
	bool ok = dir == 0 ? request_head_done(c, d) : response_head_done(c, d);
	if (!ok) {
		c->st.bad_messages++;
		start_resync(c, d);
		return;
	}
	if (dir == 0 && d->req) {
		d->req->v.frame = d->head_frame;
		d->req->v.ts_ns = d->head_ts_ns;
		if (d->st == ST_IDLE || d->st == ST_CONNECT_WAIT) {
			enum h1_state next = d->st;
			request_done(c, d);
			d->st = next;
		}
	}
}

/* A first line was not a message start: a skipped message where one had to
 * start, else resynchronising goes on. */
static void line_rejected(struct http1_conn *c, struct h1_dir *d, int dir)
{
	if (d->policy == LINE_STRICT) {
		d->st = ST_RESYNC;
		d->head.len = 0;
		return;
	}
	if (dir == 1) /* an answer without a status line (HTTP/0.9), or garbage */
		c->st.anomalies[H1_NO_STATUS_LINE]++;
	else
		c->st.bad_messages++;
	start_resync(c, d);
}

/* An HTTP/0.9 request ends with its line: complete it when something shows
 * no more of its head will come (the server answers, the client stops). */
static void finish_v09(struct http1_conn *c)
{
	struct h1_dir *d = &c->d[0];
	if (d->st == ST_HEAD && d->v09)
		head_complete(c, d, 0);
}

static void hold_early(struct http1_conn *c, const uint8_t *p, size_t n, uint64_t origin)
{
	size_t before = c->early.len;
	dbuf_append(&c->early, p, n);
	c->early_lost += n - (c->early.len - before);
	c->early_origin = origin;
}

/* One delivery of bytes: where it starts, and the frame that brought it. */
struct delivery {
	const uint8_t *start;
	uint64_t origin, frame, ts_ns;
};

/* The first line of a message, up to its LF. */
static const uint8_t *step_line(struct http1_conn *c, struct h1_dir *d, int dir, const uint8_t *p,
				const uint8_t *end, const struct delivery *dv)
{
	size_t left = (size_t)(end - p);
	const uint8_t *lf = memchr(p, '\n', left);
	size_t body = lf ? (size_t)(lf - p) : left;
	size_t ok = scan_line(&d->scan, dir, p, body);
	if (ok < body) {
		if (d->policy == LINE_STRICT && !d->line_fresh && p == dv->start) {
			restart_at_bound(d, dir); /* junk before a later delivery's start */
			return p;
		}
		line_rejected(c, d, dir);
		return p + ok; /* resynchronising goes on from the byte that did not fit */
	}
	size_t k = lf ? body + 1 : left;
	dbuf_append(&d->head, p, k);
	note_head_frame(d, dv->origin);
	d->head_frame = dv->frame;
	d->head_ts_ns = dv->ts_ns;
	p += k;
	if (d->head.capped || (lf && !first_line_ok(d, dir)))
		line_rejected(c, d, dir);
	else if (lf)
		d->st = ST_HEAD; /* the line's LF may already end an empty head */
	return p;
}

/* The header lines, up to the blank line that ends the head. */
static const uint8_t *step_head(struct http1_conn *c, struct h1_dir *d, int dir, const uint8_t *p,
				const uint8_t *end, const struct delivery *dv)
{
	size_t old = d->head.len;
	size_t from = old > 3 ? old - 3 : 0;
	dbuf_append(&d->head, p, (size_t)(end - p));
	note_head_frame(d, dv->origin);
	d->head_frame = dv->frame;
	d->head_ts_ns = dv->ts_ns;
	const uint8_t *h = d->head.data;
	size_t endpos = 0;
	for (size_t i = from; i < d->head.len && !endpos; i++)
		if (h[i] == '\n' && ((i >= 1 && h[i - 1] == '\n') || (i >= 2 && h[i - 1] == '\r' && h[i - 2] == '\n')))
			endpos = i + 1;
	if (!endpos) {
		if (d->head.capped) {
			c->st.bad_messages++;
			start_resync(c, d);
		}
		return end;
	}
	p += endpos - old;
	d->head.len = endpos;
	head_complete(c, d, dir);
	return p;
}

/* A chunked body gone wrong: the request so far is handed over, its body
 * marked as having a gap, and the parser looks for the next message. */
static void chunk_failed(struct http1_conn *c, struct h1_dir *d, int dir)
{
	c->st.bad_messages++;
	if (dir == 0 && d->req) {
		d->req->v.body_gap = true;
		request_done(c, d);
	}
	start_resync(c, d);
}

/* A line of chunked framing: a chunk size, the CRLF after a chunk's data,
 * or a trailer (the blank one ends the message). */
static const uint8_t *step_chunk_line(struct http1_conn *c, struct h1_dir *d, int dir, const uint8_t *p,
				      const uint8_t *end, const struct delivery *dv)
{
	bool done, overflow;
	p += take_line(d, p, (size_t)(end - p), &done, &overflow);
	if (dir == 0 && d->req)
		add_frame(d->req, dv->origin);
	if (overflow) {
		chunk_failed(c, d, dir);
		return p;
	}
	if (!done)
		return p;
	if (d->st == ST_CHUNK_SIZE) {
		uint64_t size;
		if (!parse_chunk_size(d->line, &size)) {
			chunk_failed(c, d, dir);
			return p;
		}
		d->remaining = size;
		d->st = size ? ST_CHUNK_DATA : ST_TRAILERS;
	} else if (d->st == ST_CHUNK_DATA_END) {
		d->st = ST_CHUNK_SIZE;
	} else if (d->line_len == 0) {
		message_complete(c, d, dir, dv->frame, dv->ts_ns);
	}
	d->line_len = 0;
	return p;
}

/* Body bytes counted by Content-Length or by a chunk's size. */
static const uint8_t *step_counted(struct http1_conn *c, struct h1_dir *d, int dir, const uint8_t *p,
				   const uint8_t *end, const struct delivery *dv)
{
	size_t left = (size_t)(end - p);
	size_t k = left < d->remaining ? left : (size_t)d->remaining;
	if (dir == 0)
		body_bytes(d, p, k, dv->origin);
	d->remaining -= k;
	if (d->remaining == 0) {
		if (d->st == ST_CHUNK_DATA)
			d->st = ST_CHUNK_DATA_END;
		else
			message_complete(c, d, dir, dv->frame, dv->ts_ns);
	}
	return p + k;
}

/* After a parse error: a delivery (segment, record) starts where a
 * message usually does. */
static const uint8_t *step_resync(struct h1_dir *d, int dir, const uint8_t *p, const uint8_t *end,
				  const struct delivery *dv)
{
	long at = find_line_start(dir, p > dv->start ? p[-1] : '\n', p, (size_t)(end - p));
	if (at < 0)
		return end;
	begin_line(d, LINE_STRICT);
	return p + at;
}

/* A first line goes on in this delivery: mark where it started, so that
 * junk before it can be dropped. */
static void note_delivery(struct h1_dir *d)
{
	d->line_fresh = false;
	if (d->policy == LINE_STRICT && d->nbound < sizeof(d->bound) / sizeof(*d->bound)) {
		d->bound[d->nbound].off = (uint32_t)d->head.len;
		d->bound[d->nbound].nframes = (uint16_t)d->nhframes;
		d->nbound++;
	}
}

static const uint8_t *step(struct http1_conn *c, struct h1_dir *d, int dir, const uint8_t *p, const uint8_t *end,
			   const struct delivery *dv)
{
	switch (d->st) {
	case ST_IDLE:
		if (*p == '\r' || *p == '\n') { /* tolerated between messages */
			d->anomalies |= ANOM(H1_EMPTY_LINES);
			return p + 1;
		}
		begin_line(d, LINE_LENIENT);
		return p;
	case ST_LINE:
		return step_line(c, d, dir, p, end, dv);
	case ST_HEAD:
		return step_head(c, d, dir, p, end, dv);
	case ST_BODY_LEN:
	case ST_CHUNK_DATA:
		return step_counted(c, d, dir, p, end, dv);
	case ST_CHUNK_SIZE:
	case ST_CHUNK_DATA_END:
	case ST_TRAILERS:
		return step_chunk_line(c, d, dir, p, end, dv);
	case ST_BODY_CLOSE:
		return end; /* response body up to the close: skipped */
	case ST_CONNECT_WAIT:
		hold_early(c, p, (size_t)(end - p), dv->origin);
		return end;
	case ST_RESYNC:
		return step_resync(d, dir, p, end, dv);
	case ST_DEAD:
		break;
	}
	return end;
}

size_t http1_data(struct http1_conn *c, int dir, const uint8_t *p, size_t n, uint64_t origin, uint64_t frame,
		  uint64_t ts_ns)
{
	struct h1_dir *d = &c->d[dir];
	const struct delivery dv = { p, origin, frame, ts_ns };
	const uint8_t *end = p + n;
	bool was_dead = c->dead;
	if (dir == 1 && n)
		finish_v09(c);
	if (d->st == ST_LINE && n)
		note_delivery(d);
	while (p < end && !c->dead) {
		if (d->st == ST_DEAD)
			return n;
		p = step(c, d, dir, p, end, &dv);
	}
	if (c->replay_early && dir == 1 && !c->dead) { /* a refused CONNECT: what the client sent is HTTP */
		size_t len;
		uint8_t *held = (uint8_t *)dbuf_detach(&c->early, &len);
		dbuf_init(&c->early, HTTP1_MAX_HEADER_BYTES);
		c->replay_early = false;
		if (held)
			http1_data(c, 0, held, len, c->early_origin, frame, ts_ns);
		free(held);
	}
	/* the bytes after a switch are the next protocol's, not this parser's */
	return !was_dead && (c->sw == HTTP1_SWITCH_H2C || c->sw == HTTP1_SWITCH_TUNNEL) ? (size_t)(p - dv.start) : n;
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
	if (dir == 1)
		finish_v09(c);
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
	case ST_LINE:
		if (d->policy == LINE_STRICT) {
			d->st = ST_RESYNC;
			return;
		}
		c->st.bad_messages++; /* a message's start was cut */
		start_resync(c, d);
		return;
	case ST_HEAD:
		if (dir == 0 && d->v09) { /* its line was all of it */
			head_complete(c, d, 0);
			if (d->st == ST_IDLE)
				start_resync(c, d);
			return;
		}
		c->st.bad_messages++;
		start_resync(c, d);
		return;
	case ST_IDLE:
		start_resync(c, d);
		return;
	case ST_CONNECT_WAIT:
		c->early_lost += len;
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
	if (dir == 0)
		finish_v09(c);
	if (dir == 0 && d->req) {
		d->req->v.body_gap = d->st != ST_IDLE;
		request_done(c, d);
	}
	d->st = ST_DEAD;
}
