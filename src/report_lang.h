/* \summary: the words of the text and Markdown reports in English and
 * Chinese (--lang zh): finding types, severities, relations, marks and
 * headings.  The JSON report holds both languages' reasons. */
#ifndef PA_REPORT_LANG_H
#define PA_REPORT_LANG_H

#include <stdbool.h>

#include "policy.h"

enum report_word {
	W_INPUTS, W_FRAMES, W_FLOWS, W_HOSTS_CONTACTED, W_FINDINGS, W_FAILED_INPUTS, W_DEVICE,
	W_DEVICE_GIVEN, W_DEVICE_PICKED, W_DEVICE_NONE, W_AT, W_FRAME, W_NOT_JUDGED, W_WINDOW, W_WINDOW_OPEN,
	W_WINDOW_CLOSE, W_TITLE, W_SUMMARY, W_APP, W_NO_PROFILE, W_SIGNATURES, W_NOT_DECRYPTED,
	W_TIMELINE, W_NO_EVENTS, W_RECIPIENT, W_CATEGORIES, W_EVIDENCE, W_IN_WIRESHARK, W_LEGAL_BASIS, W_TIME,
	W_TYPE, W_SEVERITY, W_HOST, W_ORGANIZATION, W_INPUT, W_TRANSMISSION, W_FLOW, W_UNKNOWN, W_FINDINGS_BY_TYPE,
	W_FINDING_DETAILS, W_FORMAT, W_FIRST_PACKET, W_ERROR, W_COUNT
};

const char *word(enum report_word w, bool zh);
const char *type_label(enum finding_type t, bool zh);
const char *severity_label(enum finding_type t, bool zh);
const char *relation_label(enum relation r, bool zh);
const char *mark_label(enum consent_kind k, bool zh);

#endif
