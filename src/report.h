/* \summary: report writers: JSON (the evidence) and a text summary.
 * Output formatting lives here only; the pipeline never prints.
 * Deterministic: same inputs, same bytes (records in id order, no clock).
 */
#ifndef PA_REPORT_H
#define PA_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct audit;

/* Returns 0, or -1 when writing failed. */
int report_write_json(FILE *out, struct audit *a);
int report_write_text(FILE *out, struct audit *a);
/* The Markdown report a person can file (summary, timeline, each finding with its evidence). */
int report_write_md(FILE *out, struct audit *a);
/* The findings table of the text summary. */
void report_findings_table(FILE *out, struct audit *a);

/* One line on what of the encrypted traffic was seen ("TLS: 3 flows, 1
 * decrypted, ..."), into buf; "" when the run had no TLS or QUIC flow. */
const char *report_tls_summary(const struct audit *a, char *buf, size_t len);

/* Are the text and Markdown reports to be in Chinese (--lang zh)? */
#include <stdbool.h>
bool report_zh(const struct audit *a);

/* --list-requests lines of one input to the FILE * ctx (audit_options.on_listed). */
struct listed_request;
void report_write_request_lines(void *ctx, const char *input_name, const struct listed_request *v, size_t n);

/* RFC 3339 UTC with microseconds, e.g. 2016-08-02T03:27:22.123456Z. */
void report_format_ts(uint64_t ts_ns, char buf[32]);

#endif
