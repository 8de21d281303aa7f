/* \summary: value validators (see validators.h). */
#include "validators.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool all_digits(const char *v, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	return true;
}

bool valid_luhn(const char *v, size_t n)
{
	if (!all_digits(v, n) || n < 2)
		return false;
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int d = v[n - 1 - i] - '0';
		if (i & 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

static bool one_repeated_digit(const char *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[0])
			return false;
	return true;
}

bool valid_imei(const char *v, size_t n)
{
	return n == 15 && valid_luhn(v, n) && !one_repeated_digit(v, n);
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool valid_date(int y, int m, int d)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= days[m - 1] + (m == 2 && leap(y));
}

bool valid_cn_id(const char *v, size_t n)
{
	static const int weight[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char check[] = "10X98765432";
	if (n != 18 || !all_digits(v, 17))
		return false;
	int y = (v[6] - '0') * 1000 + (v[7] - '0') * 100 + (v[8] - '0') * 10 + (v[9] - '0');
	int m = (v[10] - '0') * 10 + (v[11] - '0');
	int d = (v[12] - '0') * 10 + (v[13] - '0');
	if (v[0] == '0' || !valid_date(y, m, d))
		return false;
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (v[i] - '0') * weight[i];
	return toupper((unsigned char)v[17]) == check[sum % 11];
}

bool valid_cn_mobile(const char *v, size_t n)
{
	char digits[24];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (c == ' ' || c == '-' || (c == '+' && i == 0))
			continue;
		if (c < '0' || c > '9' || k == sizeof(digits))
			return false;
		digits[k++] = c;
	}
	const char *d = digits;
	if (k == 15 && memcmp(d, "0086", 4) == 0)
		d += 4, k -= 4;
	else if (k == 13 && memcmp(d, "86", 2) == 0)
		d += 2, k -= 2;
	return k == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

bool valid_email(const char *v, size_t n)
{
	const char *at = memchr(v, '@', n);
	if (!at || at == v || n > 254)
		return false;
	size_t local = (size_t)(at - v), dom = n - local - 1;
	if (memchr(at + 1, '@', dom) || dom < 3)
		return false;
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)v[i];
		if (!(isalnum(c) || strchr("._%+-!#$&'*/=?^`{|}~", c)) || c == 0)
			return false;
	}
	const char *d = at + 1;
	const char *dot = memrchr(d, '.', dom);
	if (!dot || dot == d || (size_t)(d + dom - dot - 1) < 2)
		return false;
	for (size_t i = 0; i < dom; i++) {
		unsigned char c = (unsigned char)d[i];
		if (!(isalnum(c) || c == '-' || c == '.' || c >= 0x80))
			return false;
	}
	for (const char *p = dot + 1; p < d + dom; p++)
		if (!isalpha((unsigned char)*p))
			return false;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool valid_mac(const char *v, size_t n)
{
	if (n != 17)
		return false;
	char sep = v[2];
	if (sep != ':' && sep != '-')
		return false;
	int zero = 0, ff = 0;
	for (int i = 0; i < 6; i++) {
		const char *o = v + 3 * i;
		if (i < 5 && o[2] != sep)
			return false;
		int hi = hexval(o[0]), lo = hexval(o[1]);
		if (hi < 0 || lo < 0)
			return false;
		int b = hi << 4 | lo;
		zero += b == 0;
		ff += b == 0xff;
	}
	return zero != 6 && ff != 6;
}

/* A decimal number; returns false unless the whole text is one.  *decimals
 * is the number of digits after the point. */
static bool parse_decimal(const char *v, size_t n, double *out, int *decimals)
{
	if (n == 0 || n > 32)
		return false;
	char buf[40];
	size_t i = 0, k = 0;
	int dec = -1;
	if (v[0] == '-' || v[0] == '+')
		buf[k++] = v[i++];
	bool digits = false;
	for (; i < n; i++) {
		char c = v[i];
		if (c >= '0' && c <= '9') {
			digits = true;
			if (dec >= 0)
				dec++;
		} else if (c == '.' && dec < 0) {
			dec = 0;
		} else {
			return false;
		}
		buf[k++] = c;
	}
	if (!digits)
		return false;
	buf[k] = 0;
	*out = strtod(buf, NULL);
	*decimals = dec < 0 ? 0 : dec;
	return true;
}

static bool coordinate(const char *v, size_t n, double limit, int min_decimals)
{
	double x;
	int dec;
	return parse_decimal(v, n, &x, &dec) && x >= -limit && x <= limit && dec >= min_decimals;
}

bool valid_latitude_precise(const char *v, size_t n) { return coordinate(v, n, 90, 4); }
bool valid_longitude_precise(const char *v, size_t n) { return coordinate(v, n, 180, 4); }
bool valid_latitude(const char *v, size_t n) { return coordinate(v, n, 90, 1); }
bool valid_longitude(const char *v, size_t n) { return coordinate(v, n, 180, 1); }

bool valid_latlng_pair(const char *v, size_t n)
{
	const char *comma = memchr(v, ',', n);
	if (!comma)
		return false;
	size_t a = (size_t)(comma - v), b = n - a - 1;
	const char *second = comma + 1;
	while (b && *second == ' ')
		second++, b--;
	/* lat,lng or lng,lat (Chinese map APIs write longitude first) */
	return (valid_latitude_precise(v, a) && valid_longitude_precise(second, b)) ||
	       (valid_longitude_precise(v, a) && valid_latitude_precise(second, b));
}

static bool parse_ip(const char *v, size_t n, unsigned char out[16], int *family)
{
	char buf[64];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, v, n);
	buf[n] = 0;
	if (inet_pton(AF_INET, buf, out) == 1) {
		*family = 4;
		return true;
	}
	if (strchr(buf, ':') && inet_pton(AF_INET6, buf, out) == 1) {
		*family = 6;
		return true;
	}
	return false;
}

