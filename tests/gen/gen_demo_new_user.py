"""Generator for privaudit's second DEMO capture: the new-user flow
(captures/demo/new-user/).

usage: gen_demo_new_user.py [--verify] [OUTDIR]   (OUTDIR default: <repo>/captures/demo/new-user)

Writes OUTDIR/lingoup-new-user.pcap and OUTDIR/README.md; the profile,
OUTDIR/lingoup-new-user.yaml, is hand-written.  Same fictional app, device,
network and packet model as the old-user demo (tests/gen/gen_demo.py, whose
building blocks this reuses); --verify runs the same tshark and scapy
cross-checks.

The court case behind both demos (an English-learning app, 2023) also
examined the flow for NEW users: they did see a privacy checkbox first, then
had to answer questionnaires (occupation, learning purpose, English level)
and enter their name, with no way to skip, before reaching the home screen;
the court held that consent obtained that way was not free and that the
profile data was not necessary for the service.  Here the questionnaire
screen's first request starts a mandatory step and the home screen's first
request ends it (profile rules), so the audit needs no option.
"""

import calendar
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen_demo as D  # noqa: E402

PCAP_NAME = "lingoup-new-user.pcap"
T0 = calendar.timegm((2024, 3, 19, 9, 30, 0))          # 1710840600
NAME = "李四"
PHONE = "13987654321"
UID = "20240319"
CT = [("Content-Type", D.CT_JSON)]


