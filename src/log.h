/* \summary: the one place that writes diagnostics (stderr, one line each). */
#ifndef PA_LOG_H
#define PA_LOG_H

/* "privaudit: <message>\n" on stderr. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
