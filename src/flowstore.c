/* \summary: flow records in a temporary file (see flowstore.h). */
#include "flowstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"

#define PENDING 1024 /* records buffered before a write */

struct flow_store {
	FILE *f;
	int fd;
	uint32_t max_id;
	struct flow_record *pending;
	size_t npending;
	uint32_t *order;            /* pending sorted by id: indices, not records, are moved */
	struct flow_record *staging; /* a run of consecutive ids, written at once */
	bool failed;
};

struct flow_store *flow_store_new(void)
{
	struct flow_store *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->f = tmpfile();
	s->pending = malloc(PENDING * sizeof(*s->pending));
	s->order = malloc(PENDING * sizeof(*s->order));
	s->staging = malloc(PENDING * sizeof(*s->staging));
	if (!s->f || !s->pending || !s->order || !s->staging) {
		flow_store_free(s);
		return NULL;
	}
	s->fd = fileno(s->f);
	return s;
}

void flow_store_free(struct flow_store *s)
{
	if (!s)
		return;
	if (s->f)
		fclose(s->f);
	free(s->pending);
	free(s->order);
	free(s->staging);
	free(s);
}

/* qsort's context: the pending records whose indices are sorted */
static const struct flow_record *sorting;

static int by_id(const void *x, const void *y)
{
	uint32_t a = sorting[*(const uint32_t *)x].id, b = sorting[*(const uint32_t *)y].id;
	return a < b ? -1 : a > b;
}

static void flush(struct flow_store *s)
{
	if (!s->npending)
		return;
	for (size_t i = 0; i < s->npending; i++)
		s->order[i] = (uint32_t)i;
	sorting = s->pending;
	qsort(s->order, s->npending, sizeof(*s->order), by_id);
	/* flows mostly end in the order they began: runs of consecutive ids */
	for (size_t i = 0, k; i < s->npending; i += k) {
		const struct flow_record *first = &s->pending[s->order[i]];
		s->staging[0] = *first;
		k = 1;
		while (i + k < s->npending && s->pending[s->order[i + k]].id == first->id + k) {
			s->staging[k] = s->pending[s->order[i + k]];
			k++;
		}
		size_t bytes = k * sizeof(*s->staging);
		off_t at = (off_t)(first->id - 1) * (off_t)sizeof(*s->staging);
		if (pwrite(s->fd, s->staging, bytes, at) != (ssize_t)bytes)
			s->failed = true;
	}
	s->npending = 0;
}

int flow_store_put(struct flow_store *s, const struct flow_record *r)
{
	if (!r->id)
		return -1;
	s->pending[s->npending++] = *r;
	if (r->id > s->max_id)
		s->max_id = r->id;
	if (s->npending == PENDING)
		flush(s);
	return s->failed ? -1 : 0;
}

bool flow_store_get(struct flow_store *s, uint32_t id, struct flow_record *out)
{
	if (!id || id > s->max_id)
		return false;
	flush(s);
	off_t at = (off_t)(id - 1) * (off_t)sizeof(*out);
	if (pread(s->fd, out, sizeof(*out), at) != (ssize_t)sizeof(*out)) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return out->id == id; /* a hole reads as zeros: no such record */
}

uint32_t flow_store_max_id(const struct flow_store *s) { return s->max_id; }

bool flow_store_failed(const struct flow_store *s) { return s->failed; }

void flow_iter_init(struct flow_iter *it, struct flow_store *s)
{
	memset(it, 0, sizeof(*it));
	it->s = s;
	it->next_id = 1;
	flush(s);
	it->buf = malloc(FLOW_ITER_CHUNK * sizeof(*it->buf));
}

const struct flow_record *flow_iter_next(struct flow_iter *it)
{
	while (it->buf) {
		if (it->pos == it->n) {
			if (it->next_id > it->s->max_id)
				return NULL;
			size_t want = it->s->max_id - it->next_id + 1;
			if (want > FLOW_ITER_CHUNK)
				want = FLOW_ITER_CHUNK;
			off_t at = (off_t)(it->next_id - 1) * (off_t)sizeof(*it->buf);
			ssize_t got = pread(it->s->fd, it->buf, want * sizeof(*it->buf), at);
			if (got < 0) {
				it->s->failed = true;
				return NULL;
			}
			/* the file ends before max_id only past a hole: zeros */
			memset((char *)it->buf + got, 0, want * sizeof(*it->buf) - (size_t)got);
			it->pos = 0;
			it->n = want;
		}
		const struct flow_record *r = &it->buf[it->pos++];
		it->next_id++;
		if (r->id)
			return r;
	}
	return NULL;
}

void flow_iter_end(struct flow_iter *it)
{
	free(it->buf);
	it->buf = NULL;
}
