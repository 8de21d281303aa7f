/* \summary: value validators for classification: check digits, number
 * plans and ranges that tell a real identifier from a look-alike (an order
 * number, a timestamp, a request id).  Each takes the raw value bytes. */
#ifndef PA_VALIDATORS_H
#define PA_VALIDATORS_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
