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
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "decode.h"
#include "flow.h"
#include "flowstore.h"
#include "keylog.h"
#include "live_internal.h"
#include "log.h"
#include "pcapng_out.h"
#include "policy.h"
#include "tls.h"

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
	l->q[(l->qhead + l->qlen++) % l->qcap] = (struct held){ live_clock_ns(CLOCK_MONOTONIC), ts, caplen, wirelen, copy };
	l->qbytes += caplen;
	return true;
}

/* Records the held packets whose time is up (all of them when `all`, and
 * the oldest while more than HOLD_MAX_BYTES are held). */
static void release(struct live *l, bool all)
{
	uint64_t now = live_clock_ns(CLOCK_MONOTONIC);
	while (l->qlen) {
		struct held *h = &l->q[l->qhead];
		if (!all && h->arrival_ns + l->hold_ns > now && l->qbytes <= HOLD_MAX_BYTES)
			break;
		live_record(l, h->ts_ns, h->data, h->caplen, h->wirelen);
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
		live_stop = 1;
	if (ts > l->last_ts_ns)
		l->last_ts_ns = ts;
	if (!l->hold_ns) {
		live_record(l, ts, data, h->caplen, h->len);
	} else if (!hold(l, ts, data, h->caplen, h->len)) {
		release(l, true); /* no memory to wait: record it now, after those held before it */
		live_record(l, ts, data, h->caplen, h->len);
	} else if (l->qbytes > HOLD_MAX_BYTES) {
		release(l, false);
	}
}

void live_mark(struct live *l, enum consent_kind kind, const char *how)
{
	uint64_t ts = live_clock_ns(CLOCK_REALTIME);
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
		live_fail_write(l, "a consent mark");
		return;
	}
	audit_capture_mark(l->a, name, ts);
	char when[32];
	live_format_ms(ts, when);
	live_event_line(l, "%s  %-21s  (%s)\n", when, name, how);
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

/* Signals blocked but inside ppoll(); the first session file as root, as
 * tcpdump does (a private directory of the user sudo ran us for is fine),
 * then that user's rights only.  The descriptor to wait on, or -1. */
static int start(struct live *l, sigset_t *unblocked, enum live_status *st)
{
	sigset_t blocked;
	*st = LIVE_NOT_STARTED;
	if (live_install_signals(&blocked) < 0 || sigprocmask(SIG_BLOCK, &blocked, unblocked) != 0)
		return -1;
	static const int marks_and_stops[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof(marks_and_stops) / sizeof(*marks_and_stops); i++)
		sigdelset(unblocked, marks_and_stops[i]);
	sigdelset(unblocked, SIGRTMIN);
	sigdelset(unblocked, SIGRTMIN + 1);
	l->start_ns = live_clock_ns(CLOCK_REALTIME);
	l->slice_end_ns = l->start_ns + l->cfg.rotate_ns;
	if (live_open_file(l) < 0 || live_drop_privileges(l) < 0) {
		if (l->out)
			live_close_file(l);
		sigprocmask(SIG_SETMASK, unblocked, NULL);
		return -1;
	}
	int pfd = pcap_get_selectable_fd(l->pc);
	if (pfd < 0) {
		log_error("%s: libpcap offers no descriptor to wait on", l->cfg.iface);
		live_close_file(l);
		sigprocmask(SIG_SETMASK, unblocked, NULL);
		*st = LIVE_FAILED;
	}
	return pfd;
}

/* The marks signals asked for since the last call (before the packets
 * that arrived meanwhile: those are ordered by their timestamps, and the
 * mark must not be pushed after them). */
static void signal_marks(struct live *l, sig_atomic_t seen[4])
{
	static const struct {
		enum consent_kind kind;
		const char *how;
	} what[4] = { { CONSENT_GIVEN, "SIGUSR1" }, { CONSENT_WITHDRAWN, "SIGUSR2" }, { MANDATORY_START, "SIGRTMIN" },
		      { MANDATORY_END, "SIGRTMIN+1" } };
	volatile sig_atomic_t *counts[4] = { &live_usr1, &live_usr2, &live_rt0, &live_rt1 };
	for (int k = 0; k < 4; k++)
		for (; seen[k] != *counts[k] && !l->failed; seen[k]++)
			live_mark(l, what[k].kind, what[k].how);
}

/* Every TICK_NS: new key log lines, held packets whose time is up, the
 * file flushed every FLUSH_NS, the status line. */
static void tick(struct live *l, uint64_t now, uint64_t *last_flush)
{
	if (l->kl)
		keylog_refresh(l->kl); /* new lines reach the sink, then a DSB */
	live_flush_keys(l);
	release(l, false);
	if (now - *last_flush >= FLUSH_NS) {
		*last_flush = now;
		if (pcapng_out_flush(l->out) < 0)
			live_fail_write(l, "packets");
	}
	live_status_draw(l);
}

static void dispatch(struct live *l)
{
	if (pcap_dispatch(l->pc, -1, on_packet, (u_char *)l) == PCAP_ERROR) {
		log_error("%s: capture failed: %s", l->cfg.iface, pcap_geterr(l->pc));
		l->failed = true;
	}
}

/* After the stop: what the kernel still holds arrived before it, the last
 * key log lines belong in the file, then the file is closed. */
static void finish(struct live *l)
{
	live_status_clear(l);
	l->status_on = false; /* what follows (late findings, the report) is plain output */
	live_restore_terminal();
	if (!l->failed)
		dispatch(l);
	if (l->kl && !l->failed)
		keylog_refresh(l->kl);
	release(l, true);
	live_close_file(l);
	struct pcap_stat ps;
	if (pcap_stats(l->pc, &ps) == 0)
		log_info("stopped%s: %llu packets in %u session file%s, %u dropped by the kernel, %u by the interface",
			 l->cfg.max_packets && l->packets >= l->cfg.max_packets ? " (-c)" : "",
			 (unsigned long long)l->packets, l->nfiles, l->nfiles == 1 ? "" : "s", ps.ps_drop, ps.ps_ifdrop);
}

enum live_status live_run(struct live *l, struct audit *a)
{
	l->a = a;
	sigset_t unblocked;
	enum live_status st;
	int pfd = start(l, &unblocked, &st);
	if (pfd < 0)
		return st;
	bool keys = live_keys_begin();
	l->status_on = isatty(STDERR_FILENO) && log_verbosity() >= 0;
	const char *link = pcap_datalink_val_to_name(l->dlt);
	log_info("capturing on %s (%s) into %s; %s", l->cfg.iface, link ? link : "?", l->path,
		 keys ? "c: consent, w: withdrawal, m: mandatory step starts, h: home screen reached, Ctrl-C: stop"
		      : "SIGUSR1: consent, SIGUSR2: withdrawal, SIGRTMIN: mandatory step starts, SIGRTMIN+1: home "
			"screen reached, SIGINT or SIGTERM: stop");
	struct pollfd fds[2] = { { .fd = pfd, .events = POLLIN }, { .fd = STDIN_FILENO, .events = POLLIN } };
	const struct timespec ts_tick = { 0, (long)TICK_NS };
	uint64_t last_tick = live_clock_ns(CLOCK_MONOTONIC), last_flush = last_tick;
	sig_atomic_t seen[4] = { 0, 0, 0, 0 };
	live_status_draw(l);
	while (!live_stop && !l->failed) {
		int n = ppoll(fds, keys ? 2 : 1, &ts_tick, &unblocked);
		if (n < 0 && errno != EINTR) {
			log_error("cannot wait for packets: %s", strerror(errno));
			l->failed = true;
			break;
		}
		signal_marks(l, seen);
		if (n > 0 && keys && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
			keys = live_read_keys(l);
		if (n > 0 && (fds[0].revents & (POLLIN | POLLERR)) && !l->failed)
			dispatch(l);
		uint64_t now = live_clock_ns(CLOCK_MONOTONIC);
		if (now - last_tick >= TICK_NS && !l->failed) {
			last_tick = now;
			tick(l, now, &last_flush);
		}
	}
	finish(l);
	/* from here a SIGINT or SIGTERM aborts the report being written */
	live_stop = 1;
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	return l->failed ? LIVE_FAILED : LIVE_OK;
}
