/* \summary: live capture (see live.h).
 *
 * One loop, single-threaded: ppoll() on libpcap's selectable descriptor and
 * (on a terminal) standard input, with a 200 ms tick for the status line,
 * key log refreshes and flushing the session file.  The stop and mark
 * signals are blocked except inside ppoll(), so a signal is handled between
 * two batches of packets and never in the middle of one.
 *
 * Time: packets carry the kernel's timestamps; a consent mark takes the
 * wall clock (the same clock) or, when that is not later, 1 ns after the
 * latest packet or mark already seen.  So a mark is strictly after every
 * packet read before it, and the policy orders it against packets read
 * after it by timestamp, as replay will.  A packet with exactly the mark's
 * timestamp counts as after the mark (policy.c puts a mark before every
 * frame with its timestamp).
 *
 * Keys: a TLS client logs its secrets only after it has read the server's
 * hello, so the packets that need a key are captured before the key log
 * line is written.  With --keylog, packets are therefore held HOLD_NS
 * (memory permitting) before they are written to the session file and
 * audited: by then the key log has been read again, its new lines are
 * written first (a Decryption Secrets Block before the packets it opens, as
 * Wireshark wants it) and the audit finds the keys.  Keys that come even
 * later are still written to the file: live_late_keys() tells, and the
 * report is then made from the file (see main.c).
 */
#include "live.h"

#include <errno.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "dbuf.h"
#include "decode.h"
#include "flow.h"
#include "flowstore.h"
#include "keylog.h"
#include "log.h"
#include "pcapng_out.h"
#include "policy.h"
#include "tls.h"

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

/* ---- signals and the terminal ---- */

static volatile sig_atomic_t g_stop, g_usr1, g_usr2, g_rt0, g_rt1;
static struct termios g_tty_saved;
static volatile sig_atomic_t g_tty_raw;

/* Async-signal-safe (the abort calls it).  A failure is not reported:
 * there is nothing left to try, and the shell resets its own modes. */
static void restore_terminal(void)
{
	if (g_tty_raw) {
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &g_tty_saved);
		g_tty_raw = 0;
	}
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1) {
		g_usr1++;
	} else if (sig == SIGUSR2) {
		g_usr2++;
	} else if (sig == SIGRTMIN) {
		g_rt0++;
	} else if (sig == SIGRTMIN + 1) {
		g_rt1++;
	} else if (g_stop) { /* the second stop: abort now */
		static const char msg[] = "\nprivaudit: aborted; the session file may be incomplete\n";
		restore_terminal();
		ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w; /* nothing more can be done about a failed message here */
		_exit(130);
	} else {
		g_stop = 1;
	}
}

static int install_signals(sigset_t *blocked)
{
	/* SIGRTMIN and SIGRTMIN+1 mark a mandatory step's start and end (the
	 * home screen): SIGRTMIN is not a constant, so the list is filled here */
	const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGRTMIN, SIGRTMIN + 1 };
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART; /* writes of the final report are not cut short by a mark */
	sigemptyset(&sa.sa_mask);
	sigemptyset(blocked);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++) {
		sigaddset(&sa.sa_mask, sigs[i]);
		sigaddset(blocked, sigs[i]);
	}
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		if (sigaction(sigs[i], &sa, NULL) != 0) {
			log_error("cannot handle signals: %s", strerror(errno));
			return -1;
		}
	return 0;
}

/* Single keys without Enter, and no echo; Ctrl-C still sends SIGINT.  Only
 * in the foreground: a background job touching the terminal is stopped. */
static bool keys_begin(void)
{
	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp())
		return false;
	if (tcgetattr(STDIN_FILENO, &g_tty_saved) != 0)
		return false;
	struct termios raw = g_tty_saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0)
		return false;
	g_tty_raw = 1;
	return true;
}

/* ---- clocks and text ---- */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec t;
	if (clock_gettime(id, &t) != 0)
		return 0; /* CLOCK_REALTIME and CLOCK_MONOTONIC cannot fail on Linux */
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* RFC 3339 UTC with milliseconds: 2024-05-01T10:00:05.123Z */
static void format_ms(uint64_t ts_ns, char buf[32])
{
	time_t s = (time_t)(ts_ns / 1000000000ULL);
	struct tm tm;
	if (!gmtime_r(&s, &tm)) {
		snprintf(buf, 32, "?");
		return;
	}
	size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 32 - n, ".%03uZ", (unsigned)(ts_ns % 1000000000ULL / 1000000ULL));
}

