/* Table-driven tests for every validator: positives, and the decoys each
 * one exists to reject. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "signatures.h"
#include "validators.h"

struct vcase {
	const char *validator;
	const char *value;
	bool valid;
};

static const struct vcase cases[] = {
	{ "luhn", "79927398713", true },
	{ "luhn", "79927398710", false },
	{ "luhn", "7992739871a", false },
	{ "imei", "490154203237518", true },
	{ "imei", "356938035643809", true },
	{ "imei", "864512034567891", false },   /* check digit wrong */
	{ "imei", "49015420323751", false },    /* 14 digits */
	{ "imei", "000000000000000", false },   /* Luhn-valid but one digit repeated */
	{ "imei", "1710230452911", false },     /* a timestamp */
	{ "cn_id", "11010519491231002X", true },
	{ "cn_id", "11010519491231002x", true },
	{ "cn_id", "110105194912310021", false }, /* check character */
	{ "cn_id", "110105194902300027", false }, /* 30 February */
	{ "cn_id", "11010519491231002", false },  /* 17 characters */
	{ "cn_id", "012345199001011234", false },  /* region cannot start with 0 */
	{ "cn_mobile", "13812345678", true },
	{ "cn_mobile", "+8613812345678", true },
	{ "cn_mobile", "+86 138-1234-5678", true },
	{ "cn_mobile", "008619912345678", true },
	{ "cn_mobile", "12812345678", false },   /* 1 then 2 */
	{ "cn_mobile", "10086", false },
	{ "cn_mobile", "1381234567", false },    /* 10 digits */
	{ "cn_mobile", "1710230452911", false }, /* 13-digit timestamp */
	{ "email", "lily@example.com", true },
	{ "email", "zhang.san+news@mail.example.cn", true },
	{ "email", "lily@example", false },
	{ "email", "@example.com", false },
	{ "email", "a@b@example.com", false },
	{ "email", "lily@example.c0m", false },
	{ "mac", "02:00:00:44:55:66", true },
	{ "mac", "AC-DE-48-00-11-22", true },
	{ "mac", "00:00:00:00:00:00", false },
	{ "mac", "ff:ff:ff:ff:ff:ff", false },
	{ "mac", "02:00:00:44:55", false },
	{ "mac", "02:00:00:44:55:6g", false },
	{ "latlng_pair", "31.230416,121.473701", true },
	{ "latlng_pair", "-33.8688, 151.2093", true },
	{ "latlng_pair", "31.23,121.47", false },     /* < 4 decimals */
	{ "latlng_pair", "121.473701,31.230416", true },  /* longitude first */
	{ "latlng_pair", "191.473701,31.230416", false },
	{ "latlng_pair", "1.2.3,4.5", false },
	{ "latitude_precise", "31.2304", true },
	{ "latitude_precise", "31.230", false },
	{ "latitude_precise", "91.23041", false },
	{ "longitude_precise", "-121.473701", true },
	{ "longitude_precise", "181.00001", false },
	{ "latitude", "31.2", true },
	{ "latitude", "abc", false },
	{ "ip", "203.0.113.7", true },
	{ "ip", "2001:db8::1", true },
	{ "ip", "127.0.0.1", false },
	{ "ip", "0.0.0.0", false },
	{ "ip", "::1", false },
	{ "ip", "256.1.1.1", false },
	{ "ip_private", "192.168.1.23", true },
	{ "ip_private", "10.0.2.15", true },
	{ "ip_private", "172.20.0.1", true },
	{ "ip_private", "fd12:3456::1", true },
	{ "ip_private", "fe80::1", true },
	{ "ip_private", "172.32.0.1", false },
	{ "ip_private", "8.8.8.8", false },
	{ "bank_card", "6222020200112233445", false }, /* Luhn fails */
	{ "bank_card", "6222021234567890128", true },
	{ "bank_card", "4111111111111111", true },
	{ "bank_card", "1111111111111117", false }, /* no card starts with 1 */
	{ "bank_card", "411111111111111", false },  /* 15 digits */
	{ "uuid", "5ac6a0ff-8d18-47bc-a902-2812cf0c251e", true },
	{ "uuid", "00000000-0000-0000-0000-000000000000", false },
	{ "uuid", "5ac6a0ff8d1847bca9022812cf0c251e", false },
	{ "iccid", "89860318640220133897", true },
	{ "iccid", "89860318640220133891", false },
	{ "iccid", "69860318640220133897", false },
	{ "imsi", "460001234567890", true },
	{ "imsi", "960001234567890", false },
	{ "imsi", "46000123456789", false },
	{ "not_empty", "x", true },
	{ "not_empty", "", false },
	{ "not_empty", "null", false },
	{ "not_empty", "NULL", false },
	{ "not_empty", "undefined", false },
	{ "not_empty", " ", false },
};

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		validator_fn fn = validator_find(cases[i].validator);
		assert_non_null(fn);
		bool got = fn(cases[i].value, strlen(cases[i].value));
		if (got != cases[i].valid)
			fail_msg("%s(\"%s\") = %d, wanted %d", cases[i].validator, cases[i].value, got, cases[i].valid);
	}
}

static void test_every_validator_is_named(void **state)
{
	size_t n = 0;
	for (const char *const *v = validator_names(); *v; v++, n++)
		assert_non_null(validator_find(*v));
	assert_int_equal(n, 24);
	assert_null(validator_find("no_such_validator"));
}

static void test_key_normalisation(void **state)
{
	static const struct {
		const char *key, *want;
	} keys[] = {
		{ "userRealName", "userrealname" }, { "real_name", "realname" }, { "REAL-NAME", "realname" },
		{ "phone2", "phone" },              { "imei_1", "imei" },       { "IMEINumber", "imeinumber" },
		{ "学习目的", "学习目的" },         { "x-device-id", "xdeviceid" }, { "Lat", "lat" },
		{ "123", "" },
	};
	char out[128];
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		signatures_normalise_key(keys[i].key, strlen(keys[i].key), out, sizeof(out));
		assert_string_equal(out, keys[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_every_validator_is_named),
		cmocka_unit_test(test_key_normalisation),
	};
	return cmocka_run_group_tests_name("validators", tests, NULL, NULL);
}
