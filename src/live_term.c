/* \summary: live capture's terminal: the stop and mark signals, single
 * keys typed (c, w, m, h), the status line on stderr and the event lines
 * (marks, findings) on stdout. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "audit.h"
#include "flowstore.h"
#include "live_internal.h"
#include "log.h"
#include "policy.h"

/* ---- signals and the terminal ---- */

volatile sig_atomic_t live_stop, live_usr1, live_usr2, live_rt0, live_rt1;
static struct termios g_tty_saved;
static volatile sig_atomic_t g_tty_raw;

/* Async-signal-safe (the abort calls it).  A failure is not reported:
 * there is nothing left to try, and the shell resets its own modes. */
void live_restore_terminal(void)
{
	if (g_tty_raw) {
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &g_tty_saved);
		g_tty_raw = 0;
	}
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1) {
		live_usr1++;
	} else if (sig == SIGUSR2) {
		live_usr2++;
	} else if (sig == SIGRTMIN) {
		live_rt0++;
	} else if (sig == SIGRTMIN + 1) {
		live_rt1++;
	} else if (live_stop) { /* the second stop: abort now */
		static const char msg[] = "\nprivaudit: aborted; the session file may be incomplete\n";
		live_restore_terminal();
		ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w; /* nothing more can be done about a failed message here */
		_exit(130);
	} else {
		live_stop = 1;
	}
}

int live_install_signals(sigset_t *blocked)
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
bool live_keys_begin(void)
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

uint64_t live_clock_ns(clockid_t id)
{
	struct timespec t;
	if (clock_gettime(id, &t) != 0)
		return 0; /* CLOCK_REALTIME and CLOCK_MONOTONIC cannot fail on Linux */
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* RFC 3339 UTC with milliseconds: 2024-05-01T10:00:05.123Z */
void live_format_ms(uint64_t ts_ns, char buf[32])
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

void live_status_clear(struct live *l)
{
	if (l->status_shown) {
		fputs("\r\033[K", stderr);
		l->status_shown = false;
	}
}

void live_status_draw(struct live *l)
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
void live_event_line(struct live *l, const char *fmt, ...)
{
	live_status_clear(l);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fflush(stdout);
	live_status_draw(l);
}

/* One finding line: time, type, host, categories, frame (and with
 * rotation the file, since frames are numbered per file). */
static void finding_line(struct live *l, const struct audit *a, const struct finding *f, uint64_t ts_ns)
{
	char when[32], cats[1024];
	live_format_ms(ts_ns, when);
	policy_categories(a->policy, f->cats, cats, sizeof(cats), false);
	if (l->cfg.rotate_bytes || l->cfg.rotate_ns)
		live_event_line(l, "%s  %-21s  %s  %s  frame %llu of %s\n", when, finding_type_name(f->type),
			   f->host ? f->host : "-", cats[0] ? cats : "-", (unsigned long long)f->frame,
			   a->inputs[f->input].name);
	else
		live_event_line(l, "%s  %-21s  %s  %s  frame %llu\n", when, finding_type_name(f->type), f->host ? f->host : "-",
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

/* Keys typed on the terminal; false at end of input (stop reading it). */
bool live_read_keys(struct live *l)
{
	char buf[64];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == 0)
		return false;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	for (ssize_t i = 0; i < n && !l->failed; i++) {
		if (buf[i] == 'c' || buf[i] == 'C')
			live_mark(l, CONSENT_GIVEN, "key c");
		else if (buf[i] == 'w' || buf[i] == 'W')
			live_mark(l, CONSENT_WITHDRAWN, "key w");
		else if (buf[i] == 'm' || buf[i] == 'M')
			live_mark(l, MANDATORY_START, "key m");
		else if (buf[i] == 'h' || buf[i] == 'H')
			live_mark(l, MANDATORY_END, "key h");
	}
	return true;
}