static void status_clear(struct live *l)
{
	if (l->status_shown) {
		fputs("\r\033[K", stderr);
		l->status_shown = false;
	}
}

static void status_draw(struct live *l)
{
	if (!l->status_on)
		return;
	struct pcap_stat ps;
	bool st = pcap_stats(l->pc, &ps) == 0;
	const struct flow_table_stats *fs = flow_table_stats(l->a->flows);
	fprintf(stderr, "\r%llu packets  %llu flows  %llu requests  %llu findings", (unsigned long long)l->packets,
		(unsigned long long)fs->created, (unsigned long long)l->a->cnt.requests,
		(unsigned long long)l->findings);
	if (st)
		fprintf(stderr, "  %u dropped", ps.ps_drop + ps.ps_ifdrop);
	fputs("\033[K", stderr);
	l->status_shown = true;
}

/* One event line on standard output, above the status line. */
static void event_line(struct live *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void event_line(struct live *l, const char *fmt, ...)
{
	status_clear(l);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fflush(stdout);
	status_draw(l);
}

/* ---- interfaces ---- */

int live_list_interfaces(FILE *out)
{
	pcap_if_t *all;
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	if (pcap_findalldevs(&all, errbuf) != 0) {
		log_error("cannot list interfaces: %s", errbuf);
		return -1;
	}
	for (pcap_if_t *d = all; d; d = d->next) {
		char flags[96] = "";
		size_t n = 0;
		static const struct {
			bpf_u_int32 bit;
			const char *name;
		} names[] = { { PCAP_IF_UP, "up" }, { PCAP_IF_RUNNING, "running" }, { PCAP_IF_LOOPBACK, "loopback" },
			      { PCAP_IF_WIRELESS, "wireless" } };
		for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
			if (d->flags & names[i].bit) {
				int k = snprintf(flags + n, sizeof(flags) - n, "%s%s", n ? "," : "", names[i].name);
				if (k > 0 && (size_t)k < sizeof(flags) - n)
					n += (size_t)k;
			}
		fprintf(out, "%s\t%s\t%s\n", d->name, n ? flags : "-", d->description ? d->description : "-");
	}
	pcap_freealldevs(all);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

/* One line for a failed pcap_activate: the cases a tester meets get a
 * sentence saying what to do; the rest libpcap's own words. */
static void activate_error(pcap_t *pc, const char *iface, int rc)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		log_error("%s: no such interface (privaudit capture --list-interfaces lists them)", iface);
		break;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		log_error("%s: capture needs privileges: run privaudit capture as root (it then runs as --user, "
			  "nobody by default) or give it CAP_NET_RAW and CAP_NET_ADMIN (%s)",
			  iface, pcap_geterr(pc));
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		log_error("%s: the interface is not up", iface);
		break;
	default:
		log_error("%s: cannot capture: %s (%s)", iface, pcap_statustostr(rc), pcap_geterr(pc));
	}
}

/* A link type decode.c reads: the interface's own, else one it also offers. */
static int choose_dlt(struct live *l)
{
	l->dlt = pcap_datalink(l->pc);
	if (decode_dlt_supported(l->dlt))
		return 0;
	int *dlts = NULL;
	int n = pcap_list_datalinks(l->pc, &dlts);
	for (int i = 0; i < n; i++)
		if (decode_dlt_supported(dlts[i]) && pcap_set_datalink(l->pc, dlts[i]) == 0) {
			l->dlt = dlts[i];
			pcap_free_datalinks(dlts);
			return 0;
		}
	if (n > 0)
		pcap_free_datalinks(dlts);
	const char *name = pcap_datalink_val_to_name(l->dlt);
	log_error("%s: link type %d (%s) is not one privaudit decodes", l->cfg.iface, l->dlt, name ? name : "unknown");
	return -1;
}

