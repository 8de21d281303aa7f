/* \summary: the short text summary shown on a terminal. */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "report.h"

struct host_count {
	const char *host;
	uint64_t flows;
};

static int by_flows(const void *x, const void *y)
{
	const struct host_count *a = x, *b = y;
	if (a->flows != b->flows)
		return a->flows > b->flows ? -1 : 1;
	return strcmp(a->host, b->host);
}

#define TOP_HOSTS 15

static int cmp_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int report_write_text(FILE *out, struct audit *a)
{
	uint64_t frames = 0, flows = 0;
	size_t failed = 0;
	for (size_t i = 0; i < a->ninputs; i++) {
		frames += a->inputs[i].frames;
		failed += a->inputs[i].error != NULL;
	}
	/* sort the flows' host names, then count runs: O(n log n) for any mix */
	const char **names = calloc(a->nflow_recs + 1, sizeof(*names));
	struct host_count *hosts = calloc(a->nflow_recs + 1, sizeof(*hosts));
	size_t nnames = 0, nhosts = 0;
	for (size_t i = 0; i < a->nflow_recs; i++) {
		const struct flow_record *r = &a->flow_recs[i];
		if (!r->id)
			continue;
		flows++;
		if (r->host && names)
			names[nnames++] = r->host;
	}
	if (names && hosts) {
		qsort(names, nnames, sizeof(*names), cmp_name);
		for (size_t i = 0; i < nnames; i++) {
			if (!nhosts || strcmp(hosts[nhosts - 1].host, names[i]) != 0)
				hosts[nhosts++].host = names[i];
			hosts[nhosts - 1].flows++;
		}
	}
	free(names);
	fprintf(out, "privaudit %s: %zu input%s, %llu frames, %llu flows\n", PACKAGE_VERSION, a->ninputs,
		a->ninputs == 1 ? "" : "s", (unsigned long long)frames, (unsigned long long)flows);
	for (size_t i = 0; i < a->ninputs; i++) {
		const struct input_record *in = &a->inputs[i];
		fprintf(out, "  %s: %s, %llu frames%s%s\n", in->path, in->format ? in->format : "?",
			(unsigned long long)in->frames, in->error ? ", FAILED: " : "", in->error ? in->error : "");
	}
	if (nhosts) {
		qsort(hosts, nhosts, sizeof(*hosts), by_flows);
		fprintf(out, "hosts contacted (%zu):\n", nhosts);
		for (size_t i = 0; i < nhosts && i < TOP_HOSTS; i++)
			fprintf(out, "  %6llu  %s\n", (unsigned long long)hosts[i].flows, hosts[i].host);
		if (nhosts > TOP_HOSTS)
			fprintf(out, "  ... and %zu more\n", nhosts - TOP_HOSTS);
	}
	free(hosts);
	if (failed)
		fprintf(out, "%zu input%s failed (see errors above)\n", failed, failed == 1 ? "" : "s");
	return ferror(out) ? -1 : 0;
}
