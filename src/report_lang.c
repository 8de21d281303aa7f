/* \summary: report words in English and Chinese (see report_lang.h). */
#include "report_lang.h"

static const char *const words[W_COUNT][2] = {
	[W_INPUTS] = { "inputs", "个输入" },
	[W_FRAMES] = { "frames", "帧" },
	[W_FLOWS] = { "flows", "个流" },
	[W_HOSTS_CONTACTED] = { "hosts contacted", "连接的主机" },
	[W_FINDINGS] = { "findings", "发现" },
	[W_FAILED_INPUTS] = { "input(s) failed (see errors above)", "个输入读取失败（见上方错误）" },
	[W_DEVICE] = { "device under test", "被测设备" },
	[W_DEVICE_GIVEN] = { "given with --device", "由 --device 指定" },
	[W_DEVICE_PICKED] = { "picked: the local address that originated the most flows and DNS queries",
			      "自动选择：发起最多流和DNS查询的本地地址" },
	[W_DEVICE_NONE] = { "none found", "未找到" },
	[W_AT] = { "at", "于" },
	[W_FRAME] = { "frame", "帧" },
	[W_NOT_JUDGED] = { "flows not judged (other hosts, broadcasts, link-local)", "未判定的流（其他主机、广播、链路本地）" },
	[W_WINDOW] = { "mandatory step", "强制步骤" },
	[W_WINDOW_OPEN] = { "the start of the capture", "记录开始" },
	[W_WINDOW_CLOSE] = { "the end of the capture", "记录结束" },
	[W_TITLE] = { "Privacy audit", "个人信息保护审计报告" },
	[W_SUMMARY] = { "Summary", "概要" },
	[W_APP] = { "App", "应用" },
	[W_NO_PROFILE] = { "No app profile was given: only findings that need none are reported.",
			   "未提供应用档案：仅报告无需档案即可判定的发现。" },
	[W_SIGNATURES] = { "Signature set", "特征库" },
	[W_NOT_DECRYPTED] = { "Requests inside traffic that was not decrypted are not in this report.",
			      "未解密流量中的请求不在本报告中。" },
	[W_TIMELINE] = { "Consent timeline", "同意时间线" },
	[W_NO_EVENTS] = { "No consent or withdrawal was seen: every transmission counts as sent before consent.",
			  "未发现同意或撤回同意：所有传输均视为在同意之前发送。" },
	[W_RECIPIENT] = { "Recipient", "接收方" },
	[W_CATEGORIES] = { "Categories", "信息类别" },
	[W_EVIDENCE] = { "Evidence", "证据" },
	[W_IN_WIRESHARK] = { "In Wireshark", "Wireshark 过滤器" },
	[W_LEGAL_BASIS] = { "Legal basis", "法律依据" },
	[W_TIME] = { "time", "时间" },
	[W_TYPE] = { "type", "类型" },
	[W_SEVERITY] = { "severity", "严重程度" },
	[W_HOST] = { "host", "主机" },
	[W_ORGANIZATION] = { "organization", "组织" },
	[W_INPUT] = { "input", "输入" },
	[W_TRANSMISSION] = { "transmission", "传输" },
	[W_FLOW] = { "flow", "流" },
	[W_UNKNOWN] = { "unknown", "未知" },
	[W_FINDINGS_BY_TYPE] = { "Findings", "发现" },
	[W_FINDING_DETAILS] = { "Each finding", "各项发现详情" },
	[W_FORMAT] = { "format", "格式" },
	[W_FIRST_PACKET] = { "first packet", "首个数据包" },
	[W_ERROR] = { "error", "错误" },
};

const char *word(enum report_word w, bool zh) { return words[w][zh]; }

static const char *const types[FIND_TYPE_COUNT][2] = {
	[FIND_PRE_CONSENT] = { "pre_consent", "同意前收集个人信息" },
	[FIND_PRE_CONSENT_CONTACT] = { "pre_consent_contact", "同意前连接第三方" },
	[FIND_UNDISCLOSED_RECIPIENT] = { "undisclosed_recipient", "未告知的接收方" },
	[FIND_UNDISCLOSED_CATEGORY] = { "undisclosed_category", "未告知的信息类别" },
	[FIND_SENSITIVE_PI] = { "sensitive_pi", "处理敏感个人信息" },
	[FIND_CLEARTEXT_PI] = { "cleartext_pi", "明文传输个人信息" },
	[FIND_CLEARTEXT_CREDENTIAL] = { "cleartext_credential", "明文传输凭证" },
	[FIND_AFTER_WITHDRAWAL] = { "after_withdrawal", "撤回同意后仍收集" },
	[FIND_FORCED_COLLECTION] = { "forced_collection", "强制收集非必要个人信息" },
	[FIND_BUNDLED_CONSENT] = { "bundled_consent", "捆绑同意" },
};

const char *type_label(enum finding_type t, bool zh) { return types[t][zh]; }

const char *severity_label(enum finding_type t, bool zh)
{
	bool high = finding_severity(t)[0] == 'h';
	return zh ? (high ? "高" : "中") : finding_severity(t);
}

const char *relation_label(enum relation r, bool zh)
{
	static const char *const zh_names[] = { "第一方", "关联方", "第三方", "未知方" };
	return zh ? zh_names[r] : relation_name(r);
}

const char *mark_label(enum consent_kind k, bool zh)
{
	static const char *const names[][2] = { { "consent", "同意" },
						{ "withdrawal", "撤回同意" },
						{ "mandatory step starts", "强制步骤开始" },
						{ "mandatory step ends", "强制步骤结束" } };
	return names[k][zh];
}