def build():
    cap = D.DemoCapture(PCAP_NAME, T0 * 10**9)
    D.DNS_LOOKUPS.clear()
    D.REQUESTS.clear()
    D.TLS_SESSIONS.clear()
    marks = {}

    # --- scene 1: app start; the privacy dialog is on screen ---
    cap.at(0.0)
    D.dns_lookup(cap, "api.lingoup.cn", 41201, "app start: remote config")
    api = D.tcp_conn(cap, "api.lingoup.cn", 44100,
                     note="keep-alive: config, privacy/agree, questionnaire, name form and lessons on one connection")
    api.handshake()
    D.exchange(cap, api, "GET", "/v1/app/config?platform=android&app_version=5.2.0",
               resp_body=b'{"code":0,"data":{"privacy_version":"2024.03","onboarding":"required"}}',
               phase="before consent", data="none",
               findings="none (no personal data; the first party is not a contact finding)")

    # --- scene 2: the consent checkbox ---
    cap.at(6.418)
    marks["agree"] = D.exchange(
        cap, api, "POST", "/v1/privacy/agree", CT, D.jdump({"agree": True, "policy_version": "2024.03"}),
        resp_body=b'{"code":0,"msg":"ok","data":{"agreed":true}}', phase="consent event",
        data="none (`agree`: true, `policy_version`)",
        findings="none for the request itself — it is the **consent** event (rule `privacy-agree`); "
                 "**bundled_consent** (identity.name, profile.occupation, profile.learning_goal, "
                 "profile.language_level — the very next requests are the mandatory questionnaires and name "
                 "form: the consent was the price of entry) at this frame")

    # --- scene 3: the questionnaires and the name form, no skip ---
    cap.at(8.905)
    marks["questions"] = D.exchange(
        cap, api, "GET", "/v1/onboarding/questions",
        resp_body=D.jdump({"code": 0, "data": {"pages": ["occupation", "purpose", "level", "name"], "skip": False}}),
        phase="after consent", data="none",
        findings="none — the questionnaire screen's first request **starts the mandatory step** "
                 "(rule `questionnaire-start`, kind `mandatory_start`: the request belongs to the step)")
    cap.at(13.207)
    D.exchange(cap, api, "POST", "/v1/onboarding/occupation", CT, D.jdump({"occupation": "student"}),
               phase="after consent", data="profile.occupation (`occupation`)",
               findings="**forced_collection** (profile.occupation); **cleartext_pi**")
    cap.at(17.660)
    D.exchange(cap, api, "POST", "/v1/onboarding/purpose", CT, D.jdump({"learning_purpose": "考研英语"}),
               phase="after consent", data="profile.learning_goal (`learning_purpose` 考研英语, \"postgraduate "
                                           "entrance exam English\")",
               findings="**forced_collection** (profile.learning_goal); **cleartext_pi**")

    # the analytics SDK, initialised after the consent, uploads its launch log
    cap.at(18.114)
    D.dns_lookup(cap, "log.umeng.com", 41202, "Umeng SDK init (after consent)")
    c = D.tcp_conn(cap, "log.umeng.com", 44104)
    c.handshake()
    plain, gz = D.umeng_body(
        {"appkey": D.UMENG_APPKEY, "oaid": D.OAID, "android_id": D.ANDROID_ID, "imei": D.IMEI,
         "device_model": "Pixel 4", "os_version": "11"},
        {"launch": [{"date": "2024-03-19", "time": "09:30:18"}]})
    D.exchange(cap, c, "POST", "/app_logs", D.UMENG_HDRS, gz, plain=plain, resp_body=D.UMENG_RESP,
               phase="after consent",
               data="device.oaid, device.android_id (both disclosed for Umeng), device.imei, device.model (not "
                    "disclosed for Umeng). gzip-compressed JSON.",
               findings="**undisclosed_category** (device.imei, device.model); **cleartext_pi** — an SDK inside "
                        "the mandatory step is judged by the other findings, not forced_collection")
    c.close("c")

    cap.at(22.381)
    D.exchange(cap, api, "POST", "/v1/onboarding/level", CT, D.jdump({"english_level": "CET-6"}),
               phase="after consent", data="profile.language_level (`english_level` CET-6)",
               findings="**forced_collection** (profile.language_level); **cleartext_pi**")
    cap.at(29.046)
    D.exchange(cap, api, "POST", "/v1/user/name", CT, D.jdump({"name": NAME, "phone": PHONE}),
               phase="after consent",
               data="identity.name (`name` 李四), contact.phone (`phone`, the number for the SMS login)",
               findings="**forced_collection** (identity.name — not the phone: the profile lists contact.phone as "
                        "necessary for the SMS login); **cleartext_pi**")

    # --- scene 4: the home screen; the step is over ---
    cap.at(30.512)
    marks["home"] = D.exchange(
        cap, api, "GET", "/v1/lessons?uid=%s&level=CET-6" % UID,
        resp_body=b'{"code":0,"data":[{"id":201,"title":"Unit 1 Campus life"}]}', phase="after consent",
        data="account.username (`uid`, issued by the first party: returned to it, not a collection), "
             "profile.language_level (`level`)",
        findings="**cleartext_pi** (profile.language_level) — the home screen's first request **ends the "
                 "mandatory step** (rule `home`, kind `mandatory_end`: the request itself is outside it)")
    api.close("c")

    # --- scene 5: sharing with the affiliate ---
    cap.at(31.870)
    D.dns_lookup(cap, "api.lingoread.cn", 41203, "affiliate sync")
    c = D.tcp_conn(cap, "api.lingoread.cn", 44108)
    c.handshake()
    D.exchange(cap, c, "POST", "/v1/sync", CT,
               D.jdump({"uid": UID, "name": NAME, "phone": PHONE, "occupation": "student",
                        "english_level": "CET-6"}),
               resp_body=b'{"code":0,"msg":"synced"}', phase="after consent",
               data="identity.name, contact.phone, account.username (`uid`: the first party's user id at another "
                    "organization), profile.occupation, profile.language_level",
               findings="**undisclosed_recipient** (identity.name, contact.phone, account.username, "
                        "profile.occupation, profile.language_level — the affiliate LingoUp Reading is a separate "
                        "organization the policy does not name); **cleartext_pi**")
    c.close("c")
    return cap, marks