static int set_filter(struct live *l)
{
	bpf_u_int32 net, mask;
	char errbuf[PCAP_ERRBUF_SIZE];
	/* the netmask only matters for "ip broadcast"; "any" and address-less
	 * interfaces have none */
	if (pcap_lookupnet(l->cfg.iface, &net, &mask, errbuf) != 0)
		mask = PCAP_NETMASK_UNKNOWN;
	struct bpf_program prog;
	if (pcap_compile(l->pc, &prog, l->cfg.filter, 1, mask) != 0) {
		log_error("bad capture filter '%s': %s", l->cfg.filter, pcap_geterr(l->pc));
		return -1;
	}
	int rc = pcap_setfilter(l->pc, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		log_error("%s: cannot set the capture filter: %s", l->cfg.iface, pcap_geterr(l->pc));
		return -1;
	}
	return 0;
}

struct live *live_open(const struct live_config *c)
{
	struct live *l = calloc(1, sizeof(*l));
	if (!l) {
		log_error("out of memory");
		return NULL;
	}
	l->cfg = *c;
	l->input = -1;
	dbuf_init(&l->keys, 0);
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	l->pc = pcap_create(c->iface, errbuf);
	if (!l->pc) {
		log_error("%s: cannot capture: %s", c->iface, errbuf);
		live_free(l);
		return NULL;
	}
	/* immediate: each packet is handed over as it arrives, not when a
	 * kernel block fills, so findings and marks follow the traffic */
	int rc = pcap_set_snaplen(l->pc, LIVE_SNAPLEN);
	if (rc == 0)
		rc = pcap_set_immediate_mode(l->pc, 1);
	if (rc == 0)
		rc = pcap_set_promisc(l->pc, 1); /* as tcpdump: a mirrored port or a hub is seen whole */
	if (rc == 0)
		rc = pcap_set_buffer_size(l->pc, LIVE_BUFFER);
	if (rc != 0) {
		log_error("%s: cannot set up the capture: %s", c->iface, pcap_statustostr(rc));
		live_free(l);
		return NULL;
	}
	l->ts_scale = pcap_set_tstamp_precision(l->pc, PCAP_TSTAMP_PRECISION_NANO) == 0 ? 1 : 1000;
	rc = pcap_activate(l->pc);
	if (rc < 0) {
		activate_error(l->pc, c->iface, rc);
		live_free(l);
		return NULL;
	}
	if (rc > 0 && rc != PCAP_WARNING_PROMISC_NOTSUP) /* "any" has no promiscuous mode: nothing lost */
		log_warn("%s: %s (%s)", c->iface, pcap_statustostr(rc), pcap_geterr(l->pc));
	if (choose_dlt(l) < 0 || (c->filter && set_filter(l) < 0)) {
		live_free(l);
		return NULL;
	}
	if (pcap_setnonblock(l->pc, 1, errbuf) != 0) {
		log_error("%s: cannot capture: %s", c->iface, errbuf);
		live_free(l);
		return NULL;
	}
	return l;
}

void live_free(struct live *l)
{
	if (!l)
		return;
	if (l->out)
		pcapng_out_close(l->out, NULL);
	if (l->pc)
		pcap_close(l->pc);
	dbuf_free(&l->keys);
	for (size_t i = 0; i < l->qlen; i++)
		free(l->q[(l->qhead + i) % l->qcap].data);
	free(l->q);
	free(l->shown);
	free(l->path);
	free(l);
}

/* ---- key logs ---- */

static void on_key_line(void *ctx, const char *line, size_t len)
{
	struct live *l = ctx;
	if (!dbuf_append(&l->keys, line, len) || !dbuf_append_byte(&l->keys, '\n'))
		log_error("out of memory: a key log line is not kept in the session file");
}

int live_add_keylogs(struct live *l, struct keylog *kl, const char *const *paths, size_t n)
{
	l->kl = kl;
	l->hold_ns = n ? HOLD_NS : 0;
	keylog_set_sink(kl, on_key_line, l);
	for (size_t i = 0; i < n; i++)
		if (keylog_add_file(kl, paths[i]) < 0)
			return -1;
	return 0;
}

static void fail_write(struct live *l, const char *what)
{
	if (l->failed)
		return;
	int err = pcapng_out_error(l->out);
	log_error("%s: cannot write %s: %s", l->path, what, strerror(err ? err : EIO));
	audit_input_error(l->a, l->input, "cannot write the session file: %s", strerror(err ? err : EIO));
	l->failed = true;
}

