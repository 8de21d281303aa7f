/* \summary: what findings say: their legal basis (PIPL articles and
 * GB/T 35273-2020 clauses) and the labels their reasons use, in English
 * and Chinese.  The clause titles follow the texts' own headings; see
 * docs/profiles.md "Legal basis" for what each finding cites and why. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_internal.h"

#define PIPL_ZH "《个人信息保护法》"
#define GBT_ZH "GB/T 35273-2020《信息安全技术 个人信息安全规范》"
#define REF(name, law, ref, en, zh, law_zh, ref_zh) \
	static const struct legal_ref name = { law, ref, en, zh, law_zh, ref_zh }
REF(pipl6, "PIPL", "art. 6", "Processing has a clear, reasonable purpose and is limited to the minimum scope it needs",
    "处理个人信息应当具有明确、合理的目的，并应当限于实现处理目的的最小范围，不得过度收集个人信息", PIPL_ZH, "第六条");
REF(pipl13, "PIPL", "art. 13",
    "Lawful bases for processing: the individual's consent, or necessity for a contract the individual is a party to, "
    "among others",
    "个人信息处理的合法性基础：取得个人的同意，或者为订立、履行个人作为一方当事人的合同所必需等", PIPL_ZH, "第十三条");
REF(pipl14, "PIPL", "art. 14", "Consent is given voluntarily and explicitly, with full knowledge",
    "同意应当由个人在充分知情的前提下自愿、明确作出", PIPL_ZH, "第十四条");
REF(pipl15, "PIPL", "art. 15", "The individual may withdraw consent", "个人有权撤回其同意", PIPL_ZH, "第十五条");
REF(pipl16, "PIPL", "art. 16",
    "No refusal of products or services because the individual does not consent to processing they do not need",
    "不得以个人不同意处理其个人信息或者撤回同意为由拒绝提供产品或者服务，处理个人信息属于提供产品或者服务所必需的除外", PIPL_ZH, "第十六条");
REF(pipl17, "PIPL", "art. 17",
    "What the handler tells the individual first: who it is, the purposes, methods and categories of processing",
    "处理前应当告知处理者的名称和联系方式、处理目的、处理方式、处理的个人信息种类等事项", PIPL_ZH, "第十七条");
REF(pipl23, "PIPL", "art. 23",
    "Providing personal information to another handler: tell the recipient's name, purpose and categories, and obtain "
    "separate consent",
    "向其他个人信息处理者提供个人信息的，应当告知接收方的名称、处理目的和个人信息的种类等，并取得个人的单独同意", PIPL_ZH, "第二十三条");
REF(pipl28, "PIPL", "art. 28",
    "Sensitive personal information: biometrics, specific identity, medical health, financial accounts, whereabouts, "
    "personal information of a minor under 14, and the like",
    "敏感个人信息：生物识别、特定身份、医疗健康、金融账户、行踪轨迹等信息，以及不满十四周岁未成年人的个人信息", PIPL_ZH, "第二十八条");
REF(pipl29, "PIPL", "art. 29", "Processing sensitive personal information needs the individual's separate consent",
    "处理敏感个人信息应当取得个人的单独同意", PIPL_ZH, "第二十九条");
REF(pipl31, "PIPL", "art. 31", "A minor under 14: the consent of a parent or guardian",
    "处理不满十四周岁未成年人个人信息的，应当取得未成年人的父母或者其他监护人的同意", PIPL_ZH, "第三十一条");
REF(pipl47, "PIPL", "art. 47", "Personal information is deleted once consent is withdrawn",
    "个人撤回同意的，个人信息处理者应当主动删除个人信息", PIPL_ZH, "第四十七条");
REF(pipl51, "PIPL", "art. 51", "Security measures such as encryption and de-identification",
    "采取相应的加密、去标识化等安全技术措施", PIPL_ZH, "第五十一条");
#define GBT "GB/T 35273-2020"
REF(gbt52, GBT, "5.2", "Collecting personal information: the minimum necessary", "收集个人信息的最小必要", GBT_ZH, "5.2");
REF(gbt53, GBT, "5.3", "Independent choice among multiple business functions", "多项业务功能的自主选择", GBT_ZH, "5.3");
REF(gbt54, GBT, "5.4", "Consent when collecting personal information", "收集个人信息时的授权同意", GBT_ZH, "5.4");
REF(gbt55, GBT, "5.5", "The privacy policy", "个人信息保护政策", GBT_ZH, "5.5");
REF(gbt63, GBT, "6.3", "Transmission and storage of sensitive personal information", "个人敏感信息的传输和存储", GBT_ZH, "6.3");
REF(gbt84, GBT, "8.4", "Withdrawal of consent", "撤回授权同意", GBT_ZH, "8.4");
REF(gbt92, GBT, "9.2", "Sharing and transfer of personal information", "个人信息共享、转让", GBT_ZH, "9.2");

#define LAW(name, ...) static const struct legal_ref *const name[] = { __VA_ARGS__, NULL }
LAW(law_pre_consent, &pipl13, &pipl14, &gbt54);
LAW(law_contact, &pipl13, &pipl14, &gbt54);
LAW(law_recipient, &pipl17, &pipl23, &gbt92);
LAW(law_category, &pipl17, &pipl23, &gbt55);
LAW(law_sensitive, &pipl28, &pipl29, &gbt54);
LAW(law_sensitive_minor, &pipl28, &pipl29, &pipl31, &gbt54);
LAW(law_cleartext, &pipl51);
LAW(law_cleartext_sensitive, &pipl51, &gbt63);
LAW(law_withdrawal, &pipl15, &pipl47, &gbt84);
LAW(law_forced, &pipl14, &pipl16, &pipl13, &pipl6, &gbt53, &gbt52);
LAW(law_bundled, &pipl14, &pipl16, &gbt53);

const struct legal_ref *const *policy_law(const struct policy *p, enum finding_type t, uint64_t cats)
{
	switch (t) {
	case FIND_PRE_CONSENT: return law_pre_consent;
	case FIND_PRE_CONSENT_CONTACT: return law_contact;
	case FIND_UNDISCLOSED_RECIPIENT: return law_recipient;
	case FIND_UNDISCLOSED_CATEGORY: return law_category;
	case FIND_SENSITIVE_PI: return cats & p->minor_mask ? law_sensitive_minor : law_sensitive;
	case FIND_CLEARTEXT_PI: return cats & p->sensitive_mask ? law_cleartext_sensitive : law_cleartext;
	case FIND_CLEARTEXT_CREDENTIAL: return law_cleartext;
	case FIND_AFTER_WITHDRAWAL: return law_withdrawal;
	case FIND_FORCED_COLLECTION: return law_forced;
	case FIND_BUNDLED_CONSENT: return law_bundled;
	default: return law_cleartext;
	}
}

static const char *const relation_zh[] = { "第一方", "关联方", "第三方", "未知方" };
const char *policy_relation_zh(enum relation r) { return relation_zh[r]; }

const char *policy_org_label(const struct policy *p, const char *host, enum relation rel, char *buf, size_t len)
{
	const char *name = policy_organization(p, host);
	snprintf(buf, len, "%s%s%s", name ? name : "", name ? ", " : "", relation_name(rel));
	return buf;
}

void policy_event_label(const struct consent_event *e, char *buf, size_t len, bool zh)
{
	if (zh) {
		if (e->input < 0)
			snprintf(buf, len, "%s标记", e->source);
		else
			snprintf(buf, len, "第%llu帧，%s", (unsigned long long)e->frame, e->source);
	} else if (e->input < 0) {
		snprintf(buf, len, "%s mark", e->source);
	} else {
		snprintf(buf, len, "frame %llu, %s", (unsigned long long)e->frame, e->source);
	}
}

char *policy_fmt(const char *f, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}
