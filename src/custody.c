/* \summary: report integrity and signatures (see custody.h). */
#include "custody.h"

#include <errno.h>
#include <libgen.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX_SIGNED (1ULL << 32) /* a signed report is read whole */

static void say(char *err, size_t len, const char *what, const char *path)
{
	snprintf(err, len, "%s: %s", path, what);
}

/* The whole stream from its start, in memory (reports to sign are read once). */
static unsigned char *slurp(FILE *f, size_t *n)
{
	if (fseek(f, 0, SEEK_SET) != 0)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	unsigned char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			unsigned char *v = cap < REPORT_MAX_SIGNED ? realloc(buf, cap * 2) : NULL;
			if (!v) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = v;
			cap *= 2;
		}
	}
	if (!buf || ferror(f)) {
		free(buf);
		return NULL;
	}
	*n = len;
	return buf;
}

/* The whole file in memory; NULL (err set) when unreadable. */
static unsigned char *slurp_path(const char *path, size_t *n, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		say(err, errlen, strerror(errno), path);
		return NULL;
	}
	unsigned char *buf = slurp(f, n);
	fclose(f);
	if (!buf)
		say(err, errlen, "cannot read it whole", path);
	return buf;
}

static bool stream_sha256(FILE *f, char hex[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[1 << 16], md[32];
	size_t n;
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = EVP_DigestUpdate(ctx, buf, n);
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	if (ok)
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return ok;
}

bool custody_file_sha256(const char *path, char hex[65], char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		say(err, errlen, strerror(errno), path);
		return false;
	}
	bool ok = stream_sha256(f, hex);
	fclose(f);
	if (!ok)
		say(err, errlen, "cannot read it", path);
	return ok;
}

static char *beside(const char *path, const char *ext)
{
	char *s;
	return asprintf(&s, "%s%s", path, ext) < 0 ? NULL : s;
}

static EVP_PKEY *read_key(const char *pem, bool private_key, char *err, size_t errlen)
{
	FILE *f = fopen(pem, "r");
	if (!f) {
		say(err, errlen, strerror(errno), pem);
		return NULL;
	}
	EVP_PKEY *k = private_key ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		say(err, errlen, private_key ? "not an Ed25519 private key in PEM (openssl genpkey -algorithm ed25519)"
					     : "not an Ed25519 public key in PEM (openssl pkey -pubout)",
		    pem);
		return NULL;
	}
	return k;
}

bool custody_seal_open(struct custody_seal *s, const char *path, const char *key_pem, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	char *copy = strdup(path), *sum = beside(path, ".sha256"), *sig = key_pem ? beside(path, ".sig") : NULL;
	bool ok = copy && sum && (!key_pem || sig);
	if (!ok)
		say(err, errlen, "out of memory", path);
	if (ok && key_pem && !(s->key = read_key(key_pem, true, err, errlen)))
		ok = false;
	s->name = ok ? strdup(basename(copy)) : NULL;
	if (ok && !s->name) {
		say(err, errlen, "out of memory", path);
		ok = false;
	}
	if (ok && !(s->sum = fopen(sum, "w"))) {
		say(err, errlen, strerror(errno), sum);
		ok = false;
	}
	if (ok && sig && !(s->sig = fopen(sig, "wb"))) {
		say(err, errlen, strerror(errno), sig);
		ok = false;
	}
	free(copy);
	free(sum);
	free(sig);
	if (!ok)
		custody_seal_close(s);
	return ok;
}

bool custody_seal_write(struct custody_seal *s, FILE *report, char *err, size_t errlen)
{
	char hex[65];
	bool ok = fflush(report) == 0 && fseek(report, 0, SEEK_SET) == 0 && stream_sha256(report, hex);
	if (!ok) {
		say(err, errlen, "cannot read the written report back", s->name);
		return false;
	}
	if (fprintf(s->sum, "%s  %s\n", hex, s->name) < 0 || fflush(s->sum) != 0) {
		say(err, errlen, "cannot write the .sha256 file", s->name);
		return false;
	}
	if (!s->key)
		return true;
	size_t n = 0, siglen = 64;
	unsigned char *data = slurp(report, &n), sig[64];
	EVP_MD_CTX *ctx = data ? EVP_MD_CTX_new() : NULL;
	ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, s->key) == 1 &&
	     EVP_DigestSign(ctx, sig, &siglen, data, n) == 1;
	if (!ok)
		say(err, errlen, data ? "signing failed" : "cannot read the written report back", s->name);
	else if (fwrite(sig, 1, siglen, s->sig) != siglen || fflush(s->sig) != 0) {
		ok = false;
		say(err, errlen, "cannot write the .sig file", s->name);
	}
	EVP_MD_CTX_free(ctx);
	free(data);
	return ok;
}

void custody_seal_close(struct custody_seal *s)
{
	if (s->sum)
		fclose(s->sum);
	if (s->sig)
		fclose(s->sig);
	EVP_PKEY_free(s->key);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

enum custody_verdict custody_check_sha256(const char *path, char *err, size_t errlen)
{
	char *sum = beside(path, ".sha256");
	FILE *f = sum ? fopen(sum, "r") : NULL;
	free(sum);
	if (!f)
		return CUSTODY_ABSENT;
	char want[65] = "", hex[65];
	int got = fscanf(f, "%64[0-9a-f]", want);
	fclose(f);
	if (got != 1 || strlen(want) != 64) {
		say(err, errlen, "the .sha256 file holds no SHA-256", path);
		return CUSTODY_ERROR;
	}
	if (!custody_file_sha256(path, hex, err, errlen))
		return CUSTODY_ERROR;
	if (strcmp(want, hex) != 0) {
		snprintf(err, errlen, "%s: SHA-256 %s, but its .sha256 file says %s: the report changed after it was written",
			 path, hex, want);
		return CUSTODY_MISMATCH;
	}
	return CUSTODY_OK;
}

enum custody_verdict custody_check_signature(const char *path, const char *pub_pem, char *err, size_t errlen)
{
	char *sp = beside(path, ".sig");
	size_t siglen = 0, n = 0;
	unsigned char *sig = sp ? slurp_path(sp, &siglen, err, errlen) : NULL;
	free(sp);
	if (!sig)
		return CUSTODY_ABSENT;
	EVP_PKEY *k = read_key(pub_pem, false, err, errlen);
	unsigned char *data = k ? slurp_path(path, &n, err, errlen) : NULL;
	EVP_MD_CTX *ctx = data ? EVP_MD_CTX_new() : NULL;
	enum custody_verdict v = CUSTODY_ERROR;
	if (ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1) {
		v = EVP_DigestVerify(ctx, sig, siglen, data, n) == 1 ? CUSTODY_OK : CUSTODY_MISMATCH;
		if (v == CUSTODY_MISMATCH)
			say(err, errlen, "the signature does not match this report and key", path);
	}
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	free(data);
	free(sig);
	EVP_PKEY_free(k);
	return v;
}