bool valid_ip(const char *v, size_t n)
{
	unsigned char a[16] = { 0 };
	int fam;
	if (!parse_ip(v, n, a, &fam))
		return false;
	if (fam == 4)
		return a[0] != 0 && a[0] != 127 && !(a[0] == 255 && a[1] == 255);
	static const unsigned char zero[16], loop[16] = { [15] = 1 };
	return memcmp(a, zero, 16) != 0 && memcmp(a, loop, 16) != 0;
}

bool valid_ip_private(const char *v, size_t n)
{
	unsigned char a[16] = { 0 };
	int fam;
	if (!parse_ip(v, n, a, &fam))
		return false;
	if (fam == 4)
		return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
		       (a[0] == 169 && a[1] == 254);
	return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

bool valid_ip_list(const char *v, size_t n)
{
	size_t start = 0;
	bool any = false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && v[i] != ',')
			continue;
		size_t a = start, b = i;
		while (a < b && v[a] == ' ')
			a++;
		while (b > a && v[b - 1] == ' ')
			b--;
		if (!valid_ip(v + a, b - a))
			return false;
		any = true;
		start = i + 1;
	}
	return any;
}

bool valid_bank_card(const char *v, size_t n)
{
	/* 3 Amex/JCB/Diners, 4 Visa, 5 Mastercard, 6 UnionPay/Discover */
	return n >= 16 && n <= 19 && v[0] >= '3' && v[0] <= '6' && valid_luhn(v, n) && !one_repeated_digit(v, n);
}

bool valid_uuid(const char *v, size_t n)
{
	if (n != 36)
		return false;
	bool nonzero = false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (v[i] != '-')
				return false;
		} else {
			int h = hexval(v[i]);
			if (h < 0)
				return false;
			nonzero |= h != 0;
		}
	}
	return nonzero;
}

bool valid_iccid(const char *v, size_t n)
{
	return (n == 19 || n == 20) && v[0] == '8' && v[1] == '9' && valid_luhn(v, n);
}

bool valid_imsi(const char *v, size_t n)
{
	/* MCCs start with 2-7 (ITU-T E.212) */
	return n == 15 && all_digits(v, n) && v[0] >= '2' && v[0] <= '7' && !one_repeated_digit(v + 5, 10);
}

