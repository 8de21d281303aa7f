/* \summary: live capture (`privaudit capture`): libpcap on an interface,
 * every packet written to a pcapng session file and audited as it arrives,
 * consent marks from keys (c, w) or signals (SIGUSR1, SIGUSR2), each
 * finding printed as one line when its request is decoded.
 *
 * The session file is the evidence: the run treats it exactly as
 * `privaudit replay` will read it (one input per session file, frames
 * numbered per file, flows ended at its end, marks and key log lines kept
 * in it), so replaying the session gives the same report.  Its layout is in
 * docs/capturing.md.
 *
 * Order of use, so that privileges are held only while needed:
 *   live_open            as root: open and activate the interface, set the filter
 *   live_add_keylogs     as root: open the key log files (kept open)
 *   live_choose_user     the user to become: --user, else the one sudo ran us
 *                        for (SUDO_UID), else nobody
 *   (the report file, opened as root and given to that user: live_give)
 *   live_run             create the first session file as root (given to
 *                        that user), become that user, capture until
 *                        SIGINT/SIGTERM, end the last input
 * A second SIGINT or SIGTERM at any time after live_run started exits at
 * once with status 130 (the terminal is restored first).
 */
#ifndef PA_LIVE_H
#define PA_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct audit;
struct finding;
struct keylog;

struct live_config {
	const char *iface;       /* -i; "any" captures on every interface */
	const char *filter;      /* -f BPF expression, NULL: every packet */
	const char *session;     /* -w SESSION.pcapng */
	const char *user;        /* --user; NULL: "nobody" when started as root */
	uint64_t rotate_bytes;   /* -C: start a new file before it would pass this size; 0: never */
	uint64_t rotate_ns;      /* -G: a new file for each slice of this much capture time; 0: never */
	uint64_t max_packets;    /* -c: stop after this many packets; 0: at SIGINT/SIGTERM only */
};

enum live_status {
	LIVE_OK,          /* stopped by SIGINT/SIGTERM; every file closed and hashed */
	LIVE_FAILED,      /* stopped by an error after capturing began (printed; report still due) */
	LIVE_NOT_STARTED, /* no session file could be created (printed) */
};

/* Prints the interfaces libpcap can capture on, one per line:
 * name <TAB> flags <TAB> description.  Returns 0, or -1 (printed). */
int live_list_interfaces(FILE *out);

/* Opens and activates the interface (immediate mode, snaplen 262144,
 * nanosecond timestamps when the system has them) and sets the filter.
 * NULL after printing one line saying why (no such interface, no
 * permission, bad filter, unsupported link type). */
struct live *live_open(const struct live_config *c);

/* Reads each key log file and remembers it, so lines appended during the
 * session are read too; every accepted line also goes into the session
 * file as a Decryption Secrets Block.  Returns 0, or -1 (printed). */
int live_add_keylogs(struct live *l, struct keylog *kl, const char *const *paths, size_t n);

/* When running as root: chooses the user live_run becomes after opening the
 * first session file: --user, else the user sudo ran privaudit for
 * (SUDO_UID, SUDO_GID), else nobody.  Not root: --user is an error,
 * otherwise nothing changes.  Returns 0, or -1 (printed). */
int live_choose_user(struct live *l);
/* Gives an output file opened as root to that user.  Returns 0, or -1 (printed). */
int live_give(const struct live *l, int fd);

/* For audit_options.on_live_finding (ctx: the struct live). */
void live_finding(void *ctx, const struct finding *f);
/* After live_run: how many TLS connections the audit could not decrypt
 * although the key log now has their secrets (they came after the audit
 * read the handshake).  Replay of the session would decrypt them, so the
 * report must then be made from the session file. */
size_t live_late_keys(const struct live *l);
/* After audit_finish on `a` (the live audit, or the one that read the
 * session file again): prints, in the same format, every finding of the
 * report that was not printed live: one that needed a key or an event that
 * came late, or a connection named only when its flow ended (the SNI that
 * tls.c read). */
void live_late_findings(struct live *l, const struct audit *a);

/* Captures into the audit until stopped.  Every session file becomes an
 * input of `a`, ended and hashed when the file is closed. */
enum live_status live_run(struct live *l, struct audit *a);

void live_free(struct live *l);

#endif
