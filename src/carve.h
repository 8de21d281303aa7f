/* \summary: evidence carving: for each finding, the frames of its flows,
 * as pcapng files a regulator can open in Wireshark as they are. */
#ifndef PA_CARVE_H
#define PA_CARVE_H

struct audit;
struct finding;

/* Writes DIR/F0001.pcapng ... (one per finding, numbered as the report's
 * finding ids 1..N, in the order policy_findings returns them), DIR/evidence.pcapng (the frames of all
 * those files, each frame once, in capture order, per input), and DIR/SHA256SUMS (sha256sum format,
 * sorted by file name, covering every .pcapng written).
 *
 * A finding file holds the flow of the finding (none when its flow is 0: a bundled consent at a
 * command-line or capture mark) and those of its other requests (frames[]), each with the DNS
 * query and answer that named its host (the last answer before the flow naming the host with the
 * flow's server address).  Files have one interface per link type of a capture (a pcapng input
 * may mix them); of an IP datagram rebuilt from fragments only the completing frame is carved,
 * as only it was audited as a packet.  Every packet's comment is "frame N of NAME" (NAME: the
 * capture's base name, or its path when two inputs share a base name).  The section header's
 * comment names the capture, its SHA-256, the frame map (this file's frames = the capture's,
 * as ranges), the finding and its carved filter.  A carved TLS flow whose secrets the audit had
 * brings its key log lines along, in a Decryption Secrets Block before the packets.
 * Creates DIR if needed (one level).  Returns 0, or -1 after printing one error line through log_error. */
int carve_evidence(const char *dir, const struct audit *a);

/* The display filter that selects finding f's frames (frames[], the first 200) in its carved
 * file and in evidence.pcapng: `frame.comment == "frame 6 of NAME"`, or'd.  malloc'd; NULL for
 * a finding of standard input (it cannot be carved) or when out of memory. */
char *carve_filter(const struct audit *a, const struct finding *f);

#endif