bool valid_not_empty(const char *v, size_t n)
{
#define W(s) { s, sizeof(s) - 1 }
	static const struct {
		const char *s;
		size_t n;
	} nulls[] = { W("null"), W("nil"), W("none"), W("undefined"), W("nan"), W("unknown"), W("n/a"), W("-"),
		      W("02:00:00:00:00:00"), W("127.0.0.1"), W("<unknown ssid>"), W("{{auto}}"), W("unknown ssid") };
#undef W
	while (n && (*v == ' ' || *v == '"'))
		v++, n--;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '"'))
		n--;
	if (n == 0)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(*nulls); i++)
		if (nulls[i].n == n && strncasecmp(nulls[i].s, v, n) == 0)
			return false;
	/* placeholders: all zeros (IMEI, UUID, MAC, 0.0.0.0, a 0.000000
	 * coordinate) and values already masked by the app (138****5678) */
	bool zeros = true;
	for (size_t i = 0; i < n && zeros; i++)
		zeros = strchr("0:-. ", v[i]) != NULL;
	if (zeros || (memchr(v, '*', n) && memmem(v, n, "****", 4)))
		return false;
	return true;
}

static const struct {
	const char *name;
	validator_fn fn;
} table[] = {
	{ "luhn", valid_luhn },
	{ "imei", valid_imei },
	{ "cn_id", valid_cn_id },
	{ "cn_mobile", valid_cn_mobile },
	{ "email", valid_email },
	{ "mac", valid_mac },
	{ "latlng_pair", valid_latlng_pair },
	{ "latitude_precise", valid_latitude_precise },
	{ "longitude_precise", valid_longitude_precise },
	{ "latitude", valid_latitude },
	{ "longitude", valid_longitude },
	{ "ip", valid_ip },
	{ "ip_private", valid_ip_private },
	{ "ip_list", valid_ip_list },
	{ "bank_card", valid_bank_card },
	{ "uuid", valid_uuid },
	{ "iccid", valid_iccid },
	{ "imsi", valid_imsi },
	{ "not_empty", valid_not_empty },
	{ "model", valid_model },
	{ "person_name", valid_person_name },
	{ "cn_person_name", valid_cn_person_name },
	{ "latitude_scaled", valid_latitude_scaled },
	{ "longitude_scaled", valid_longitude_scaled },
};

validator_fn validator_find(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(*table); i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].fn;
	return NULL;
}

const char *const *validator_names(void)
{
	static const char *names[sizeof(table) / sizeof(*table) + 1];
	for (size_t i = 0; i < sizeof(table) / sizeof(*table); i++)
		names[i] = table[i].name;
	return names;
}

bool valid_model(const char *v, size_t n)
{
	/* "SM-G9910", "Pixel 7", "iPhone14,2", "MI 9": models carry a number;
	 * "Phone", "androidmobile", "iPad" name a kind of device */
	if (n == 0 || v[0] == ' ' || v[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] >= '0' && v[i] <= '9')
			return true;
	return false;
}

/* The most common Chinese surnames (about 90% of the population) and the
 * compound ones still in use. */
static const char *const cn_surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
	"高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
	"董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚",
	"卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白",
	"邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺",
	"顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向", "汤", "常", "温",
	"康", "施", "文", "牛", "樊", "葛", "邢", "安", "齐", "易", "乔", "伍", "庞", "颜", "倪", "庄", "聂",
	"章", "鲁", "岳", "翟", "殷", "詹", "申", "欧", "耿", "关", "兰", "焦", "俞", "左", "柳", "甘", "祝",
	"包", "宁", "尚", "符", "舒", "阮", "柯", "纪", "梅", "童", "凌", "毕", "单", "季", "裴", "霍", "涂",
	"成", "苗", "谷", "盛", "曲", "翁", "冉", "骆", "蓝", "路", "游", "辛", "靳", "管", "柴", "蒙", "鲍",
	"华", "喻", "祁", "蒲", "房", "滕", "屈", "饶", "解", "牟", "艾", "尤", "阳", "时", "穆", "农", "司",
	"卓", "古", "吉", "缪", "简", "车", "项", "连", "芦", "麦", "褚", "娄", "窦", "戚", "岑", "景", "党",
	"宫", "费", "卜", "冷", "晏", "席", "卫", "米", "柏", "宗", "瞿", "桂", "全", "佟", "应", "臧", "闵",
	"苟", "邬", "边", "卞", "姬", "师", "和", "仇", "栾", "隋", "商", "刁", "沙", "荣", "巫", "寇", "桑",
	"郎", "甄", "丛", "仲", "虞", "敖", "巩", "明", "佘", "池", "查", "麻", "苑", "迟", "邝", "欧阳",
	"司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "令狐",
	"夏侯", "端木", "西门", "南宫", "独孤", "轩辕",
};

