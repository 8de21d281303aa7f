/* \summary: what the files of live capture share (live.c the capture loop
 * and its packets, live_term.c the terminal, signals and printed lines,
 * live_user.c the user the capture runs as, live_files.c the session files
 * and their rotation); see live.h for the interface. */
#ifndef PA_LIVE_INTERNAL_H
#define PA_LIVE_INTERNAL_H

#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "dbuf.h"
#include "live.h"
#include "profile.h"

#define LIVE_SNAPLEN 262144
#define LIVE_BUFFER (8 << 20)        /* kernel ring: bursts while a body is decoded */
#define TICK_NS 200000000ULL         /* status line, key log refresh */
#define FLUSH_NS 1000000000ULL       /* the session file on disk lags at most this */
#define DSB_CHUNK (1u << 20)         /* key log text per DSB; replay skips DSBs over 16 MiB */
#define MAX_FILES 99999              /* -C/-G names: SESSION-00001.pcapng ... */
#define ISB_STATS_LEN 76             /* the statistics ISB that closes each file */
#define HOLD_NS 1000000000ULL        /* with key logs: the audit lags the capture by this */
#define HOLD_MAX_BYTES (64u << 20)   /* ... unless this much is held */

/* A captured packet waiting HOLD_NS for its keys. */
struct held {
	uint64_t arrival_ns; /* CLOCK_MONOTONIC */
	uint64_t ts_ns;
	uint32_t caplen, wirelen;
	uint8_t *data;
};

/* A finding printed live: the report's findings not among these are
 * printed when the capture stops. */
struct shown {
	int type;
	int input;
	uint64_t frame;
};

struct live {
	struct live_config cfg;
	pcap_t *pc;
	int dlt;
	uint64_t ts_scale;          /* ns per timestamp unit: 1, or 1000 without nanosecond support */
	struct audit *a;
	struct dbuf keys;           /* accepted key log lines not yet in a DSB */
	struct keylog *kl;
	bool dropped;               /* running as another user than we started as */
	bool become;                /* live_choose_user found a user to become */
	uid_t uid;                  /* that user */
	gid_t gid;
	char user[64];
	struct pcapng_out *out;     /* the current session file */
	char *path;
	int input;                  /* its audit input */
	unsigned nfiles;
	uint64_t frame;             /* packets in the current file */
	uint64_t slice_end_ns;      /* -G: end of the current slice of capture time */
	uint64_t start_ns, last_ts_ns, last_mark_ns;
	uint64_t packets, findings;
	uint64_t hold_ns;           /* 0 without key logs: packets go to the audit at once */
	struct held *q;             /* FIFO of held packets: q[qhead .. qhead+qlen) modulo qcap */
	size_t qhead, qlen, qcap;
	size_t qbytes;
	struct shown *shown;
	size_t nshown, capshown;
	bool failed;
	bool status_on;             /* the status line is drawn on stderr */
	bool status_shown;
};

/* live_term.c: signals, the terminal, the status line and the lines printed */
extern volatile sig_atomic_t live_stop, live_usr1, live_usr2, live_rt0, live_rt1;
int live_install_signals(sigset_t *blocked);
bool live_keys_begin(void);
void live_restore_terminal(void);
bool live_read_keys(struct live *l);
uint64_t live_clock_ns(clockid_t id);
void live_format_ms(uint64_t ts_ns, char buf[32]);
void live_status_clear(struct live *l);
void live_status_draw(struct live *l);
void live_event_line(struct live *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* live_user.c: becoming the user the session runs as */
int live_drop_privileges(struct live *l);

/* live_files.c: the session files */
int live_open_file(struct live *l);
void live_close_file(struct live *l);
void live_record(struct live *l, uint64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen);
void live_flush_keys(struct live *l);
void live_fail_write(struct live *l, const char *what);

/* live.c: a consent or mandatory-step mark at the wall clock */
void live_mark(struct live *l, enum consent_kind kind, const char *how);

#endif