/* The key log lines accepted since the last call, as DSBs of at most
 * DSB_CHUNK bytes cut at line ends. */
static void flush_keys(struct live *l)
{
	size_t at = 0;
	while (!l->failed && at < l->keys.len) {
		size_t n = l->keys.len - at;
		if (n > DSB_CHUNK) {
			n = DSB_CHUNK;
			while (n > 1 && l->keys.data[at + n - 1] != '\n')
				n--;
			if (n == 1) /* one line longer than a chunk: keylog.c never accepts one */
				n = DSB_CHUNK;
		}
		if (pcapng_out_dsb(l->out, PCAPNG_SECRETS_TLS_KEYLOG, l->keys.data + at, n) < 0)
			fail_write(l, "the key log");
		at += n;
	}
	dbuf_reset(&l->keys);
}

/* ---- privileges ---- */

/* The user sudo ran us for, when it did: SUDO_UID and SUDO_GID. */
static struct passwd *sudo_user(gid_t *gid)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	char *end;
	if (!u || !g || !*u || !*g)
		return NULL;
	unsigned long uid = strtoul(u, &end, 10);
	if (*end || uid == 0)
		return NULL;
	unsigned long gv = strtoul(g, &end, 10);
	if (*end)
		return NULL;
	struct passwd *pw = getpwuid((uid_t)uid);
	*gid = (gid_t)gv;
	return pw;
}

int live_choose_user(struct live *l)
{
	if (geteuid() != 0) {
		if (l->cfg.user) {
			log_error("--user %s: privaudit is not running as root, so it cannot change user", l->cfg.user);
			return -1;
		}
		return 0;
	}
	gid_t gid = 0;
	struct passwd *pw = l->cfg.user ? NULL : sudo_user(&gid);
	if (pw) { /* under sudo: the invoking user, so the files are theirs */
		l->gid = gid;
	} else {
		const char *name = l->cfg.user ? l->cfg.user : "nobody";
		errno = 0;
		if (!(pw = getpwnam(name))) {
			log_error("--user %s: %s", name, errno ? strerror(errno) : "no such user");
			return -1;
		}
		l->gid = pw->pw_gid;
	}
	if (pw->pw_uid == 0)
		return 0; /* asked to stay root */
	l->uid = pw->pw_uid;
	snprintf(l->user, sizeof(l->user), "%s", pw->pw_name);
	l->become = true;
	return 0;
}

int live_give(const struct live *l, int fd)
{
	if (l->become && fchown(fd, l->uid, l->gid) != 0) {
		log_error("cannot give a file to user %s: %s", l->user, strerror(errno));
		return -1;
	}
	return 0;
}

/* Becomes the chosen user, with its groups; the interface, the key logs,
 * the report and the first session file are open by now. */
