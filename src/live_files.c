/* \summary: live capture's session files: created (as root for the
 * first), rotated by size (-C) or capture time (-G), each closed with its
 * statistics and hashed; key log lines go in as DSBs before the packets
 * they decrypt. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "live_internal.h"
#include "log.h"
#include "pcapng_out.h"

void live_fail_write(struct live *l, const char *what)
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
void live_flush_keys(struct live *l)
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
			live_fail_write(l, "the key log");
		at += n;
	}
	dbuf_reset(&l->keys);
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

int live_open_file(struct live *l)
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
		live_fail_write(l, "the interface description");
	live_flush_keys(l);
	return l->failed ? -1 : 0;
}

/* Ends the current file and its audit input: statistics so far, pending
 * keys, and its SHA-256 once every byte is on disk. */
void live_close_file(struct live *l)
{
	if (!l->out)
		return;
	struct pcap_stat ps;
	uint64_t now = live_clock_ns(CLOCK_REALTIME);
	struct pcapng_isb_stats st = { .has_start = true, .has_end = true, .start_ns = l->start_ns, .end_ns = now };
	if (pcap_stats(l->pc, &ps) == 0) {
		st.has_recv = st.has_drop = true;
		st.recv = ps.ps_recv;
		st.drop = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	}
	live_flush_keys(l);
	if (!l->failed && pcapng_out_isb(l->out, 0, now, NULL, &st) < 0)
		live_fail_write(l, "the capture statistics");
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

/* Writes a packet to the session file (starting the next file first when
 * -C or -G says so) and hands it to the audit as the file's next frame. */
void live_record(struct live *l, uint64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
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
		live_close_file(l);
		if (l->failed || live_open_file(l) < 0) {
			l->failed = true;
			pcap_breakloop(l->pc);
			return;
		}
	}
	live_flush_keys(l); /* a DSB precedes the packets its keys decrypt, for Wireshark */
	if (l->failed || pcapng_out_epb(l->out, 0, ts, data, caplen, wirelen, NULL, 0) < 0) {
		live_fail_write(l, "a packet");
		pcap_breakloop(l->pc);
		return;
	}
	audit_packet(l->a, ++l->frame, ts, l->dlt, data, caplen, wirelen);
}

