/* \summary: evidence carving: for each finding, the frames of its flow,
 * as pcapng files a regulator can open in Wireshark as they are. */
#ifndef PA_CARVE_H
#define PA_CARVE_H

struct audit;

/* Writes DIR/F0001.pcapng ... (one per finding, numbered as the report's
 * finding ids 1..N, in the order policy_findings returns them), DIR/evidence.pcapng (the frames of all
 * those flows, each frame once, in capture order, per input), and DIR/SHA256SUMS (sha256sum format,
 * sorted by file name, covering every .pcapng written).  A carved TLS flow whose secrets the audit had
 * brings its key log lines along, in a Decryption Secrets Block before the packets. Creates DIR if needed (one level).
 * Returns 0, or -1 after printing one error line through log_error. */
int carve_evidence(const char *dir, const struct audit *a);

#endif