static int drop_privileges(struct live *l)
{
	if (!l->become)
		return 0;
	/* groups first: after setuid there is no right left to change them */
	if (initgroups(l->user, l->gid) != 0 || setgid(l->gid) != 0 || setuid(l->uid) != 0) {
		log_error("cannot become user %s: %s", l->user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		log_error("cannot become user %s: root privileges are still there after setuid", l->user);
		return -1;
	}
	l->dropped = true;
	return 0;
}

/* ---- session files ---- */

/* SESSION itself, or with rotation SESSION-00001.pcapng: the number goes
 * before the extension of the file name, so a directory lists the files in
 * order and replay of the directory reads them in order. */
static char *file_name(const struct live *l, unsigned n)
{
	const char *s = l->cfg.session;
	char *p = NULL;
	if (!l->cfg.rotate_bytes && !l->cfg.rotate_ns)
		return strdup(s);
	const char *base = strrchr(s, '/');
	const char *dot = strrchr(base ? base + 1 : s, '.');
	if (!dot || dot == (base ? base + 1 : s)) /* no extension, or a hidden file's leading dot */
		dot = s + strlen(s);
	if (asprintf(&p, "%.*s-%05u%s", (int)(dot - s), s, n, dot) < 0)
		return NULL;
	return p;
}

static int open_file(struct live *l)
{
	if (l->nfiles == MAX_FILES) {
		log_error("%s: %u session files written, the most one session can have", l->cfg.session, MAX_FILES);
		return -1;
	}
	free(l->path);
	l->path = file_name(l, l->nfiles + 1);
	if (!l->path) {
		log_error("out of memory");
		return -1;
	}
	/* created like tcpdump's -w files: permissions from the umask */
	l->out = pcapng_out_create(l->path, 0666);
	if (!l->out) {
		int err = errno;
		if (l->dropped && (err == EACCES || err == EPERM))
			log_error("%s: cannot create the session file: %s (capture writes the files after the first as "
				  "user %s: choose a directory that user can write, or --user)",
				  l->path, strerror(err), l->user);
		else
			log_error("%s: cannot create the session file: %s", l->path, strerror(err));
		return -1;
	}
	if (l->become && !l->dropped && chown(l->path, l->uid, l->gid) != 0) {
		log_error("%s: cannot give it to user %s: %s", l->path, l->user, strerror(errno));
		pcapng_out_close(l->out, NULL);
		l->out = NULL;
		return -1;
	}
	l->nfiles++;
	l->input = audit_add_input(l->a, l->path);
	if (l->input < 0) {
		log_error("out of memory");
		pcapng_out_close(l->out, NULL);
		l->out = NULL;
		return -1;
	}
	l->a->inputs[l->input].format = "pcapng";
	audit_begin_input(l->a, l->input, l->dlt);
	l->frame = 0;
	if (pcapng_out_idb_filtered(l->out, l->dlt, LIVE_SNAPLEN, l->cfg.iface, l->cfg.filter) < 0)
		fail_write(l, "the interface description");
	flush_keys(l);
	return l->failed ? -1 : 0;
}

/* Ends the current file and its audit input: statistics so far, pending
 * keys, and its SHA-256 once every byte is on disk. */
static void close_file(struct live *l)
{
	if (!l->out)
		return;
	struct pcap_stat ps;
	uint64_t now = clock_ns(CLOCK_REALTIME);
	struct pcapng_isb_stats st = { .has_start = true, .has_end = true, .start_ns = l->start_ns, .end_ns = now };
	if (pcap_stats(l->pc, &ps) == 0) {
		st.has_recv = st.has_drop = true;
		st.recv = ps.ps_recv;
		st.drop = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	}
	flush_keys(l);
	if (!l->failed && pcapng_out_isb(l->out, 0, now, NULL, &st) < 0)
		fail_write(l, "the capture statistics");
	audit_end_input(l->a);
	char hex[65];
	if (pcapng_out_close(l->out, hex) == 0) {
		memcpy(l->a->inputs[l->input].sha256, hex, sizeof(hex));
	} else if (!l->failed) {
		int err = errno;
		log_error("%s: cannot write the session file: %s", l->path, strerror(err));
		audit_input_error(l->a, l->input, "cannot write the session file: %s", strerror(err));
		l->failed = true;
	}
	l->out = NULL;
}

/* ---- packets, marks, keys ---- */

/* Writes a packet to the session file (starting the next file first when
 * -C or -G says so) and hands it to the audit as the file's next frame. */
static void record(struct live *l, uint64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	if (l->failed)
		return;
	/* this packet's EPB (no options), the pending DSB and the closing ISB */
	uint64_t need = 32 + ((caplen + 3u) & ~3u) + (l->keys.len ? 16 + l->keys.len + 3 : 0) + ISB_STATS_LEN;
	bool full = l->cfg.rotate_bytes && pcapng_out_size(l->out) + need > l->cfg.rotate_bytes;
	/* -G slices capture time from the start, by packet timestamps, so the
	 * files do not depend on how long packets were held */
	bool late = l->cfg.rotate_ns && ts >= l->slice_end_ns;
	if (late)
		l->slice_end_ns += ((ts - l->slice_end_ns) / l->cfg.rotate_ns + 1) * l->cfg.rotate_ns;
	if (l->frame && (full || late)) { /* every file holds at least one packet */
		close_file(l);
		if (l->failed || open_file(l) < 0) {
			l->failed = true;
			pcap_breakloop(l->pc);
			return;
		}
	}
	flush_keys(l); /* a DSB precedes the packets its keys decrypt, for Wireshark */
	if (l->failed || pcapng_out_epb(l->out, 0, ts, data, caplen, wirelen, NULL, 0) < 0) {
		fail_write(l, "a packet");
		pcap_breakloop(l->pc);
		return;
	}
	audit_packet(l->a, ++l->frame, ts, l->dlt, data, caplen, wirelen);
}

/* Keeps a copy of the packet for HOLD_NS; false when out of memory. */
static bool hold(struct live *l, uint64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	if (l->qlen == l->qcap) {
		size_t cap = l->qcap ? l->qcap * 2 : 1024;
		struct held *v = malloc(cap * sizeof(*v));
		if (!v)
			return false;
		for (size_t i = 0; i < l->qlen; i++) /* unwrap the ring into the new array */
			v[i] = l->q[(l->qhead + i) % l->qcap];
		free(l->q);
		l->q = v;
		l->qcap = cap;
		l->qhead = 0;
	}
	uint8_t *copy = malloc(caplen ? caplen : 1);
	if (!copy)
		return false;
	memcpy(copy, data, caplen);
	l->q[(l->qhead + l->qlen++) % l->qcap] = (struct held){ clock_ns(CLOCK_MONOTONIC), ts, caplen, wirelen, copy };
	l->qbytes += caplen;
	return true;
}

/* Records the held packets whose time is up (all of them when `all`, and
 * the oldest while more than HOLD_MAX_BYTES are held). */
static void release(struct live *l, bool all)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	while (l->qlen) {
		struct held *h = &l->q[l->qhead];
		if (!all && h->arrival_ns + l->hold_ns > now && l->qbytes <= HOLD_MAX_BYTES)
			break;
		record(l, h->ts_ns, h->data, h->caplen, h->wirelen);
		free(h->data);
		l->qbytes -= h->caplen;
		l->qhead = (l->qhead + 1) % l->qcap;
		l->qlen--;
	}
}