/* Han characters (U+3400..U+9FFF, three UTF-8 bytes each) from p; returns
 * the count, or 0 when anything else is there. */
static size_t han_chars(const char *p, size_t n)
{
	if (n % 3)
		return 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned char a = (unsigned char)p[i], b = (unsigned char)p[i + 1];
		if (!((a == 0xe3 && b >= 0x90) || (a > 0xe3 && a < 0xea)) || ((unsigned char)p[i + 2] & 0xc0) != 0x80)
			return 0;
	}
	return n / 3;
}

static bool latin_name(const char *v, size_t n)
{
	size_t words = 0;
	for (size_t i = 0; i < n;) {
		if (v[i] == ' ') {
			i++;
			continue;
		}
		/* a word: a capital, then lower-case letters, '-' or '\'' (O'Neil, Jean-Luc) */
		if (!(v[i] >= 'A' && v[i] <= 'Z'))
			return false;
		size_t j = i + 1;
		while (j < n && ((v[j] >= 'a' && v[j] <= 'z') || v[j] == '-' || v[j] == '\'' || v[j] == '.'))
			j++;
		if (j < n && v[j] != ' ')
			return false;
		if (++words > 4)
			return false;
		i = j;
	}
	return words > 0;
}

bool valid_person_name(const char *v, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	size_t han = han_chars(v, n);
	if (han >= 2 && han <= 4) {
		for (size_t i = 0; i < sizeof(cn_surnames) / sizeof(*cn_surnames); i++) {
			size_t l = strlen(cn_surnames[i]);
			if (l < n && memcmp(v, cn_surnames[i], l) == 0)
				return true;
		}
		return false;
	}
	return latin_name(v, n);
}

const char *hash_kind_name(enum hash_kind k)
{
	static const char *const names[] = { NULL, "md5", "sha1", "sha256" };
	return k <= HASH_SHA256 ? names[k] : NULL;
}

enum hash_kind value_hash_kind(const char *v, size_t n)
{
	if (n != 32 && n != 40 && n != 64)
		return HASH_NONE;
	bool lower = false, upper = false, digit = false;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (c >= '0' && c <= '9')
			digit = true;
		else if (c >= 'a' && c <= 'f')
			lower = true;
		else if (c >= 'A' && c <= 'F')
			upper = true;
		else
			return HASH_NONE;
	}
	if (!digit || lower == upper) /* hex digits of one case, not a number */
		return HASH_NONE;
	return n == 32 ? HASH_MD5 : n == 40 ? HASH_SHA1 : HASH_SHA256;
}

bool value_is_recent_epoch(const char *v, size_t n, uint64_t ref_s)
{
	size_t digits = 0;
	while (digits < n && v[digits] >= '0' && v[digits] <= '9')
		digits++;
	if (digits < n) { /* a fraction: 1654385180.339 */
		if (v[digits] != '.' || digits + 1 == n || !all_digits(v + digits + 1, n - digits - 1))
			return false;
	}
	if (digits != 10 && digits != 13)
		return false;
	uint64_t t = 0;
	for (size_t i = 0; i < digits; i++)
		t = t * 10 + (uint64_t)(v[i] - '0');
	if (digits == 13)
		t /= 1000;
	const uint64_t year = 31556952; /* seconds in a Gregorian year */
	if (!ref_s)
		return t >= 1000000000ULL && t < 4102444800ULL;
	return t + 5 * year >= ref_s && t <= ref_s + year;
}

bool valid_cn_person_name(const char *v, size_t n)
{
	size_t han = han_chars(v, n);
	return han >= 2 && han <= 4 && valid_person_name(v, n);
}

/* Degrees times 10^6 or 10^7 as an integer (Sensors' $latitude 39908722,
 * Google's E7): at least 6 digits, within range at one of the scales. */
static bool scaled_degrees(const char *v, size_t n, long limit)
{
	size_t i = n && v[0] == '-';
	if (n - i < 6 || n - i > 11 || !all_digits(v + i, n - i))
		return false;
	/* within range at the finer scale is within range at one of them */
	return strtoll(v + i, NULL, 10) <= limit * 10000000LL;
}

bool valid_latitude_scaled(const char *v, size_t n) { return scaled_degrees(v, n, 90); }
bool valid_longitude_scaled(const char *v, size_t n) { return scaled_degrees(v, n, 180); }
