/* Unit tests for the key log reader: labels, lookups, repeats, malformed
 * lines, files that grow (keylog_refresh), writing entries back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "keylog.h"

#define R1 "0101010101010101010101010101010101010101010101010101010101010101"
#define R2 "0202020202020202020202020202020202020202020202020202020202020202"
#define S48 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
#define S32 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"

static void random_of(uint8_t r[32], uint8_t byte)
{
	memset(r, byte, 32);
}

static void test_labels_and_lookup(void **state)
{
	(void)state;
	static const char text[] = "# SSL/TLS secrets log file\n"
				   "\n"
				   "CLIENT_RANDOM " R1 " " S48 "\n"
				   "CLIENT_HANDSHAKE_TRAFFIC_SECRET " R2 " " S32 "\r\n"
				   "SERVER_TRAFFIC_SECRET_0 " R2 " " S48 "\n"
				   "EXPORTER_SECRET " R2 " " S32 "\n";
	struct keylog *kl = keylog_new();
	assert_int_equal(keylog_add_text(kl, text, strlen(text), "t"), 3);
	assert_int_equal(keylog_entries(kl), 2);
	uint8_t r[32];
	random_of(r, 1);
	const struct keylog_entry *e = keylog_find(kl, r);
	assert_non_null(e);
	assert_int_equal(e->secret_len[KEYLOG_MASTER], 48);
	assert_int_equal(e->secret[KEYLOG_MASTER][47], 0x2f);
	assert_int_equal(e->secret_len[KEYLOG_CLIENT_TRAFFIC0], 0);
	random_of(r, 2);
	e = keylog_find(kl, r);
	assert_non_null(e);
	assert_int_equal(e->secret_len[KEYLOG_CLIENT_HANDSHAKE], 32);
	assert_int_equal(e->secret[KEYLOG_CLIENT_HANDSHAKE][0], 0xa0);
	assert_int_equal(e->secret_len[KEYLOG_SERVER_TRAFFIC0], 48);
	assert_int_equal(e->secret_len[KEYLOG_MASTER], 0);
	random_of(r, 3);
	assert_null(keylog_find(kl, r));
	/* the same lines again teach nothing new */
	assert_int_equal(keylog_add_text(kl, text, strlen(text), "t"), 0);
	keylog_free(kl);
}

static void test_malformed_lines_skipped(void **state)
{
	(void)state;
	static const char text[] = "CLIENT_RANDOM " R1 "\n"                /* no secret */
				   "CLIENT_RANDOM 0101 " S48 "\n"            /* short random */
				   "CLIENT_RANDOM " R1 " " S32 "\n"          /* a master secret is 48 bytes */
				   "ECH_SECRET " R1 " " S48 "\n"         /* another label: ignored quietly */
				   "CLIENT_RANDOM " R1 " " S48 " extra\n"
				   "CLIENT_TRAFFIC_SECRET_0 " R1 " zz" S32 "\n"
				   "CLIENT_TRAFFIC_SECRET_0 " R1 " " S32; /* good, no final newline */
	struct keylog *kl = keylog_new();
	assert_int_equal(keylog_add_text(kl, text, strlen(text), "t"), 1);
	uint8_t r[32];
	random_of(r, 1);
	const struct keylog_entry *e = keylog_find(kl, r);
	assert_non_null(e);
	assert_int_equal(e->secret_len[KEYLOG_MASTER], 0);
	assert_int_equal(e->secret_len[KEYLOG_CLIENT_TRAFFIC0], 32);
	keylog_free(kl);
}

static void on_line(void *ctx, const char *line, size_t len)
{
	int *lines = ctx;
	assert_true(len > 0 && line[len - 1] != '\n');
	(*lines)++;
}

static void test_refresh_reads_appended_lines(void **state)
{
	(void)state;
	char path[] = "/tmp/privaudit-keylog-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("CLIENT_RANDOM " R1 " " S48 "\nCLIENT_TRAFFIC_SECRET_0 " R2, f); /* second line not finished */
	fflush(f);
	struct keylog *kl = keylog_new();
	int lines = 0;
	keylog_set_sink(kl, on_line, &lines);
	assert_int_equal(keylog_add_file(kl, path), 1);
	assert_int_equal(lines, 1);
	assert_int_equal(keylog_refresh(kl), 0);
	fputs(" " S32 "\n", f);
	fflush(f);
	assert_int_equal(keylog_refresh(kl), 1);
	assert_int_equal(lines, 2);
	uint8_t r[32];
	random_of(r, 2);
	assert_non_null(keylog_find(kl, r));
	assert_int_equal(keylog_add_file(kl, "/nonexistent/keys.log"), -1);
	keylog_free(kl);
	fclose(f);
	unlink(path);
}

static void test_format_round_trip(void **state)
{
	(void)state;
	static const char text[] = "SERVER_HANDSHAKE_TRAFFIC_SECRET " R2 " " S32 "\n"
				   "CLIENT_RANDOM " R2 " " S48 "\n";
	struct keylog *kl = keylog_new();
	keylog_add_text(kl, text, strlen(text), "t");
	uint8_t r[32];
	random_of(r, 2);
	char out[1024];
	size_t n = keylog_format(keylog_find(kl, r), out, sizeof(out));
	assert_int_equal(n, strlen(out));
	/* in label order: CLIENT_RANDOM first */
	assert_string_equal(out, "CLIENT_RANDOM " R2 " " S48 "\nSERVER_HANDSHAKE_TRAFFIC_SECRET " R2 " " S32 "\n");
	char small[16];
	assert_int_equal(keylog_format(keylog_find(kl, r), small, sizeof(small)), n);
	assert_string_equal(small, ""); /* a line that does not fit is not cut */
	struct keylog *again = keylog_new();
	assert_int_equal(keylog_add_text(again, out, n, "t"), 2);
	keylog_free(again);
	keylog_free(kl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels_and_lookup),
		cmocka_unit_test(test_malformed_lines_skipped),
		cmocka_unit_test(test_refresh_reads_appended_lines),
		cmocka_unit_test(test_format_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