static void on_packet(u_char *ctx, const struct pcap_pkthdr *h, const u_char *data)
{
	struct live *l = (struct live *)ctx;
	if (l->failed || (l->cfg.max_packets && l->packets >= l->cfg.max_packets))
		return; /* -c N: the rest of a batch the kernel handed over is not kept */
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec * l->ts_scale;
	if (++l->packets == l->cfg.max_packets)
		g_stop = 1;
	if (ts > l->last_ts_ns)
		l->last_ts_ns = ts;
	if (!l->hold_ns) {
		record(l, ts, data, h->caplen, h->len);
	} else if (!hold(l, ts, data, h->caplen, h->len)) {
		release(l, true); /* no memory to wait: record it now, after those held before it */
		record(l, ts, data, h->caplen, h->len);
	} else if (l->qbytes > HOLD_MAX_BYTES) {
		release(l, false);
	}
}

static void mark(struct live *l, enum consent_kind kind, const char *how)
{
	uint64_t ts = clock_ns(CLOCK_REALTIME);
	if (ts <= l->last_ts_ns)
		ts = l->last_ts_ns + 1;
	if (ts <= l->last_mark_ns)
		ts = l->last_mark_ns + 1;
	l->last_mark_ns = ts;
	const char *name = consent_kind_name(kind);
	char comment[48];
	snprintf(comment, sizeof(comment), "privaudit:%s", name);
	/* flushed at once: the mark is the one thing a tester cannot redo */
	if (pcapng_out_isb(l->out, 0, ts, comment, NULL) < 0 || pcapng_out_flush(l->out) < 0) {
		fail_write(l, "a consent mark");
		return;
	}
	audit_capture_mark(l->a, name, ts);
	char when[32];
	format_ms(ts, when);
	event_line(l, "%s  %-21s  (%s)\n", when, name, how);
}

/* One finding line: time, type, host, categories, frame (and with
 * rotation the file, since frames are numbered per file). */
