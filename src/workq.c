/* \summary: FIFO queue with one worker thread (see workq.h). */
#include "workq.h"

#include <pthread.h>
#include <stdlib.h>

/* An idle worker is woken once this many jobs wait (or on drain): one
 * wake-up per batch rather than per request. */
#define WAKE_BATCH 32

struct workq {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more;  /* a job was pushed, or stop */
	pthread_cond_t room;  /* a job was taken */
	pthread_cond_t idle;  /* the queue ran empty and the worker is waiting */
	void (*fn)(void *ctx, void *job);
	void *ctx;
	void **ring;
	size_t *sizes;
	size_t cap, head, count;
	size_t bytes, max_bytes;
	bool busy; /* the worker is running a job */
	bool stop;
	/* who waits: a signal only when someone does saves a futex call and a
	 * context switch per job */
	bool worker_waits, pusher_waits;
};

static void *worker(void *arg)
{
	struct workq *q = arg;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->count == 0 && !q->stop) {
			pthread_cond_broadcast(&q->idle);
			q->worker_waits = true;
			pthread_cond_wait(&q->more, &q->mu);
			q->worker_waits = false;
		}
		if (q->count == 0)
			break;
		void *job = q->ring[q->head];
		size_t bytes = q->sizes[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
		q->busy = true;
		pthread_mutex_unlock(&q->mu);
		q->fn(q->ctx, job);
		pthread_mutex_lock(&q->mu);
		q->busy = false;
		q->bytes -= bytes;
		if (q->pusher_waits)
			pthread_cond_signal(&q->room);
	}
	pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

static void destroy(struct workq *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->more);
	pthread_cond_destroy(&q->room);
	pthread_cond_destroy(&q->idle);
	free(q->ring);
	free(q->sizes);
	free(q);
}

struct workq *workq_new(void (*fn)(void *ctx, void *job), void *ctx, size_t max_jobs, size_t max_bytes)
{
	struct workq *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->fn = fn;
	q->ctx = ctx;
	q->cap = max_jobs ? max_jobs : 1;
	q->max_bytes = max_bytes;
	q->ring = calloc(q->cap, sizeof(*q->ring));
	q->sizes = calloc(q->cap, sizeof(*q->sizes));
	if (!q->ring || !q->sizes) {
		free(q->ring);
		free(q->sizes);
		free(q);
		return NULL;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->room, NULL);
	pthread_cond_init(&q->idle, NULL);
	if (pthread_create(&q->thread, NULL, worker, q) != 0) {
		destroy(q);
		return NULL;
	}
	return q;
}

void workq_push(struct workq *q, void *job, size_t bytes)
{
	pthread_mutex_lock(&q->mu);
	/* a job larger than the byte cap still goes, alone */
	while (q->count == q->cap || (q->count && q->bytes + bytes > q->max_bytes)) {
		if (q->worker_waits) /* what fills the queue must be taken */
			pthread_cond_signal(&q->more);
		q->pusher_waits = true;
		pthread_cond_wait(&q->room, &q->mu);
		q->pusher_waits = false;
	}
	q->ring[(q->head + q->count) % q->cap] = job;
	q->sizes[(q->head + q->count) % q->cap] = bytes;
	q->count++;
	q->bytes += bytes;
	if (q->worker_waits && q->count >= WAKE_BATCH)
		pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
}

void workq_drain(struct workq *q)
{
	pthread_mutex_lock(&q->mu);
	if (q->worker_waits && q->count)
		pthread_cond_signal(&q->more);
	while (q->count || q->busy)
		pthread_cond_wait(&q->idle, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

void workq_free(struct workq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL); /* the worker runs what is left first */
	destroy(q);
}
