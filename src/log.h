/* \summary: the one place that writes diagnostics (stderr, one line each,
 * "privaudit: <message>").  Errors always show; -q hides warnings and
 * progress lines, -v adds the details of each input. */
#ifndef PA_LOG_H
#define PA_LOG_H

/* -1 quiet (-q), 0 the default, 1 verbose (-v). */
void log_set_verbosity(int v);
int log_verbosity(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "privaudit: warning: ...", hidden by -q */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* what the program is doing (capture started, stopped), hidden by -q */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* shown only with -v */
void log_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