static void finding_line(struct live *l, const struct audit *a, const struct finding *f, uint64_t ts_ns)
{
	char when[32], cats[1024];
	format_ms(ts_ns, when);
	policy_categories(a->policy, f->cats, cats, sizeof(cats), false);
	if (l->cfg.rotate_bytes || l->cfg.rotate_ns)
		event_line(l, "%s  %-21s  %s  %s  frame %llu of %s\n", when, finding_type_name(f->type),
			   f->host ? f->host : "-", cats[0] ? cats : "-", (unsigned long long)f->frame,
			   a->inputs[f->input].name);
	else
		event_line(l, "%s  %-21s  %s  %s  frame %llu\n", when, finding_type_name(f->type), f->host ? f->host : "-",
			   cats[0] ? cats : "-", (unsigned long long)f->frame);
}

void live_finding(void *ctx, const struct finding *f)
{
	struct live *l = ctx;
	l->findings++;
	finding_line(l, l->a, f, f->ts_ns);
	if (l->nshown == l->capshown) {
		size_t cap = l->capshown ? l->capshown * 2 : 64;
		struct shown *v = realloc(l->shown, cap * sizeof(*v));
		if (!v)
			return; /* then the finding is printed again at the end: harmless */
		l->shown = v;
		l->capshown = cap;
	}
	l->shown[l->nshown++] = (struct shown){ (int)f->type, f->input, f->frame };
}

static bool was_shown(const struct live *l, const struct finding *f)
{
	for (size_t i = 0; i < l->nshown; i++)
		if (l->shown[i].type == (int)f->type && l->shown[i].input == f->input && l->shown[i].frame == f->frame)
			return true;
	return false;
}

void live_late_findings(struct live *l, const struct audit *a)
{
	const struct finding *fd;
	size_t n = policy_findings(a->policy, &fd);
	for (size_t i = 0; i < n; i++) {
		if (was_shown(l, &fd[i]))
			continue;
		uint64_t ts = fd[i].ts_ns;
		struct flow_record r;
		if (!ts && flow_store_get(a->records, fd[i].flow_id, &r)) /* a connection: its first packet */
			ts = r.first_ts_ns;
		finding_line(l, a, &fd[i], ts);
	}
}

size_t live_late_keys(const struct live *l)
{
	size_t n = 0;
	if (!l->kl)
		return 0;
	struct flow_iter it;
	flow_iter_init(&it, l->a->records);
	for (const struct flow_record *r; (r = flow_iter_next(&it));)
		if (r->is_tls && r->tls.decryption == TLS_NO_KEY && r->tls.have_random &&
		    keylog_find(l->kl, r->tls.client_random))
			n++;
	flow_iter_end(&it);
	return n;
}

/* Keys typed on the terminal; false at end of input (stop reading it). */
static bool read_keys(struct live *l)
{
	char buf[64];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == 0)
		return false;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	for (ssize_t i = 0; i < n && !l->failed; i++) {
		if (buf[i] == 'c' || buf[i] == 'C')
			mark(l, CONSENT_GIVEN, "key c");
		else if (buf[i] == 'w' || buf[i] == 'W')
			mark(l, CONSENT_WITHDRAWN, "key w");
		else if (buf[i] == 'm' || buf[i] == 'M')
			mark(l, MANDATORY_START, "key m");
		else if (buf[i] == 'h' || buf[i] == 'H')
			mark(l, MANDATORY_END, "key h");
	}
	return true;
}