def readme(cap, marks, size):
    L = []
    a = L.append
    a("# privaudit demo capture: LingoUp new user")
    a("")
    a("GENERATED by `tests/gen/make-demo.sh` (`tests/gen/gen_demo_new_user.py`) — do not edit by hand; "
      "`lingoup-new-user.yaml` (the app profile) is hand-written.")
    a("")
    a("`%s` (%d frames, %d bytes, classic pcap, microsecond timestamps, Ethernet) is the second of the two "
      "captures `scripts/quickstart.sh` audits, in a run of its own with its own profile (the first, the "
      "old-user flow, is in `../old-user/`):" % (PCAP_NAME, len(cap.frames), size))
    a("")
    a("    ./build/privaudit replay --profile captures/demo/new-user/lingoup-new-user.yaml --format text "
      "captures/demo/new-user/")
    a("")
    a("## The story")
    a("")
    a("The court case behind both demos also examined what a NEW user of the English-learning app went "
      "through. Unlike old users, new users did see a privacy-policy checkbox first; but right after it the "
      "app demanded their occupation, learning purpose and English level and then their name, with no skip "
      "button: the only way to the home screen. The court held that consent obtained by leaving no "
      "alternative is not freely given (PIPL art. 14), that the profile data for personalised "
      "recommendations is not necessary for the service (art. 13(2)), and that a service may not be refused "
      "because the user declines processing it does not need (art. 16).")
    a("")
    a("Same fictional app as the old-user demo, **LingoUp** (`com.lingoup.app`, first party `lingoup.cn`, "
      "affiliate **LingoUp Reading**, `lingoread.cn`), on a freshly installed phone. The profile "
      "`lingoup-new-user.yaml` adds what the court looked at: `necessary` (the phone number for the SMS "
      "login, the password) and the mandatory step, marked by two rules so that the audit needs no option: "
      "`questionnaire-start` (kind `mandatory_start`) on the questionnaire screen's first request "
      "`GET /v1/onboarding/questions`, and `home` (kind `mandatory_end`) on the home screen's first request "
      "`GET /v1/lessons`.")
    a("")
    a("1. **App start** (09:30:00): remote config, no personal data; the privacy dialog is on screen.")
    a("2. **Consent** (09:30:06): the user ticks the checkbox and taps *agree* — `POST /v1/privacy/agree` "
      "`{\"agree\":true,...}`.")
    a("3. **The mandatory step** (09:30:08–09:30:29): the questionnaire screen loads its questions "
      "(`\"skip\":false`), then the answers go to the first party one page at a time — occupation, learning "
      "purpose, English level — and the name form sends the name (李四) with the phone number for the SMS "
      "login. Meanwhile the Umeng SDK, initialised once the user agreed, uploads its launch log.")
    a("4. **Home screen** (09:30:30): the lesson list; the step is over.")
    a("5. **Sharing** (09:30:31): the profile goes to the affiliate `api.lingoread.cn`, which the policy "
      "does not name.")
    a("")
    a("Consent frame: **%d**; the mandatory step runs from frame **%d** (its first request) to frame **%d** "
      "(the home screen's first request, outside the step). Everything is plaintext HTTP/1.1."
      % (marks["agree"]["done"], marks["questions"]["done"], marks["home"]["done"]))
    a("")
    a("## Network")
    a("")
    a("Client 10.0.2.15 (Android emulator guest, MAC 52:54:00:12:34:56; router MAC 52:54:00:12:35:02), DNS "
      "server 10.0.2.3. `api.lingoup.cn` 203.0.113.80 is the first party (lingoup.cn); `log.umeng.com` "
      "203.0.113.10 is Umeng, disclosed for device.oaid and device.android_id; `api.lingoread.cn` "
      "198.51.100.45 is the affiliate LingoUp Reading, not disclosed. **Keep-alive:** the config, the "
      "consent, the questionnaire, the name form and the lesson list share one connection (client port "
      "44100). Headers, timing and ISNs follow the old-user demo's model (see `../old-user/README.md`).")
    a("")
    a("## HTTP requests")
    a("")
    a("*Frame* = the frame that completes the request. Category ids are those of "
      "`signatures/categories.yaml`. Finding types: pre_consent, pre_consent_contact, undisclosed_recipient, "
      "undisclosed_category, sensitive_pi, cleartext_pi, cleartext_credential, after_withdrawal, "
      "forced_collection, bundled_consent.")
    a("")
    a("| # | frame | time (UTC) | phase | method | host | uri | personal data | findings an auditor should raise |")
    a("|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(D.REQUESTS, 1):
        a("| %d | %d | %s | %s | %s | `%s` | `%s` | %s | %s |" % (
            i, r["done"], D.fmt_ts(r["ts"]), r["phase"], r["method"], r["host"], r["uri"], r["data"],
            r["findings"]))
    a("")
    a("No pre_consent: nothing personal leaves the phone before the checkbox, and the Umeng SDK starts "
      "after it (so no pre_consent_contact either). What the consent does not cure is the mandatory step "
      "that follows it: every questionnaire answer and the name are **forced_collection**, and the consent "
      "itself is a **bundled_consent**.")
    a("")
    a("Bodies as sent (Umeng's shown decompressed; on the wire gzip, `Content-Encoding: gzip`, mtime 0):")
    a("")
    for i, r in enumerate(D.REQUESTS, 1):
        if r["plain"]:
            a("%d. `%s %s%s` (%d bytes on the wire):" % (i, r["method"], r["host"], r["uri"], len(r["body"])))
            a("")
            a("        " + r["plain"].decode("utf-8"))
            a("")
    w = D.canary_requests((PHONE, NAME))
    a("Canaries (`lingoup-new-user.yaml`; request numbers as in the table): contact.phone %s in requests %s; "
      "identity.name %s in requests %s." % (PHONE, ", ".join(map(str, w[PHONE])), NAME,
                                            ", ".join(map(str, w[NAME]))))
    a("")
    a("## DNS (10.0.2.15 → 10.0.2.3:53, A queries, one answer each, TTL %d s)" % D.DNS_TTL)
    a("")
    a("| query frame | response frame | time (UTC) | name | answer | client port | why |")
    a("|---|---|---|---|---|---|---|")
    for d in D.DNS_LOOKUPS:
        a("| %d | %d | %s | `%s` | %s | %d | %s |" % (
            d["query"], d["response"], D.fmt_ts(cap.frames[d["query"] - 1]["ts_ns"]), d["host"], d["addr"],
            d["sport"], d["why"]))
    a("")
    a("## Flows (in order of first packet)")
    a("")
    a("| # | proto | client | server | host | frames | packets |")
    a("|---|---|---|---|---|---|---|")
    for i, fl in enumerate(cap.flows, 1):
        a("| %d | %s | %s:%d | %s:%d | `%s` | %d–%d | %d |" % (
            i, fl["proto"], fl["client"][0], fl["client"][1], fl["server"][0], fl["server"][1],
            fl["host"], fl["frames"][0], fl["frames"][-1], fl["packets"]))
    a("")
    a("## Regenerating and checking")
    a("")
    a("    tests/gen/make-demo.sh            # rewrites both demos' pcaps and READMEs (byte-identical)")
    a("    tests/gen/make-demo.sh --verify   # ... and cross-checks them with tshark and scapy")
    a("")
    a("Timestamps start at 2024-03-19T09:30:00Z (epoch %d)." % T0)
    a("")
    return "\n".join(L)


def main(argv):
    do_verify = bool(argv) and argv[0] == "--verify"
    if do_verify:
        argv = argv[1:]
    out = argv[0] if argv else os.path.join(D.TOP, "captures", "demo", "new-user")
    os.makedirs(out, exist_ok=True)
    cap, marks = build()
    data = cap.file_bytes()
    path = os.path.join(out, PCAP_NAME)
    with open(path, "wb") as f:
        f.write(data)
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(readme(cap, marks, len(data)))
    print("gen_demo_new_user: wrote %s (%d frames, %d bytes) and README.md" % (path, len(cap.frames), len(data)))
    if do_verify:
        if not D.verify(path, cap, T0, {PHONE: [8, 10], NAME: [8, 10]}):
            print("gen_demo_new_user: verification FAILED")
            return 1
        print("gen_demo_new_user: verification passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
