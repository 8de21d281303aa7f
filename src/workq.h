/* \summary: a bounded first-in first-out queue drained by one worker
 * thread.
 *
 * The pipeline hands each decoded request to it (a copy), so that field
 * extraction, classification and serialisation run on a second core while
 * the first one decodes packets.  One worker, jobs in push order: the
 * results are the same, byte for byte, as doing the work in line.  The
 * queue is bounded by job count and bytes; a push waits when it is full.
 */
#ifndef PA_WORKQ_H
#define PA_WORKQ_H

#include <stdbool.h>
#include <stddef.h>

struct workq;

/* fn(ctx, job) runs on the worker for each job, in push order, and owns
 * (frees) the job.  NULL when the thread cannot be started. */
struct workq *workq_new(void (*fn)(void *ctx, void *job), void *ctx, size_t max_jobs, size_t max_bytes);
/* Queues job (`bytes` counted against the cap); waits while full. */
void workq_push(struct workq *q, void *job, size_t bytes);
/* Returns once every job pushed so far has been run. */
void workq_drain(struct workq *q);
/* Drains, stops the thread, frees the queue. */
void workq_free(struct workq *q);

#endif
