/* \summary: what the report writers share among themselves (not the
 * pipeline's business): the JSON writer's parts kept in files of their own. */
#ifndef PA_REPORT_INTERNAL_H
#define PA_REPORT_INTERNAL_H

struct audit;
struct extract_coverage;
struct jsonw;

/* The members of the "transmissions" array, each on its own line, sorted;
 * 0, or -1 when the spool could not be read. */
int report_json_transmissions(struct jsonw *w, struct audit *a);
/* The members `bodies` and `values` of the open coverage.http object. */
void report_json_extract_coverage(struct jsonw *w, const struct extract_coverage *c);

#endif
