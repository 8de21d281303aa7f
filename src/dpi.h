/* \summary: application-protocol classification with nDPI 4.2.
 *
 * Every nDPI call lives in dpi.c (Debian's 4.2 API differs from upstream).
 * A flow's nDPI state is allocated on its first packet and freed as soon as
 * detection is over (detected with nothing more to dissect, or a packet
 * budget spent), so memory does not grow with the number of flows seen.
 */
#ifndef PA_DPI_H
#define PA_DPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "flow.h"

struct dpi;
struct strtab;

struct dpi *dpi_new(struct strtab *names);
void dpi_free(struct dpi *d);

/* Feeds one packet of a flow whose detection is not done yet. */
void dpi_packet(struct dpi *d, struct flow *f, const struct packet *p, uint64_t ts_ns);
/* Ends detection (guessing when nothing was detected) and frees the state. */
void dpi_finish(struct dpi *d, struct flow *f);

/* "TLS.Google", "HTTP", "DNS", "Unknown" into buf. */
const char *dpi_protocol_name(struct dpi *d, const struct flow *f, char *buf, size_t len);
const char *dpi_category_name(struct dpi *d, const struct flow *f);
/* Bytes of nDPI state per flow under detection, for memory accounting. */
size_t dpi_flow_state_size(void);
/* What nDPI made of the flow: TLS (over TCP) or QUIC. */
bool dpi_is_tls(const struct flow *f);
bool dpi_is_quic(const struct flow *f);

/* nDPI's own version text, for the report. */
const char *dpi_library_version(void);

#endif