enum live_status live_run(struct live *l, struct audit *a)
{
	l->a = a;
	sigset_t blocked, unblocked;
	if (install_signals(&blocked) < 0 || sigprocmask(SIG_BLOCK, &blocked, &unblocked) != 0)
		return LIVE_NOT_STARTED;
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGTERM);
	sigdelset(&unblocked, SIGHUP);
	sigdelset(&unblocked, SIGUSR1);
	sigdelset(&unblocked, SIGUSR2);
	sigdelset(&unblocked, SIGRTMIN);
	sigdelset(&unblocked, SIGRTMIN + 1);
	l->start_ns = clock_ns(CLOCK_REALTIME);
	l->slice_end_ns = l->start_ns + l->cfg.rotate_ns;
	/* the first session file as root, as tcpdump does: a private directory
	 * of the user sudo ran us for is fine; then that user's rights only */
	if (open_file(l) < 0 || drop_privileges(l) < 0) {
		if (l->out)
			close_file(l);
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		return LIVE_NOT_STARTED;
	}
	int pfd = pcap_get_selectable_fd(l->pc);
	if (pfd < 0) {
		log_error("%s: libpcap offers no descriptor to wait on", l->cfg.iface);
		close_file(l);
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		return LIVE_FAILED;
	}
	bool keys = keys_begin();
	l->status_on = isatty(STDERR_FILENO) && log_verbosity() >= 0;
	const char *link = pcap_datalink_val_to_name(l->dlt);
	log_info("capturing on %s (%s) into %s; %s", l->cfg.iface, link ? link : "?", l->path,
		keys ? "c: consent, w: withdrawal, m: mandatory step starts, h: home screen reached, Ctrl-C: stop"
		     : "SIGUSR1: consent, SIGUSR2: withdrawal, SIGRTMIN: mandatory step starts, SIGRTMIN+1: home "
		       "screen reached, SIGINT or SIGTERM: stop");
	struct pollfd fds[2] = { { .fd = pfd, .events = POLLIN }, { .fd = STDIN_FILENO, .events = POLLIN } };
	const struct timespec tick = { 0, (long)TICK_NS };
	uint64_t last_tick = clock_ns(CLOCK_MONOTONIC), last_flush = last_tick;
	sig_atomic_t usr1 = 0, usr2 = 0, rt0 = 0, rt1 = 0;
	status_draw(l);
	while (!g_stop && !l->failed) {
		int n = ppoll(fds, keys ? 2 : 1, &tick, &unblocked);
		if (n < 0 && errno != EINTR) {
			log_error("cannot wait for packets: %s", strerror(errno));
			l->failed = true;
			break;
		}
		/* marks before packets: packets that arrived meanwhile are ordered
		 * by their timestamps, and the mark must not be pushed after them */
		for (; usr1 != g_usr1 && !l->failed; usr1++)
			mark(l, CONSENT_GIVEN, "SIGUSR1");
		for (; usr2 != g_usr2 && !l->failed; usr2++)
			mark(l, CONSENT_WITHDRAWN, "SIGUSR2");
		for (; rt0 != g_rt0 && !l->failed; rt0++)
			mark(l, MANDATORY_START, "SIGRTMIN");
		for (; rt1 != g_rt1 && !l->failed; rt1++)
			mark(l, MANDATORY_END, "SIGRTMIN+1");
		if (n > 0 && keys && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
			keys = read_keys(l);
		if (n > 0 && (fds[0].revents & (POLLIN | POLLERR)) && !l->failed &&
		    pcap_dispatch(l->pc, -1, on_packet, (u_char *)l) == PCAP_ERROR) {
			log_error("%s: capture failed: %s", l->cfg.iface, pcap_geterr(l->pc));
			l->failed = true;
		}
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (now - last_tick >= TICK_NS && !l->failed) {
			last_tick = now;
			if (l->kl)
				keylog_refresh(l->kl); /* new lines reach the sink, then a DSB */
			flush_keys(l);
			release(l, false);
			if (now - last_flush >= FLUSH_NS) {
				last_flush = now;
				if (pcapng_out_flush(l->out) < 0)
					fail_write(l, "packets");
			}
			status_draw(l);
		}
	}
	status_clear(l);
	l->status_on = false; /* what follows (late findings, the report) is plain output */
	restore_terminal();
	/* what the kernel still holds arrived before the stop */
	if (!l->failed && pcap_dispatch(l->pc, -1, on_packet, (u_char *)l) == PCAP_ERROR) {
		log_error("%s: capture failed: %s", l->cfg.iface, pcap_geterr(l->pc));
		l->failed = true;
	}
	if (l->kl && !l->failed)
		keylog_refresh(l->kl); /* the last lines the app wrote belong in the file */
	release(l, true);
	close_file(l);
	struct pcap_stat ps;
	if (pcap_stats(l->pc, &ps) == 0)
		log_info("stopped%s: %llu packets in %u session file%s, %u dropped by the kernel, %u by the interface",
			 l->cfg.max_packets && l->packets >= l->cfg.max_packets ? " (-c)" : "", (unsigned long long)l->packets, l->nfiles, l->nfiles == 1 ? "" : "s", ps.ps_drop, ps.ps_ifdrop);
	/* from here a SIGINT or SIGTERM aborts the report being written */
	g_stop = 1;
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	return l->failed ? LIVE_FAILED : LIVE_OK;
}
