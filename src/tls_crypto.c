/* \summary: TLS record protection with OpenSSL's libcrypto (see tls_crypto.h). */
#include "tls_crypto.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/provider.h>
#include <string.h>

#include "tls.h"

/* Generated from the union of Wireshark's cipher suite table
 * (epan/dissectors/packet-tls-utils.c) and OpenSSL 3's tls1.h/ssl3.h
 * (TLS1_CK_* ids with their TLS1_RFC_* IANA names): the bulk cipher, MAC and
 * PRF hash follow from the IANA name.  Sorted by id. */
static const struct tls_suite suites[] = {
	{ 0x0001, false, C_NULL, M_MD5, false, 0, "TLS_RSA_WITH_NULL_MD5" },
	{ 0x0002, false, C_NULL, M_SHA1, false, 0, "TLS_RSA_WITH_NULL_SHA" },
	{ 0x0003, false, C_RC4, M_MD5, false, 5, "TLS_RSA_EXPORT_WITH_RC4_40_MD5" },
	{ 0x0004, false, C_RC4, M_MD5, false, 0, "TLS_RSA_WITH_RC4_128_MD5" },
	{ 0x0005, false, C_RC4, M_SHA1, false, 0, "TLS_RSA_WITH_RC4_128_SHA" },
	{ 0x0006, false, C_RC2_CBC, M_MD5, false, 5, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5" },
	{ 0x0007, false, C_IDEA_CBC, M_SHA1, false, 0, "TLS_RSA_WITH_IDEA_CBC_SHA" },
	{ 0x0008, false, C_DES_CBC, M_SHA1, false, 5, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0009, false, C_DES_CBC, M_SHA1, false, 0, "TLS_RSA_WITH_DES_CBC_SHA" },
	{ 0x000a, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x000b, false, C_DES_CBC, M_SHA1, false, 5, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x000c, false, C_DES_CBC, M_SHA1, false, 0, "TLS_DH_DSS_WITH_DES_CBC_SHA" },
	{ 0x000d, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA" },
	{ 0x000e, false, C_DES_CBC, M_SHA1, false, 5, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x000f, false, C_DES_CBC, M_SHA1, false, 0, "TLS_DH_RSA_WITH_DES_CBC_SHA" },
	{ 0x0010, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0011, false, C_DES_CBC, M_SHA1, false, 5, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0012, false, C_DES_CBC, M_SHA1, false, 0, "TLS_DHE_DSS_WITH_DES_CBC_SHA" },
	{ 0x0013, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0014, false, C_DES_CBC, M_SHA1, false, 5, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0015, false, C_DES_CBC, M_SHA1, false, 0, "TLS_DHE_RSA_WITH_DES_CBC_SHA" },
	{ 0x0016, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0017, false, C_RC4, M_MD5, false, 5, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5" },
	{ 0x0018, false, C_RC4, M_MD5, false, 0, "TLS_DH_anon_WITH_RC4_128_MD5" },
	{ 0x0019, false, C_DES_CBC, M_SHA1, false, 5, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x001a, false, C_DES_CBC, M_SHA1, false, 0, "TLS_DH_anon_WITH_DES_CBC_SHA" },
	{ 0x001b, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA" },
	{ 0x002c, false, C_NULL, M_SHA1, false, 0, "TLS_PSK_WITH_NULL_SHA" },
	{ 0x002d, false, C_NULL, M_SHA1, false, 0, "TLS_DHE_PSK_WITH_NULL_SHA" },
	{ 0x002e, false, C_NULL, M_SHA1, false, 0, "TLS_RSA_PSK_WITH_NULL_SHA" },
	{ 0x002f, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0030, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_DH_DSS_WITH_AES_128_CBC_SHA" },
	{ 0x0031, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_DH_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0032, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA" },
	{ 0x0033, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0034, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_DH_anon_WITH_AES_128_CBC_SHA" },
	{ 0x0035, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x0036, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_DH_DSS_WITH_AES_256_CBC_SHA" },
	{ 0x0037, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_DH_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x0038, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA" },
	{ 0x0039, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x003a, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_DH_anon_WITH_AES_256_CBC_SHA" },
	{ 0x003b, false, C_NULL, M_SHA256, false, 0, "TLS_RSA_WITH_NULL_SHA256" },
	{ 0x003c, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x003d, false, C_AES256_CBC, M_SHA256, false, 0, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x003e, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256" },
	{ 0x003f, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x0040, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256" },
	{ 0x0041, false, C_CAMELLIA128_CBC, M_SHA1, false, 0, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0042, false, C_CAMELLIA128_CBC, M_SHA1, false, 0, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0043, false, C_CAMELLIA128_CBC, M_SHA1, false, 0, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0044, false, C_CAMELLIA128_CBC, M_SHA1, false, 0, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0045, false, C_CAMELLIA128_CBC, M_SHA1, false, 0, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0046, false, C_CAMELLIA128_CBC, M_SHA1, false, 0, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0066, false, C_RC4, M_SHA1, false, 0, "TLS_DHE_DSS_WITH_RC4_128_SHA" },
	{ 0x0067, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x0068, false, C_AES256_CBC, M_SHA256, false, 0, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256" },
	{ 0x0069, false, C_AES256_CBC, M_SHA256, false, 0, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x006a, false, C_AES256_CBC, M_SHA256, false, 0, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256" },
	{ 0x006b, false, C_AES256_CBC, M_SHA256, false, 0, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x006c, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_DH_anon_WITH_AES_128_CBC_SHA256" },
	{ 0x006d, false, C_AES256_CBC, M_SHA256, false, 0, "TLS_DH_anon_WITH_AES_256_CBC_SHA256" },
	{ 0x0084, false, C_CAMELLIA256_CBC, M_SHA1, false, 0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0085, false, C_CAMELLIA256_CBC, M_SHA1, false, 0, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0086, false, C_CAMELLIA256_CBC, M_SHA1, false, 0, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0087, false, C_CAMELLIA256_CBC, M_SHA1, false, 0, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0088, false, C_CAMELLIA256_CBC, M_SHA1, false, 0, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0089, false, C_CAMELLIA256_CBC, M_SHA1, false, 0, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x008a, false, C_RC4, M_SHA1, false, 0, "TLS_PSK_WITH_RC4_128_SHA" },
	{ 0x008b, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_PSK_WITH_3DES_EDE_CBC_SHA" },
	{ 0x008c, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_PSK_WITH_AES_128_CBC_SHA" },
	{ 0x008d, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_PSK_WITH_AES_256_CBC_SHA" },
	{ 0x008e, false, C_RC4, M_SHA1, false, 0, "TLS_DHE_PSK_WITH_RC4_128_SHA" },
	{ 0x008f, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0090, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA" },
	{ 0x0091, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA" },
	{ 0x0092, false, C_RC4, M_SHA1, false, 0, "TLS_RSA_PSK_WITH_RC4_128_SHA" },
	{ 0x0093, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0094, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA" },
	{ 0x0095, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA" },
	{ 0x0096, false, C_SEED_CBC, M_SHA1, false, 0, "TLS_RSA_WITH_SEED_CBC_SHA" },
	{ 0x0097, false, C_SEED_CBC, M_SHA1, false, 0, "TLS_DH_DSS_WITH_SEED_CBC_SHA" },
	{ 0x0098, false, C_SEED_CBC, M_SHA1, false, 0, "TLS_DH_RSA_WITH_SEED_CBC_SHA" },
	{ 0x0099, false, C_SEED_CBC, M_SHA1, false, 0, "TLS_DHE_DSS_WITH_SEED_CBC_SHA" },
	{ 0x009a, false, C_SEED_CBC, M_SHA1, false, 0, "TLS_DHE_RSA_WITH_SEED_CBC_SHA" },
	{ 0x009b, false, C_SEED_CBC, M_SHA1, false, 0, "TLS_DH_anon_WITH_SEED_CBC_SHA" },
	{ 0x009c, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009d, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x009e, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009f, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x00a0, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x00a1, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x00a2, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256" },
	{ 0x00a3, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384" },
	{ 0x00a4, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256" },
	{ 0x00a5, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384" },
	{ 0x00a6, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_DH_anon_WITH_AES_128_GCM_SHA256" },
	{ 0x00a7, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_DH_anon_WITH_AES_256_GCM_SHA384" },
	{ 0x00a8, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0x00a9, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0x00aa, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0x00ab, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0x00ac, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0x00ad, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0x00ae, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0x00af, false, C_AES256_CBC, M_SHA384, true, 0, "TLS_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0x00b0, false, C_NULL, M_SHA256, false, 0, "TLS_PSK_WITH_NULL_SHA256" },
	{ 0x00b1, false, C_NULL, M_SHA384, true, 0, "TLS_PSK_WITH_NULL_SHA384" },
	{ 0x00b2, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0x00b3, false, C_AES256_CBC, M_SHA384, true, 0, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0x00b4, false, C_NULL, M_SHA256, false, 0, "TLS_DHE_PSK_WITH_NULL_SHA256" },
	{ 0x00b5, false, C_NULL, M_SHA384, true, 0, "TLS_DHE_PSK_WITH_NULL_SHA384" },
	{ 0x00b6, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0x00b7, false, C_AES256_CBC, M_SHA384, true, 0, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0x00b8, false, C_NULL, M_SHA256, false, 0, "TLS_RSA_PSK_WITH_NULL_SHA256" },
	{ 0x00b9, false, C_NULL, M_SHA384, true, 0, "TLS_RSA_PSK_WITH_NULL_SHA384" },
	{ 0x00ba, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00bb, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00bc, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00bd, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00be, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00bf, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00c0, false, C_CAMELLIA256_CBC, M_SHA256, false, 0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00c1, false, C_CAMELLIA256_CBC, M_SHA256, false, 0, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00c2, false, C_CAMELLIA256_CBC, M_SHA256, false, 0, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00c3, false, C_CAMELLIA256_CBC, M_SHA256, false, 0, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00c4, false, C_CAMELLIA256_CBC, M_SHA256, false, 0, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00c5, false, C_CAMELLIA256_CBC, M_SHA256, false, 0, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x1301, true, C_AES128_GCM, M_AEAD, false, 0, "TLS_AES_128_GCM_SHA256" },
	{ 0x1302, true, C_AES256_GCM, M_AEAD, true, 0, "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, true, C_CHACHA20, M_AEAD, false, 0, "TLS_CHACHA20_POLY1305_SHA256" },
	{ 0x1304, true, C_AES128_CCM, M_AEAD, false, 0, "TLS_AES_128_CCM_SHA256" },
	{ 0x1305, true, C_AES128_CCM8, M_AEAD, false, 0, "TLS_AES_128_CCM_8_SHA256" },
	{ 0xc001, false, C_NULL, M_SHA1, false, 0, "TLS_ECDH_ECDSA_WITH_NULL_SHA" },
	{ 0xc002, false, C_RC4, M_SHA1, false, 0, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA" },
	{ 0xc003, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc004, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xc005, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xc006, false, C_NULL, M_SHA1, false, 0, "TLS_ECDHE_ECDSA_WITH_NULL_SHA" },
	{ 0xc007, false, C_RC4, M_SHA1, false, 0, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA" },
	{ 0xc008, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc009, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xc00a, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xc00b, false, C_NULL, M_SHA1, false, 0, "TLS_ECDH_RSA_WITH_NULL_SHA" },
	{ 0xc00c, false, C_RC4, M_SHA1, false, 0, "TLS_ECDH_RSA_WITH_RC4_128_SHA" },
	{ 0xc00d, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc00e, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xc00f, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xc010, false, C_NULL, M_SHA1, false, 0, "TLS_ECDHE_RSA_WITH_NULL_SHA" },
	{ 0xc011, false, C_RC4, M_SHA1, false, 0, "TLS_ECDHE_RSA_WITH_RC4_128_SHA" },
	{ 0xc012, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc013, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xc014, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xc015, false, C_NULL, M_SHA1, false, 0, "TLS_ECDH_anon_WITH_NULL_SHA" },
	{ 0xc016, false, C_RC4, M_SHA1, false, 0, "TLS_ECDH_anon_WITH_RC4_128_SHA" },
	{ 0xc017, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc018, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA" },
	{ 0xc019, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA" },
	{ 0xc01a, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc01b, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc01c, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc01d, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA" },
	{ 0xc01e, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xc01f, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA" },
	{ 0xc020, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA" },
	{ 0xc021, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xc022, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA" },
	{ 0xc023, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc024, false, C_AES256_CBC, M_SHA384, true, 0, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc025, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc026, false, C_AES256_CBC, M_SHA384, true, 0, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc027, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc028, false, C_AES256_CBC, M_SHA384, true, 0, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc029, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc02a, false, C_AES256_CBC, M_SHA384, true, 0, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc02b, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc02c, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc02d, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc02e, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc02f, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc030, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc031, false, C_AES128_GCM, M_AEAD, false, 0, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc032, false, C_AES256_GCM, M_AEAD, true, 0, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc033, false, C_RC4, M_SHA1, false, 0, "TLS_ECDHE_PSK_WITH_RC4_128_SHA" },
	{ 0xc034, false, C_3DES_CBC, M_SHA1, false, 0, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc035, false, C_AES128_CBC, M_SHA1, false, 0, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA" },
	{ 0xc036, false, C_AES256_CBC, M_SHA1, false, 0, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA" },
	{ 0xc037, false, C_AES128_CBC, M_SHA256, false, 0, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0xc038, false, C_AES256_CBC, M_SHA384, true, 0, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0xc039, false, C_NULL, M_SHA1, false, 0, "TLS_ECDHE_PSK_WITH_NULL_SHA" },
	{ 0xc03a, false, C_NULL, M_SHA256, false, 0, "TLS_ECDHE_PSK_WITH_NULL_SHA256" },
	{ 0xc03b, false, C_NULL, M_SHA384, true, 0, "TLS_ECDHE_PSK_WITH_NULL_SHA384" },
	{ 0xc050, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc051, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc052, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc053, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc054, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc055, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc056, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc057, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc058, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc059, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc05a, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc05b, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc05c, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc05d, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc05e, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc05f, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc060, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc061, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc062, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc063, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc06a, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_PSK_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc06b, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_PSK_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc06c, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc06d, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc06e, false, C_ARIA128_GCM, M_AEAD, false, 0, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc06f, false, C_ARIA256_GCM, M_AEAD, true, 0, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc072, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc073, false, C_CAMELLIA256_CBC, M_SHA384, true, 0, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc074, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc075, false, C_CAMELLIA256_CBC, M_SHA384, true, 0, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc076, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc077, false, C_CAMELLIA256_CBC, M_SHA384, true, 0, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc078, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc079, false, C_CAMELLIA256_CBC, M_SHA384, true, 0, "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc094, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc095, false, C_CAMELLIA256_CBC, M_SHA384, true, 0, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc096, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc097, false, C_CAMELLIA256_CBC, M_SHA384, true, 0, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc098, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc099, false, C_CAMELLIA256_CBC, M_SHA384, true, 0, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc09a, false, C_CAMELLIA128_CBC, M_SHA256, false, 0, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc09b, false, C_CAMELLIA256_CBC, M_SHA384, true, 0, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc09c, false, C_AES128_CCM, M_AEAD, false, 0, "TLS_RSA_WITH_AES_128_CCM" },
	{ 0xc09d, false, C_AES256_CCM, M_AEAD, false, 0, "TLS_RSA_WITH_AES_256_CCM" },
	{ 0xc09e, false, C_AES128_CCM, M_AEAD, false, 0, "TLS_DHE_RSA_WITH_AES_128_CCM" },
	{ 0xc09f, false, C_AES256_CCM, M_AEAD, false, 0, "TLS_DHE_RSA_WITH_AES_256_CCM" },
	{ 0xc0a0, false, C_AES128_CCM8, M_AEAD, false, 0, "TLS_RSA_WITH_AES_128_CCM_8" },
	{ 0xc0a1, false, C_AES256_CCM8, M_AEAD, false, 0, "TLS_RSA_WITH_AES_256_CCM_8" },
	{ 0xc0a2, false, C_AES128_CCM8, M_AEAD, false, 0, "TLS_DHE_RSA_WITH_AES_128_CCM_8" },
	{ 0xc0a3, false, C_AES256_CCM8, M_AEAD, false, 0, "TLS_DHE_RSA_WITH_AES_256_CCM_8" },
	{ 0xc0a4, false, C_AES128_CCM, M_AEAD, false, 0, "TLS_PSK_WITH_AES_128_CCM" },
	{ 0xc0a5, false, C_AES256_CCM, M_AEAD, false, 0, "TLS_PSK_WITH_AES_256_CCM" },
	{ 0xc0a6, false, C_AES128_CCM, M_AEAD, false, 0, "TLS_DHE_PSK_WITH_AES_128_CCM" },
	{ 0xc0a7, false, C_AES256_CCM, M_AEAD, false, 0, "TLS_DHE_PSK_WITH_AES_256_CCM" },
	{ 0xc0a8, false, C_AES128_CCM8, M_AEAD, false, 0, "TLS_PSK_WITH_AES_128_CCM_8" },
	{ 0xc0a9, false, C_AES256_CCM8, M_AEAD, false, 0, "TLS_PSK_WITH_AES_256_CCM_8" },
	{ 0xc0aa, false, C_AES128_CCM8, M_AEAD, false, 0, "TLS_PSK_DHE_WITH_AES_128_CCM_8" },
	{ 0xc0ab, false, C_AES256_CCM8, M_AEAD, false, 0, "TLS_PSK_DHE_WITH_AES_256_CCM_8" },
	{ 0xc0ac, false, C_AES128_CCM, M_AEAD, false, 0, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM" },
	{ 0xc0ad, false, C_AES256_CCM, M_AEAD, false, 0, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM" },
	{ 0xc0ae, false, C_AES128_CCM8, M_AEAD, false, 0, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" },
	{ 0xc0af, false, C_AES256_CCM8, M_AEAD, false, 0, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8" },
	{ 0xcca8, false, C_CHACHA20, M_AEAD, false, 0, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xcca9, false, C_CHACHA20, M_AEAD, false, 0, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccaa, false, C_CHACHA20, M_AEAD, false, 0, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccab, false, C_CHACHA20, M_AEAD, false, 0, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccac, false, C_CHACHA20, M_AEAD, false, 0, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccad, false, C_CHACHA20, M_AEAD, false, 0, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccae, false, C_CHACHA20, M_AEAD, false, 0, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256" },
};

static const struct cipher_info {
	const char *evp;   /* OpenSSL's name; NULL for the NULL cipher */
	uint8_t mode;      /* enum cipher_mode */
	uint8_t key_len;
	uint8_t block;     /* CBC block; AEAD tag length */
	bool legacy;       /* in OpenSSL 3's legacy provider */
} ciphers[] = {
	[C_NULL] = { NULL, MODE_NULL, 0, 0, false },
	[C_RC4] = { "RC4", MODE_STREAM, 16, 0, true },
	[C_RC2_CBC] = { "RC2-CBC", MODE_CBC, 16, 8, true },
	[C_DES_CBC] = { "DES-CBC", MODE_CBC, 8, 8, true },
	[C_3DES_CBC] = { "DES-EDE3-CBC", MODE_CBC, 24, 8, false },
	[C_IDEA_CBC] = { "IDEA-CBC", MODE_CBC, 16, 8, true },
	[C_SEED_CBC] = { "SEED-CBC", MODE_CBC, 16, 16, true },
	[C_AES128_CBC] = { "AES-128-CBC", MODE_CBC, 16, 16, false },
	[C_AES256_CBC] = { "AES-256-CBC", MODE_CBC, 32, 16, false },
	[C_CAMELLIA128_CBC] = { "CAMELLIA-128-CBC", MODE_CBC, 16, 16, false },
	[C_CAMELLIA256_CBC] = { "CAMELLIA-256-CBC", MODE_CBC, 32, 16, false },
	[C_AES128_GCM] = { "AES-128-GCM", MODE_GCM, 16, 16, false },
	[C_AES256_GCM] = { "AES-256-GCM", MODE_GCM, 32, 16, false },
	[C_ARIA128_GCM] = { "ARIA-128-GCM", MODE_GCM, 16, 16, false },
	[C_ARIA256_GCM] = { "ARIA-256-GCM", MODE_GCM, 32, 16, false },
	[C_AES128_CCM] = { "AES-128-CCM", MODE_CCM, 16, 16, false },
	[C_AES256_CCM] = { "AES-256-CCM", MODE_CCM, 32, 16, false },
	[C_AES128_CCM8] = { "AES-128-CCM", MODE_CCM, 16, 8, false },
	[C_AES256_CCM8] = { "AES-256-CCM", MODE_CCM, 32, 8, false },
	[C_CHACHA20] = { "ChaCha20-Poly1305", MODE_CHACHA, 32, 16, false },
};

const struct tls_suite *tls_suite_find(uint16_t id)
{
	size_t lo = 0, hi = sizeof(suites) / sizeof(suites[0]);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (suites[mid].id == id)
			return &suites[mid];
		if (suites[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *tls_suite_name(uint16_t id)
{
	const struct tls_suite *s = tls_suite_find(id);
	return s ? s->name : NULL;
}

enum cipher_mode tls_suite_mode(const struct tls_suite *s) { return (enum cipher_mode)ciphers[s->cipher].mode; }

size_t tls_suite_tag_len(const struct tls_suite *s)
{
	enum cipher_mode m = tls_suite_mode(s);
	return m == MODE_GCM || m == MODE_CCM || m == MODE_CHACHA ? ciphers[s->cipher].block : 0;
}

/* RC4, RC2, DES and SEED: OpenSSL 3's legacy provider, in a library context
 * of its own so that loading it changes nothing for the rest of the
 * process.  NULL when the provider cannot be loaded. */
static OSSL_LIB_CTX *legacy_ctx;
static CRYPTO_ONCE legacy_once = CRYPTO_ONCE_STATIC_INIT;

static void legacy_init(void)
{
	OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();
	if (ctx && OSSL_PROVIDER_load(ctx, "legacy") && OSSL_PROVIDER_load(ctx, "default"))
		legacy_ctx = ctx;
	else
		OSSL_LIB_CTX_free(ctx);
}

static EVP_CIPHER *fetch_cipher(const char *name, bool legacy)
{
	OSSL_LIB_CTX *ctx = NULL;
	if (legacy) {
		if (!CRYPTO_THREAD_run_once(&legacy_once, legacy_init) || !legacy_ctx)
			return NULL;
		ctx = legacy_ctx;
	}
	return EVP_CIPHER_fetch(ctx, name, NULL);
}

bool tls_suite_available(const struct tls_suite *s)
{
	const struct cipher_info *ci = &ciphers[s->cipher];
	if (!ci->evp)
		return true;
	EVP_CIPHER *c = fetch_cipher(ci->evp, ci->legacy);
	EVP_CIPHER_free(c);
	return c != NULL;
}

static const char *digest_name(const struct tls_suite *s) { return s->sha384 ? "SHA384" : "SHA256"; }

/* OpenSSL's key derivation `name` with params into out[len]. */
static bool kdf_derive(const char *name, const OSSL_PARAM *params, uint8_t *out, size_t len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	bool ok = kctx && EVP_KDF_derive(kctx, out, len, params) > 0;
	EVP_KDF_CTX_free(kctx);
	return ok;
}

/* PRF(secret, label, seed1 + seed2) of RFC 2246 / RFC 5246 5 with the
 * given digest ("MD5-SHA1" for TLS 1.0 and 1.1). */
static bool tls1_prf(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
		     const uint8_t *seed1, const uint8_t *seed2, uint8_t *out, size_t out_len)
{
	static const uint8_t none[1];
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
		/* an empty secret (the export IV block) still needs a non-NULL pointer */
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)(secret_len ? secret : none),
						  secret_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed1, 32),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed2, 32),
		OSSL_PARAM_construct_end(),
	};
	return kdf_derive("TLS1-PRF", params, out, out_len);
}

/* HKDF-Expand-Label(secret, label, "", len) of RFC 8446 7.1. */
static bool hkdf_expand_label(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
			      uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t ll = 6 + strlen(label), n = 0;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)ll;
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label, strlen(label));
	n += ll;
	info[n++] = 0; /* empty context */
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
		OSSL_PARAM_construct_end(),
	};
	return kdf_derive("HKDF", params, out, out_len);
}

/* One digest over up to four pieces (NULL-terminated early). */
static bool digest4(const EVP_MD *md, const void *a, size_t al, const void *b, size_t bl, const void *c, size_t cl,
		    const void *d, size_t dl, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) > 0 && EVP_DigestUpdate(ctx, a, al) > 0 &&
		  (!b || EVP_DigestUpdate(ctx, b, bl) > 0) && (!c || EVP_DigestUpdate(ctx, c, cl) > 0) &&
		  (!d || EVP_DigestUpdate(ctx, d, dl) > 0) && EVP_DigestFinal_ex(ctx, out, NULL) > 0;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* SSL 3.0 key block (RFC 6101 6.2.2): MD5(master + SHA1("A" + master +
 * server_random + client_random)) + MD5(master + SHA1("BB" + ...)) + ... */
static bool ssl3_key_block(const uint8_t master[48], const uint8_t cr[32], const uint8_t sr[32], uint8_t *out,
			   size_t len)
{
	uint8_t letters[16], sha[20], md5[16];
	for (size_t off = 0, i = 1; off < len; off += 16, i++) {
		if (i > sizeof(letters))
			return false;
		memset(letters, (int)('A' + i - 1), i);
		if (!digest4(EVP_sha1(), letters, i, master, 48, sr, 32, cr, 32, sha) ||
		    !digest4(EVP_md5(), master, 48, sha, 20, NULL, 0, NULL, 0, md5))
			return false;
		memcpy(out + off, md5, len - off < 16 ? len - off : 16);
	}
	OPENSSL_cleanse(sha, sizeof(sha));
	OPENSSL_cleanse(md5, sizeof(md5));
	return true;
}

static const char *mac_digest(enum mac_kind m)
{
	return m == M_MD5 ? "MD5" : m == M_SHA1 ? "SHA1" : m == M_SHA256 ? "SHA256" : "SHA384";
}

static size_t mac_size(enum mac_kind m)
{
	return m == M_MD5 ? 16 : m == M_SHA1 ? 20 : m == M_SHA256 ? 32 : m == M_SHA384 ? 48 : 0;
}

static bool set_cipher(struct tls_keys *k, const struct cipher_info *ci, const uint8_t *key, const uint8_t *iv)
{
	if (!ci->evp)
		return true; /* NULL cipher */
	EVP_CIPHER *c = fetch_cipher(ci->evp, ci->legacy);
	if (!k->cipher)
		k->cipher = EVP_CIPHER_CTX_new();
	bool ok = c && k->cipher && EVP_DecryptInit_ex(k->cipher, c, NULL, NULL, NULL) > 0 &&
		  EVP_CIPHER_CTX_set_key_length(k->cipher, ci->key_len) > 0;
	EVP_CIPHER_free(c); /* the context keeps its own reference */
	if (ok && ci->mode == MODE_CCM) /* tag length before the key (RFC 6655: 12-byte nonce) */
		ok = EVP_CIPHER_CTX_ctrl(k->cipher, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) > 0 &&
		     EVP_CIPHER_CTX_ctrl(k->cipher, EVP_CTRL_AEAD_SET_TAG, ci->block, NULL) > 0;
	if (ok)
		ok = EVP_DecryptInit_ex(k->cipher, NULL, NULL, key, ci->mode == MODE_STREAM ? iv : NULL) > 0;
	if (ok && ci->mode == MODE_CBC)
		ok = EVP_CIPHER_CTX_set_padding(k->cipher, 0) > 0; /* TLS padding is checked here */
	return ok;
}

/* TLS 1.3: key and IV from the current traffic secret. */
static bool tls13_keys(struct tls_keys *k, const struct tls_suite *s)
{
	uint8_t key[32];
	const char *dg = digest_name(s);
	const struct cipher_info *ci = &ciphers[s->cipher];
	if (!hkdf_expand_label(dg, k->secret, k->secret_len, "key", key, ci->key_len) ||
	    !hkdf_expand_label(dg, k->secret, k->secret_len, "iv", k->iv, 12) || !set_cipher(k, ci, key, NULL))
		return false;
	memcpy(k->key, key, sizeof(key));
	k->peek_ready = false; /* a new key (handshake, traffic, KeyUpdate) */
	OPENSSL_cleanse(key, sizeof(key));
	k->seq = 0;
	k->ready = true;
	return true;
}

bool tls_keys_tls13(struct tls_keys *k, const struct tls_suite *s, const uint8_t *secret, size_t len)
{
	if (!len || len > sizeof(k->secret))
		return false;
	memcpy(k->secret, secret, len);
	k->secret_len = len;
	return tls13_keys(k, s);
}

bool tls_keys_update(struct tls_keys *k, const struct tls_suite *s)
{
	uint8_t next[KEYLOG_SECRET_MAX];
	if (!hkdf_expand_label(digest_name(s), k->secret, k->secret_len, "traffic upd", next, k->secret_len))
		return false;
	memcpy(k->secret, next, k->secret_len);
	OPENSSL_cleanse(next, sizeof(next));
	return tls13_keys(k, s);
}

/* Export suites (RFC 2246 6.3, RFC 6101 6.2.2): the key block holds 5
 * secret bytes per key; the write keys and CBC IVs are derived from them
 * and the randoms.  keys[2] / ivs[2] are replaced in place. */
static bool export_keys(const struct cipher_info *ci, const struct tls_suite *s, uint16_t version,
			const uint8_t *secret[2], uint8_t keys[2][32], uint8_t ivs[2][16], const uint8_t cr[32],
			const uint8_t sr[32])
{
	size_t blk = ci->mode == MODE_CBC ? ci->block : 0;
	if (version == 0x0300) { /* MD5(key + randoms), the writer's random first */
		uint8_t md5[16];
		for (int i = 0; i < 2; i++) {
			const uint8_t *r1 = i ? sr : cr, *r2 = i ? cr : sr;
			if (!digest4(EVP_md5(), secret[i], s->export_key, r1, 32, r2, 32, NULL, 0, md5))
				return false;
			memcpy(keys[i], md5, ci->key_len < 16 ? ci->key_len : 16);
			if (blk && !digest4(EVP_md5(), r1, 32, r2, 32, NULL, 0, NULL, 0, md5))
				return false;
			memcpy(ivs[i], md5, blk);
		}
		OPENSSL_cleanse(md5, sizeof(md5));
		return true;
	}
	const char *dg = version >= 0x0303 ? digest_name(s) : "MD5-SHA1";
	uint8_t block[32];
	if (!tls1_prf(dg, secret[0], s->export_key, "client write key", cr, sr, keys[0], ci->key_len) ||
	    !tls1_prf(dg, secret[1], s->export_key, "server write key", cr, sr, keys[1], ci->key_len))
		return false;
	if (blk) {
		if (!tls1_prf(dg, NULL, 0, "IV block", cr, sr, block, 2 * blk))
			return false;
		memcpy(ivs[0], block, blk);
		memcpy(ivs[1], block + blk, blk);
	}
	return true;
}

bool tls_keys_tls12(struct tls_keys *client, struct tls_keys *server, const struct tls_suite *s, uint16_t version,
		    const uint8_t master[48], const uint8_t client_random[32], const uint8_t server_random[32])
{
	const struct cipher_info *ci = &ciphers[s->cipher];
	size_t mac = mac_size(s->mac), key = s->export_key ? s->export_key : ci->key_len;
	size_t iv = ci->mode == MODE_GCM || ci->mode == MODE_CCM ? 4
		    : ci->mode == MODE_CHACHA			     ? 12
		    : ci->mode == MODE_CBC && !s->export_key && version <= 0x0301 ? ci->block
										   : 0;
	uint8_t block[2 * (48 + 32 + 16)];
	bool ok;
	if (version == 0x0300)
		ok = s->mac == M_MD5 || s->mac == M_SHA1 ? ssl3_key_block(master, client_random, server_random, block,
									   2 * (mac + key + iv))
							 : false; /* SSL 3.0 knows no other MAC */
	else
		ok = tls1_prf(version >= 0x0303 ? digest_name(s) : "MD5-SHA1", master, 48, "key expansion",
			      server_random, client_random, block, 2 * (mac + key + iv));
	if (!ok)
		return false;
	uint8_t keys[2][32], ivs[2][16];
	const uint8_t *secret[2] = { block + 2 * mac, block + 2 * mac + key };
	for (int i = 0; i < 2; i++) {
		memcpy(keys[i], secret[i], key);
		memcpy(ivs[i], block + 2 * (mac + key) + i * iv, iv);
	}
	if (s->export_key && !export_keys(ci, s, version, secret, keys, ivs, client_random, server_random))
		return false;
	struct tls_keys *ks[2] = { client, server };
	for (int i = 0; i < 2 && ok; i++) {
		struct tls_keys *k = ks[i];
		const uint8_t *mk = block + i * mac;
		memcpy(k->iv, ivs[i], sizeof(k->iv));
		k->mac_len = mac;
		ok = set_cipher(k, ci, keys[i], ivs[i]);
		if (ok && mac && version == 0x0300) {
			memcpy(k->mac_key, mk, mac);
		} else if (ok && mac) {
			EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
			k->mac = m ? EVP_MAC_CTX_new(m) : NULL;
			EVP_MAC_free(m);
			OSSL_PARAM params[] = {
				OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)mac_digest(s->mac), 0),
				OSSL_PARAM_construct_end(),
			};
			ok = k->mac && EVP_MAC_init(k->mac, mk, mac, params) > 0;
		}
		k->ready = ok;
	}
	OPENSSL_cleanse(block, sizeof(block));
	OPENSSL_cleanse(keys, sizeof(keys));
	return ok;
}

void tls_keys_unchecked(struct tls_keys *client, struct tls_keys *server, const struct tls_suite *s)
{
	struct tls_keys *ks[2] = { client, server };
	for (int i = 0; i < 2; i++) {
		ks[i]->mac_len = mac_size(s->mac);
		ks[i]->mac_unchecked = true;
		ks[i]->ready = true;
	}
}

void tls_keys_free(struct tls_keys *k)
{
	EVP_CIPHER_CTX_free(k->cipher);
	EVP_CIPHER_CTX_free(k->peek);
	EVP_MAC_CTX_free(k->mac);
	OPENSSL_cleanse(k, sizeof(*k));
}


static void put_seq(uint8_t out[8], uint64_t seq)
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		out[i] = (uint8_t)seq;
}

/* AEAD open: nonce 12 bytes; in holds ciphertext then the tag.  Returns
 * the plaintext length or -1. */
static long aead_open(struct tls_keys *k, enum cipher_mode mode, size_t tag, const uint8_t nonce[12],
		      const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out)
{
	int n = 0, fin = 0;
	if (in_len < tag || in_len - tag > 1u << 24)
		return -1;
	size_t ct = in_len - tag;
	if (mode == MODE_CCM) { /* CCM: the tag first, the length before the AAD, one update */
		if (EVP_CIPHER_CTX_ctrl(k->cipher, EVP_CTRL_AEAD_SET_TAG, (int)tag, (void *)(in + ct)) <= 0 ||
		    EVP_DecryptInit_ex(k->cipher, NULL, NULL, NULL, nonce) <= 0 ||
		    EVP_DecryptUpdate(k->cipher, NULL, &n, NULL, (int)ct) <= 0 ||
		    EVP_DecryptUpdate(k->cipher, NULL, &n, aad, (int)aad_len) <= 0 ||
		    EVP_DecryptUpdate(k->cipher, out, &n, in, (int)ct) <= 0)
			return -1;
		return n;
	}
	if (EVP_DecryptInit_ex(k->cipher, NULL, NULL, NULL, nonce) <= 0 ||
	    EVP_DecryptUpdate(k->cipher, NULL, &n, aad, (int)aad_len) <= 0 ||
	    EVP_DecryptUpdate(k->cipher, out, &n, in, (int)ct) <= 0 ||
	    EVP_CIPHER_CTX_ctrl(k->cipher, EVP_CTRL_AEAD_SET_TAG, (int)tag, (void *)(in + ct)) <= 0 ||
	    EVP_DecryptFinal_ex(k->cipher, out + n, &fin) <= 0)
		return -1;
	return (long)n + fin;
}

static void xor_seq(uint8_t nonce[12], const uint8_t iv[12], uint64_t seq)
{
	memcpy(nonce, iv, 12);
	for (int i = 11; i >= 4; i--, seq >>= 8)
		nonce[i] ^= (uint8_t)seq;
}

/* The record MAC over (seq, type, [version,] length, data): HMAC, or SSL
 * 3.0's hash(key + pad2 + hash(key + pad1 + seq + type + length + data)). */
static bool mac_ok(struct tls_keys *k, uint16_t version, const uint8_t *rec, const uint8_t *data, size_t len,
		   const uint8_t *want)
{
	uint8_t hdr[13], got[64];
	size_t n = 0;
	put_seq(hdr, k->seq);
	hdr[8] = rec[0];
	hdr[9] = rec[1];
	hdr[10] = rec[2];
	hdr[11] = (uint8_t)(len >> 8);
	hdr[12] = (uint8_t)len;
	if (version == 0x0300) {
		uint8_t pad[48];
		const EVP_MD *md = k->mac_len == 16 ? EVP_md5() : EVP_sha1();
		size_t pl = k->mac_len == 16 ? 48 : 40;
		hdr[9] = hdr[11], hdr[10] = hdr[12]; /* no version in SSL 3.0's MAC */
		memset(pad, 0x36, pl);
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) > 0 && EVP_DigestUpdate(ctx, k->mac_key, k->mac_len) > 0 &&
			  EVP_DigestUpdate(ctx, pad, pl) > 0 && EVP_DigestUpdate(ctx, hdr, 11) > 0 &&
			  EVP_DigestUpdate(ctx, data, len) > 0 && EVP_DigestFinal_ex(ctx, got, NULL) > 0;
		EVP_MD_CTX_free(ctx);
		memset(pad, 0x5c, pl);
		ok = ok && digest4(md, k->mac_key, k->mac_len, pad, pl, got, k->mac_len, NULL, 0, got);
		return ok && CRYPTO_memcmp(got, want, k->mac_len) == 0;
	}
	if (EVP_MAC_init(k->mac, NULL, 0, NULL) <= 0 || EVP_MAC_update(k->mac, hdr, 13) <= 0 ||
	    EVP_MAC_update(k->mac, data, len) <= 0 || EVP_MAC_final(k->mac, got, &n, sizeof(got)) <= 0)
		return false;
	return n == k->mac_len && CRYPTO_memcmp(got, want, n) == 0;
}

/* Stream (RC4) and NULL ciphers: the whole record, then the MAC. */
static long stream_open(struct tls_keys *k, uint16_t version, const uint8_t *rec, size_t len, uint8_t *out)
{
	const uint8_t *body = rec + REC_HEADER;
	int n = (int)len;
	if (len < k->mac_len)
		return -1;
	if (!k->cipher)
		memcpy(out, body, len);
	else if (EVP_DecryptUpdate(k->cipher, out, &n, body, (int)len) <= 0 || n != (int)len)
		return -1;
	size_t pt = len - k->mac_len;
	if (k->mac_unchecked)
		return (long)pt;
	return mac_ok(k, version, rec, out, pt, out + pt) ? (long)pt : -1;
}

/* CBC record, MAC-then-encrypt or encrypt-then-MAC.  SSL 3.0 and TLS 1.0
 * chain the IV across records; later versions send it in each record. */
static long cbc_open(struct tls_keys *k, size_t blk, uint16_t version, bool etm, const uint8_t *rec, size_t len,
		     uint8_t *out)
{
	const uint8_t *body = rec + REC_HEADER;
	size_t mac = k->mac_len, explicit_iv = version >= 0x0302 ? blk : 0;
	if (etm) {
		if (len < explicit_iv + blk + mac)
			return -1;
		size_t ct = len - mac;
		if (!mac_ok(k, version, rec, body, ct, body + ct))
			return -1;
		len = ct;
	}
	if (len < explicit_iv + blk || (len - explicit_iv) % blk)
		return -1;
	const uint8_t *iv = explicit_iv ? body : k->iv;
	size_t ct = len - explicit_iv;
	int n = 0, fin = 0;
	if (EVP_DecryptInit_ex(k->cipher, NULL, NULL, NULL, iv) <= 0 ||
	    EVP_DecryptUpdate(k->cipher, out, &n, body + explicit_iv, (int)ct) <= 0 ||
	    EVP_DecryptFinal_ex(k->cipher, out + n, &fin) <= 0)
		return -1;
	if (!explicit_iv)
		memcpy(k->iv, body + len - blk, blk);
	size_t pad = out[ct - 1];
	if (pad + 1 > ct)
		return -1;
	if (version == 0x0300) { /* SSL 3.0: padding shorter than a block, its bytes arbitrary */
		if (pad >= blk)
			return -1;
	} else {
		for (size_t i = 0; i <= pad; i++)
			if (out[ct - 1 - i] != pad)
				return -1;
	}
	size_t pt = ct - pad - 1;
	if (etm)
		return (long)pt;
	if (pt < mac)
		return -1;
	pt -= mac;
	return mac_ok(k, version, rec, out, pt, out + pt) ? (long)pt : -1;
}

static void aead_header(uint8_t aad[13], uint64_t seq, const uint8_t *rec, size_t len)
{
	put_seq(aad, seq);
	aad[8] = rec[0];
	aad[9] = rec[1];
	aad[10] = rec[2];
	aad[11] = (uint8_t)(len >> 8);
	aad[12] = (uint8_t)len;
}

long tls_keys_open(struct tls_keys *k, const struct tls_suite *s, uint16_t version, bool etm, const uint8_t *rec,
		   size_t len, uint8_t *out, uint8_t *type)
{
	const uint8_t *body = rec + REC_HEADER;
	const struct cipher_info *ci = &ciphers[s->cipher];
	enum cipher_mode mode = (enum cipher_mode)ci->mode;
	size_t tag = tls_suite_tag_len(s);
	uint8_t nonce[12], aad[13];
	long n;
	*type = rec[0];
	if (s->tls13) {
		xor_seq(nonce, k->iv, k->seq);
		n = aead_open(k, mode, tag, nonce, rec, REC_HEADER, body, len, out);
		while (n > 0 && out[n - 1] == 0) /* strip padding: the last non-zero byte is the type */
			n--;
		if (n <= 0)
			return -1;
		*type = out[--n];
		return n;
	}
	switch (mode) {
	case MODE_NULL:
	case MODE_STREAM:
		return stream_open(k, version, rec, len, out);
	case MODE_CBC:
		return cbc_open(k, ci->block, version, etm, rec, len, out);
	case MODE_CHACHA:
		if (len < tag)
			return -1;
		xor_seq(nonce, k->iv, k->seq);
		aead_header(aad, k->seq, rec, len - tag);
		return aead_open(k, mode, tag, nonce, aad, 13, body, len, out);
	default: /* GCM and CCM (RFC 5288, RFC 6655): 8-byte explicit nonce, then ciphertext and tag */
		if (len < 8 + tag)
			return -1;
		memcpy(nonce, k->iv, 4);
		memcpy(nonce + 4, body, 8);
		aead_header(aad, k->seq, rec, len - 8 - tag);
		return aead_open(k, mode, tag, nonce, aad, 13, body + 8, len - 8, out);
	}
}

bool tls_keys_peek(struct tls_keys *k, const struct tls_suite *s, const uint8_t *rec, size_t len, size_t *plen,
		   uint8_t *type)
{
	enum cipher_mode mode = tls_suite_mode(s);
	if (len <= TAG_LEN || (mode != MODE_GCM && mode != MODE_CHACHA))
		return false;
	size_t ct = len - TAG_LEN;
	bool chacha = mode == MODE_CHACHA;
	size_t block = chacha ? 64 : 16, b = (ct - 1) / block, off = b * block;
	uint8_t nonce[12], iv[16];
	xor_seq(nonce, k->iv, k->seq);
	if (chacha) { /* RFC 8439: counter 1 is the first plaintext block; 32-bit little-endian, then the nonce */
		uint32_t ctr = (uint32_t)(1 + b);
		for (int i = 0; i < 4; i++)
			iv[i] = (uint8_t)(ctr >> (8 * i));
		memcpy(iv + 4, nonce, 12);
	} else { /* GCM: block i is counter IV || 2 + i (NIST SP 800-38D) */
		uint32_t ctr = (uint32_t)(2 + b);
		memcpy(iv, nonce, 12);
		for (int i = 0; i < 4; i++)
			iv[12 + i] = (uint8_t)(ctr >> (8 * (3 - i)));
	}
	if (!k->peek_ready) {
		const EVP_CIPHER *stream = chacha ? EVP_chacha20()
					   : s->cipher == C_AES128_GCM ? EVP_aes_128_ctr() : EVP_aes_256_ctr();
		if ((!k->peek && !(k->peek = EVP_CIPHER_CTX_new())) ||
		    EVP_DecryptInit_ex(k->peek, stream, NULL, k->key, iv) <= 0)
			return false;
		k->peek_ready = true;
	} else if (EVP_DecryptInit_ex(k->peek, NULL, NULL, NULL, iv) <= 0) {
		return false;
	}
	uint8_t out[64];
	int n = 0;
	if (EVP_DecryptUpdate(k->peek, out, &n, rec + REC_HEADER + off, (int)(ct - off)) <= 0 || n != (int)(ct - off))
		return false;
	while (n > 0 && out[n - 1] == 0)
		n--;
	if (n == 0)
		return false;
	*type = out[n - 1];
	*plen = off + (size_t)n - 1;
	return true;
}
