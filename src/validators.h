/* \summary: value validators for classification: check digits, number
 * plans and ranges that tell a real identifier from a look-alike (an order
 * number, a timestamp, a request id).  Each takes the raw value bytes. */
#ifndef PA_VALIDATORS_H
#define PA_VALIDATORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef bool (*validator_fn)(const char *v, size_t n);

/* The validator called `name` in signature files, or NULL. */
validator_fn validator_find(const char *name);
/* Names of all validators, NULL-terminated (for `signatures check`). */
const char *const *validator_names(void);

bool valid_luhn(const char *v, size_t n);         /* digits only, Luhn check digit */
bool valid_imei(const char *v, size_t n);         /* 15 digits, Luhn, not all one digit */
bool valid_cn_id(const char *v, size_t n);        /* 18-char resident id: date + MOD 11-2 */
bool valid_cn_mobile(const char *v, size_t n);    /* 1[3-9]xxxxxxxxx, optional +86/86/0086 */
bool valid_email(const char *v, size_t n);
bool valid_mac(const char *v, size_t n);          /* 6 octets, not all-zero or broadcast */
bool valid_latlng_pair(const char *v, size_t n);  /* "lat,lng" or "lng,lat", ranges, >= 4 decimals each */
bool valid_latitude_precise(const char *v, size_t n);  /* |x| <= 90, >= 4 decimals */
bool valid_longitude_precise(const char *v, size_t n); /* |x| <= 180, >= 4 decimals */
bool valid_latitude(const char *v, size_t n);
bool valid_longitude(const char *v, size_t n);
bool valid_ip(const char *v, size_t n);           /* IPv4 or IPv6, not unspecified/loopback */
bool valid_ip_private(const char *v, size_t n);   /* RFC 1918, RFC 4193, link-local */
bool valid_bank_card(const char *v, size_t n);    /* 16-19 digits, Luhn, known IIN first digit */
bool valid_uuid(const char *v, size_t n);         /* 8-4-4-4-12 hex, not all zero */
bool valid_iccid(const char *v, size_t n);        /* 89..., 19-20 digits, Luhn */
bool valid_imsi(const char *v, size_t n);         /* 15 digits, plausible MCC */
bool valid_not_empty(const char *v, size_t n);    /* not empty, a null word, all zeros or already masked */
bool valid_ip_list(const char *v, size_t n);      /* X-Forwarded-For: addresses separated by commas */
bool valid_model(const char *v, size_t n);
bool valid_cn_person_name(const char *v, size_t n); /* 2-4 Han characters after a common surname */
bool valid_latitude_scaled(const char *v, size_t n);  /* degrees x 10^6 or 10^7 as an integer */
bool valid_longitude_scaled(const char *v, size_t n);        /* a device model: has a digit, no spaces at the ends */
bool valid_person_name(const char *v, size_t n);  /* 2-4 Han characters after a common surname, or 1-4
						   * capitalised Latin words */

/* Digest lengths a hashed identifier comes in. */
enum hash_kind { HASH_NONE, HASH_MD5, HASH_SHA1, HASH_SHA256 };
const char *hash_kind_name(enum hash_kind k); /* "md5", "sha1", "sha256" or NULL */
/* The digest a value looks like: 32, 40 or 64 hex digits of one case with
 * letters and digits both present (a random id rarely is all one). */
enum hash_kind value_hash_kind(const char *v, size_t n);

/* Is v an epoch time (10 digits: seconds, 13: milliseconds, optionally with
 * a fraction) within [ref - 5 years, ref + 1 year]?  ref_s 0 means the time is
 * unknown: then any such time from 2001-09-09 to 2100 counts. */
bool value_is_recent_epoch(const char *v, size_t n, uint64_t ref_s);

#endif
