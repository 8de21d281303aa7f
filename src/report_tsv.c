/* \summary: --list-requests: one tab-separated line per decoded request
 * (capture base name, frame, protocol, method, host, request-target as
 * sent), control bytes written as \xNN so that a line stays a line. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "report.h"

static void tsv_put(FILE *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
			fwrite(e, 1, 4, out);
		} else {
			putc(c, out);
		}
	}
}

void report_write_request_lines(void *ctx, const char *input_name, const struct listed_request *v, size_t n)
{
	FILE *out = ctx;
	for (size_t i = 0; i < n; i++) {
		const struct listed_request *l = &v[i];
		tsv_put(out, input_name, strlen(input_name));
		fprintf(out, "\t%llu\t%s\t", (unsigned long long)l->frame, l->protocol);
		tsv_put(out, l->method, l->method_len);
		putc('\t', out);
		if (l->host)
			tsv_put(out, l->host, l->host_len);
		putc('\t', out);
		tsv_put(out, l->uri, l->uri_len);
		putc('\n', out);
	}
}
