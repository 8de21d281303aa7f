"""Part A: foundation captures (captures/test/, bad/, batch/)."""

import struct

from pcapgen import (
    Capture, TCPConn, UDPFlow, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
    LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_NULL, LINKTYPE_LOOP, LINKTYPE_USER0,
    T0_NS, http_request, http_response, request_fields, dns_name, dns_query, a4, a6,
    tls_client_hello, tls_server_hello, opaque, prng, ipv4, ipv6, tcp, udp, chain,
    ext_hbh_padn, ext_dst_padn, ext_srh, ext_fragment, eth, pcap_bytes, pcapng_bytes,
    pcapng_block, PROTO_TCP, PROTO_UDP, NH_HOPOPT, NH_DSTOPTS, ip_len, ep,
)

# ---------------------------------------------------------------------------
# shared conversations


def simple_get(cap, cip, cport, sip, sport, cisn, sisn, host, uri, resp_body, flow_note="",
               client_opts=b"", client_exts=(), ua="curl/7.88.1"):
    """handshake, GET, 200 with Content-Length body, FIN teardown (8 frames)."""
    c = TCPConn(cap, cip, cport, sip, sport, cisn, sisn, host=host, host_src="HTTP Host",
                client_opts=client_opts, client_exts=client_exts, flow_note=flow_note)
    c.handshake()
    req, hl = http_request("GET", uri, host, [("User-Agent", ua), ("Accept", "*/*")], mobile=False)
    st, en, _ = c.send("c", req)
    c.request(st, en, "GET", uri, host, hl)
    resp = http_response(200, "OK", [("Content-Type", "text/plain")], resp_body)
    st, en, _ = c.send("s", resp)
    c.response(st, en, 200, body_len=len(resp_body), decoded_body=resp_body)
    c.close("c")
    return c


def linktest(cap, v6=False, cport=41000):
    if v6:
        return simple_get(cap, "2001:db8::2", cport, "2001:db8::80", 80, 0x6B000001, 0x6C000001,
                          "linktest.example.com", "/hello", b"Hello, world\n")
    return simple_get(cap, "10.0.0.2", cport, "192.0.2.80", 80, 0x4B000001, 0x4C000001,
                      "linktest.example.com", "/hello", b"Hello, world\n")


LINKTEST_DESC = ("The standard link-test HTTP conversation (8 frames): 3-way handshake, "
                 "`GET /hello HTTP/1.1` (Host `linktest.example.com`, User-Agent `curl/7.88.1`, "
                 "Accept `*/*`), `HTTP/1.1 200 OK` with `Content-Type: text/plain`, "
                 "`Content-Length: 13` and body `Hello, world\\n`, then FIN from the client, "
                 "FIN/ACK from the server, final ACK.")


# ---------------------------------------------------------------------------
# A1 eth-basic


def dns_response_a():
    # id 0x1a2b, QR RD RA, 1 question, 2 answers; compressed names
    hdr = struct.pack("!HHHHHH", 0x1A2B, 0x8180, 1, 2, 0, 0)
    q = dns_name("api.example.com") + struct.pack("!HH", 1, 1)
    msg = hdr + q
    cname = dns_name("edge.example.net")
    rr1 = struct.pack("!HHHIH", 0xC00C, 5, 1, 300, len(cname)) + cname
    cname_off = len(msg) + 12  # rdata starts after name ptr(2)+type(2)+class(2)+ttl(4)+rdlen(2)
    msg += rr1
    rr2 = struct.pack("!HHHIH", 0xC000 | cname_off, 1, 1, 60, 4) + a4("203.0.113.10")
    return msg + rr2


def dns_response_aaaa():
    hdr = struct.pack("!HHHHHH", 0x3C4D, 0x8180, 1, 1, 0, 0)
    q = dns_name("cdn.example.net") + struct.pack("!HH", 28, 1)
    rr = struct.pack("!HHHIH", 0xC00C, 28, 1, 120, 16) + a6("2001:db8::10")
    return hdr + q + rr


def eth_basic():
    cap = Capture("eth-basic.pcap")
    cap.desc = (
        "Ethernet, classic pcap, microsecond timestamps. Client 10.0.0.2 "
        "(MAC 02:00:00:00:00:02), gateway MAC 02:00:00:00:00:01. DNS names are "
        "compressed (pointers) in responses.\n\n"
        "DNS answer table built from this file: `api.example.com` -> CNAME `edge.example.net`; "
        "`edge.example.net` A 203.0.113.10 (TTL 60, the CNAME TTL is 300); "
        "`cdn.example.net` AAAA 2001:db8::10 (TTL 120). The query name that resolved to "
        "203.0.113.10 is `api.example.com`.")
    # DNS A
    d1 = UDPFlow(cap, "10.0.0.2", 40000, "10.0.0.1", 53, host="api.example.com",
                 host_src="DNS query name")
    d1.send("c", dns_query(0x1A2B, "api.example.com", 1), note="DNS query id 0x1a2b A api.example.com")
    d1.send("s", dns_response_a(), note="DNS response: api.example.com CNAME edge.example.net; "
            "edge.example.net A 203.0.113.10")
    d2 = UDPFlow(cap, "10.0.0.2", 40002, "10.0.0.1", 53, host="cdn.example.net",
                 host_src="DNS query name")
    d2.send("c", dns_query(0x3C4D, "cdn.example.net", 28), note="DNS query id 0x3c4d AAAA cdn.example.net")
    d2.send("s", dns_response_aaaa(), note="DNS response: cdn.example.net AAAA 2001:db8::10")
    # HTTP
    c = TCPConn(cap, "10.0.0.2", 40001, "203.0.113.10", 80, 0x1E240000, 0x2F000000,
                host="api.example.com", host_src="HTTP Host (also DNS answer table)")
    c.handshake()
    req, hl = http_request("GET", "/v1/ping?uid=42", "api.example.com",
                           [("User-Agent", "okhttp/4.9.0"), ("Accept", "application/json")],
                           mobile=False)
    st, en, _ = c.send("c", req)
    c.request(st, en, "GET", "/v1/ping?uid=42", "api.example.com", hl)
    body = b'{"status":"ok","ts":1700000000}'
    resp = http_response(200, "OK", [("Content-Type", "application/json")], body)
    st, en, _ = c.send("s", resp)
    c.response(st, en, 200, body_len=len(body), decoded_body=body)
    c.close("c")
    # TLS
    t = TCPConn(cap, "10.0.0.2", 40003, "198.51.100.7", 443, 0x3A000000, 0x3B000000,
                host="tracker.example.org", host_src="TLS SNI")
    t.handshake()
    ch = tls_client_hello("tracker.example.org", "eth-basic")
    t.send("c", ch, notes={0: "TLS ClientHello, SNI tracker.example.org, ALPN h2,http/1.1, "
                              "supported_versions 1.3,1.2 (%d bytes)" % len(ch)})
    sh = tls_server_hello("eth-basic")
    t.send("s", sh, notes={0: "TLS 1.2 ServerHello, cipher 0xc02f (%d bytes)" % len(sh)})
    t.pkt("c", "RA", note="client aborts with RST")
    # opaque 8443
    o = TCPConn(cap, "10.0.0.2", 40004, "203.0.113.10", 8443, 0x4A000000, 0x4B000000,
                host="api.example.com", host_src="DNS answer table (203.0.113.10 <- query api.example.com)")
    o.handshake()
    o.send("c", opaque("eth-basic-8443-c1", 64), notes={0: "opaque"})
    o.send("s", opaque("eth-basic-8443-s1", 128), notes={0: "opaque"})
    o.send("c", opaque("eth-basic-8443-c2", 32), notes={0: "opaque"})
    o.send("s", opaque("eth-basic-8443-s2", 48), notes={0: "opaque"})
    o.close("c")
    # UDP opaque
    u = UDPFlow(cap, "10.0.0.2", 50000, "192.0.2.50", 9999, host=None, host_src=None,
                note="no name: no DNS answer for 192.0.2.50")
    u.send("c", opaque("eth-basic-udp-1", 40), note="opaque")
    u.send("s", opaque("eth-basic-udp-2", 120), note="opaque")
    u.send("c", opaque("eth-basic-udp-3", 24), note="opaque")
    return cap


# ---------------------------------------------------------------------------
# A2 link types


def link_variant(name, linktype, desc, fmt="pcap", nano=False, tsresol=6, vlans=(),
                 t0=T0_NS, v6=False, both=False):
    cap = Capture(name, linktype=linktype, fmt=fmt, nano=nano, tsresol=tsresol,
                  vlans=vlans, t0_ns=t0)
    cap.desc = desc + "\n\n" + LINKTEST_DESC
    linktest(cap, v6=v6)
    if both:
        linktest(cap, v6=True)
        cap.desc += (" Frames 9-16 repeat the same conversation over IPv6 "
                     "([2001:db8::2]:41000 -> [2001:db8::80]:80).")
    return cap


T_NSEC = T0_NS + 123456789


def link_variants():
    caps = [
        link_variant("linktype-vlan.pcap", LINKTYPE_ETHERNET,
                     "Ethernet with one 802.1Q tag (TPID 0x8100, PCP 0, VLAN id 100) on every frame; "
                     "IPv4.", vlans=[(0x8100, 100)]),
        link_variant("linktype-qinq.pcap", LINKTYPE_ETHERNET,
                     "Ethernet with two VLAN tags on every frame: outer TPID 0x88a8 VLAN id 200, "
                     "inner TPID 0x8100 VLAN id 100, then ethertype 0x0800; IPv4.",
                     vlans=[(0x88A8, 200), (0x8100, 100)]),
        link_variant("linktype-sll.pcap", LINKTYPE_LINUX_SLL,
                     "Linux cooked capture v1 (16-byte header): packet type 4 (outgoing) for client "
                     "packets and 0 (to us) for server packets, ARPHRD_ETHER, address length 6, "
                     "address = sender MAC, protocol 0x0800; IPv4."),
        link_variant("linktype-sll2.pcap", LINKTYPE_LINUX_SLL2,
                     "Linux cooked capture v2 (20-byte header): protocol 0x0800, interface index 2, "
                     "ARPHRD_ETHER, packet type 4 (outgoing, client) / 0 (server), address length "
                     "6, address = sender MAC; IPv4."),
        link_variant("linktype-raw.pcap", LINKTYPE_RAW,
                     "LINKTYPE_RAW (101): frames start with the IPv4 header."),
        link_variant("linktype-ipv4.pcap", LINKTYPE_IPV4,
                     "LINKTYPE_IPV4 (228): frames start with the IPv4 header."),
        link_variant("linktype-ipv6.pcap", LINKTYPE_IPV6,
                     "LINKTYPE_IPV6 (229): frames start with the IPv6 header; client 2001:db8::2, "
                     "server 2001:db8::80.", v6=True),
        link_variant("linktype-null.pcap", LINKTYPE_NULL,
                     "DLT_NULL (0): 4-byte address family in little-endian (writer's host order): "
                     "bytes `02 00 00 00` (AF_INET=2) before IPv4 packets (frames 1-8) and "
                     "`1e 00 00 00` (AF_INET6=30, the macOS/FreeBSD value) before IPv6 packets "
                     "(frames 9-16).", both=True),
        link_variant("linktype-loop.pcap", LINKTYPE_LOOP,
                     "DLT_LOOP (108): 4-byte address family in network byte order: `00 00 00 02` "
                     "(AF_INET) before every frame; IPv4 only."),
        link_variant("pcapng-basic.pcapng", LINKTYPE_ETHERNET,
                     "pcapng: one SHB (little-endian, version 1.0, section length -1), one IDB "
                     "(Ethernet, snaplen 262144, no options => if_tsresol default 6 = microseconds), "
                     "then one Enhanced Packet Block per frame (interface 0). Ethernet, IPv4.",
                     fmt="pcapng"),
        link_variant("pcapng-nsec.pcapng", LINKTYPE_ETHERNET,
                     "pcapng with IDB option if_tsresol = 9 (nanoseconds). Timestamps start at "
                     "1700000000.123456789 and advance by exactly 1 ms (frame N = "
                     "1700000000.123456789 + (N-1)*0.001). Ethernet, IPv4.",
                     fmt="pcapng", tsresol=9, t0=T_NSEC),
        link_variant("pcap-nsec.pcap", LINKTYPE_ETHERNET,
                     "Classic pcap with the nanosecond magic 0xa1b23c4d (little-endian file: bytes "
                     "`4d 3c b2 a1`). Timestamps start at 1700000000.123456789, step 1 ms. "
                     "Ethernet, IPv4.", nano=True, t0=T_NSEC),
    ]
    return caps


# ---------------------------------------------------------------------------
# A3 ipv6-ext


def ipv6_ext():
    cap = Capture("ipv6-ext.pcap")
    cap.desc = ("Ethernet, IPv6. The link-test HTTP conversation between [2001:db8::2]:41000 and "
                "[2001:db8::80]:80 where every CLIENT packet (frames 1, 3, 4, 6, 8) carries, "
                "between the IPv6 header and TCP: Hop-by-Hop Options (8 bytes: PadN 4) -> "
                "Destination Options (8 bytes: PadN 4) -> Routing header type 4 (Segment Routing, "
                "24 bytes, segments left 0, last entry 0, one segment = 2001:db8::80) -> TCP. "
                "So client IPv6 next header = 0, chain 0 -> 60 -> 43 -> 6, 40 bytes of extension "
                "headers. Server packets have no extension headers.\n\n" + LINKTEST_DESC)
    simple_get(cap, "2001:db8::2", 41000, "2001:db8::80", 80, 0x6B000001, 0x6C000001,
               "linktest.example.com", "/hello", b"Hello, world\n",
               client_exts=(ext_hbh_padn(), ext_dst_padn(), ext_srh("2001:db8::80")))
    return cap


# ---------------------------------------------------------------------------
# A4 ipv4-options-frag

RR_OPTS = b"\x01" + bytes([7, 11, 4]) + b"\0" * 8   # NOP + Record Route (2 empty slots)


def ipv4_options_frag():
    cap = Capture("ipv4-options-frag.pcap")
    cap.desc = (
        "Ethernet.\n\n(a) frames 1-8: the link-test HTTP conversation (10.0.0.2:41000 -> "
        "192.0.2.80:80) where every CLIENT packet (frames 1, 3, 4, 6, 8) carries 12 bytes of "
        "IPv4 options: NOP (0x01) + Record Route (type 7, length 11, pointer 4, two empty "
        "slots), so IHL = 8 (32-byte header). Server packets have no options.\n\n"
        "(b) frames 9-11: one UDP datagram 10.0.0.2:50001 -> 192.0.2.53:5000 with 3000 bytes of "
        "payload (UDP length 3008), sent as 3 IPv4 fragments, IP id 0x1234, DF clear: "
        "offsets 0 (MF, 1480 data bytes incl. UDP header), 1480 (MF, 1480 bytes), 2960 (last, 48 "
        "bytes). Reassembled IPv4 datagram: 20 + 3008 = 3028 bytes.\n\n"
        "(c) frames 12-13: one UDP datagram [2001:db8::2]:50002 -> [2001:db8::53]:5000 with 2000 "
        "bytes of payload (UDP length 2008) sent as 2 IPv6 fragments using a Fragment extension "
        "header (identification 0x0000abcd): offset 0 M=1 (1448 bytes of fragmentable part), "
        "offset 1448 M=0 (560 bytes). Reassembled: 40 + 2008 = 2048 bytes.\n\n"
        "Fragment payload bytes: UDP payload byte i = i mod 256 (for both datagrams).\n\n"
        "Flow counters for (b) and (c) in the table below count every fragment frame as one "
        "packet and add each fragment's own IP length. A decoder that counts reassembled datagrams "
        "instead would see 1 packet / 3028 bytes for (b) and 1 packet / 2048 bytes for (c).")
    simple_get(cap, "10.0.0.2", 41000, "192.0.2.80", 80, 0x4B000001, 0x4C000001,
               "linktest.example.com", "/hello", b"Hello, world\n", client_opts=RR_OPTS)
    # (b) IPv4 fragments
    payload = bytes(i % 256 for i in range(3000))
    dgram = udp("10.0.0.2", "192.0.2.53", 50001, 5000, payload)
    fl = cap.flow("UDP", "10.0.0.2", 50001, "192.0.2.53", 5000, None, None,
                  "IPv4-fragmented datagram")
    chunks = [(0, 1480), (1480, 2960), (2960, 3008)]
    for i, (a, b) in enumerate(chunks):
        l3 = ipv4("10.0.0.2", "192.0.2.53", PROTO_UDP, dgram[a:b], ident=0x1234, df=False,
                  mf=i < 2, frag_off=a)
        cap.add_l3(l3, True, fl, summary="10.0.0.2 -> 192.0.2.53 IPv4 fragment id=0x1234 off=%d%s "
                   "len=%d" % (a, " MF" if i < 2 else "", b - a),
                   note="IPv4 fragment %d/3%s" % (i + 1, " (carries the UDP header)" if i == 0 else ""))
    # (c) IPv6 fragments
    payload6 = bytes(i % 256 for i in range(2000))
    dgram6 = udp("2001:db8::2", "2001:db8::53", 50002, 5000, payload6)
    fl6 = cap.flow("UDP", "2001:db8::2", 50002, "2001:db8::53", 5000, None, None,
                   "IPv6-fragmented datagram")
    for i, (a, b) in enumerate([(0, 1448), (1448, 2008)]):
        nh, ch = chain([ext_fragment(a, i == 0, 0xABCD)], PROTO_UDP)
        l3 = ipv6("2001:db8::2", "2001:db8::53", nh, ch + dgram6[a:b])
        cap.add_l3(l3, True, fl6, summary="2001:db8::2 -> 2001:db8::53 IPv6 fragment id=0xabcd "
                   "off=%d%s len=%d" % (a, " M" if i == 0 else "", b - a),
                   note="IPv6 fragment %d/2%s" % (i + 1, " (carries the UDP header)" if i == 0 else ""))
    return cap


# ---------------------------------------------------------------------------
# A5 malformed


def malformed():
    cap = Capture("malformed.pcap")
    cap.desc = (
        "Ethernet, classic pcap (snaplen 262144). Frames 1-14 each carry exactly one defect "
        "(see the per-frame notes); none of them may crash the decoder, and none of them "
        "produces a host name or HTTP request. Strict expectation: no flow from frames 1-14, so "
        "the file has exactly one flow (F1 below). Tolerated alternative: frames 3, 5, 9 and 10 "
        "still have readable addresses and ports (their only defect is a length that claims more "
        "data than was captured), so a decoder that accounts truncated packets instead of "
        "dropping them may add one single-packet flow for each of them: frame 3 "
        "10.0.0.2:42003 -> 192.0.2.99:80 TCP (IP length field 1500), frame 5 10.0.0.2:42005 -> "
        "192.0.2.99:80 TCP (IP length 44), frame 9 10.0.0.2:42009 -> 192.0.2.99:7000 UDP (IP "
        "length 38), frame 10 [2001:db8::2]:42010 -> [2001:db8::99]:80 TCP (IP length field 40 + "
        "1000). Frames 1, 2, 4, 6, 7, 8, 11, 12, 13 and 14 must never create a flow. "
        "Frames 15-22 are a complete good "
        "conversation 10.0.0.2:42100 -> 192.0.2.80:80 (handshake, `GET /after-bad HTTP/1.1` "
        "Host `good.example.com`, 200 response, FIN teardown) so a test can check that "
        "processing continued after the bad frames. Unless noted, bad frames are "
        "10.0.0.2 -> 192.0.2.99 with source ports 42001.. and a TCP SYN / UDP payload; all "
        "checksums that can be computed are correct.")
    C, S = "10.0.0.2", "192.0.2.99"

    def eframe(l3, ethertype=None):
        return eth(l3, False, True, ethertype=ethertype)

    def syn(sport):
        return tcp(C, S, sport, 80, 0x01000000, 0, "S")

    # 1 short ethernet
    full = eframe(ipv4(C, S, PROTO_TCP, syn(42001), ident=1))
    cap.add_raw(full[:10], summary="10-byte frame",
                note="Ethernet frame of 10 bytes (caplen = wire length = 10): shorter than the "
                "14-byte Ethernet header (dst MAC + 4 bytes of src MAC)")
    # 2 IHL=3
    l3 = ipv4(C, S, PROTO_TCP, syn(42002), ident=2, ihl=3)
    cap.add_raw(eframe(l3), summary="IPv4 IHL=3",
                note="IPv4 version/IHL byte 0x43: IHL=3 (12 bytes) < 5; rest is a normal 20-byte "
                "header (total length 40) + TCP SYN :42002 -> :80. Header checksum computed "
                "over the 20 bytes")
    # 3 total length > captured
    l3 = ipv4(C, S, PROTO_TCP, syn(42003), ident=3, total_length=1500)
    cap.add_raw(eframe(l3), summary="IPv4 total length 1500, 40 bytes present",
                note="IPv4 total length 1500 but only 40 bytes of IP packet captured "
                "(caplen = wire length = 54); TCP SYN :42003 -> :80")
    # 4 total length < header
    l3 = ipv4(C, S, PROTO_TCP, syn(42004), ident=4, total_length=16)
    cap.add_raw(eframe(l3), summary="IPv4 total length 16",
                note="IPv4 total length 16 < 20-byte header (40 bytes present: TCP SYN :42004 -> :80)")
    # 5 snaplen cut inside TCP header
    seg = tcp(C, S, 42005, 80, 0x01000000, 0, "S", options=b"\x02\x04\x05\xb4")
    f = eframe(ipv4(C, S, PROTO_TCP, seg, ident=5))
    cap.add_raw(f[:44], wirelen=len(f), summary="caplen 44 < len %d" % len(f),
                note="valid TCP SYN :42005 -> :80 (wire length %d) captured with caplen 44: the "
                "record ends after 10 bytes of the 24-byte TCP header (ports, seq, 2 bytes of ack)"
                % len(f))
    # 6 TCP data offset 3
    seg = tcp(C, S, 42006, 80, 0x01000000, 0, "S", doff=3)
    cap.add_raw(eframe(ipv4(C, S, PROTO_TCP, seg, ident=6)), summary="TCP doff=3",
                note="TCP data offset 3 (12 bytes) < 5; 20 bytes of TCP header present, IP total "
                "length 40; :42006 -> :80")
    # 7 TCP data offset 15 with 20 bytes
    seg = tcp(C, S, 42007, 80, 0x01000000, 0, "S", doff=15)
    cap.add_raw(eframe(ipv4(C, S, PROTO_TCP, seg, ident=7)), summary="TCP doff=15",
                note="TCP data offset 15 (60 bytes) but only 20 bytes of TCP header present "
                "(IP total length 40, frame ends there); :42007 -> :80")
    # 8 UDP length 4
    dg = udp(C, S, 42008, 7000, b"ABCDEFGHIJKL", length=4)
    cap.add_raw(eframe(ipv4(C, S, PROTO_UDP, dg, ident=8, df=False)), summary="UDP length 4",
                note="UDP length field 4 (< 8-byte header); IP total length 40 (8-byte UDP header + "
                "12 bytes `ABCDEFGHIJKL`); :42008 -> :7000")
    # 9 UDP length > data
    dg = udp(C, S, 42009, 7000, b"0123456789", length=200)
    cap.add_raw(eframe(ipv4(C, S, PROTO_UDP, dg, ident=9, df=False)), summary="UDP length 200",
                note="UDP length field 200 but only 18 bytes of UDP present (8 header + `0123456789`); "
                "IP total length 38 is consistent with the capture; :42009 -> :7000")
    # 10 IPv6 payload length beyond capture
    seg = tcp("2001:db8::2", "2001:db8::99", 42010, 80, 0x01000000, 0, "S")
    l3 = ipv6("2001:db8::2", "2001:db8::99", PROTO_TCP, seg, plen=1000)
    cap.add_raw(eth(l3, True, True), summary="IPv6 plen 1000, 20 present",
                note="IPv6 payload length 1000 but only 20 bytes (a TCP SYN [2001:db8::2]:42010 -> "
                "[2001:db8::99]:80) follow the header")
    # 11 IPv6 ext chain past end
    hbh = bytes([NH_DSTOPTS, 0, 1, 4, 0, 0, 0, 0])
    dst_partial = bytes([PROTO_TCP, 10, 1, 4, 0, 0, 0, 0])   # claims (10+1)*8 = 88 bytes
    l3 = ipv6("2001:db8::2", "2001:db8::99", NH_HOPOPT, hbh + dst_partial)
    cap.add_raw(eth(l3, True, True), summary="IPv6 ext chain past end",
                note="IPv6 payload length 16 (consistent with the capture): Hop-by-Hop (8 bytes, "
                "next = 60) then a Destination Options header whose hdr ext len 10 claims 88 bytes "
                "but only 8 are present; next header would be TCP; nothing after it")
    # 12 unknown ethertype
    cap.add_raw(eth(prng("malformed-88b5", 32), False, True, ethertype=0x88B5),
                summary="ethertype 0x88b5",
                note="unknown/local experimental ethertype 0x88b5 with 32 bytes of payload")
    # 13 802.1Q cut mid-tag
    fr = eth(b"", False, True, vlans=[(0x8100, 100)])
    cap.add_raw(fr[:15], summary="802.1Q tag cut",
                note="15-byte frame: MACs + TPID 0x8100 + 1 of the 2 TCI bytes; no inner ethertype")
    # 14 zero-length
    cap.add_raw(b"", wirelen=0, summary="caplen 0",
                note="zero-length record: caplen 0, wire length 0")
    # good conversation
    c = TCPConn(cap, "10.0.0.2", 42100, "192.0.2.80", 80, 0x5A000000, 0x5B000000,
                host="good.example.com", host_src="HTTP Host")
    c.handshake()
    req, hl = http_request("GET", "/after-bad", "good.example.com",
                           [("User-Agent", "curl/7.88.1"), ("Accept", "*/*")], mobile=False)
    st, en, _ = c.send("c", req)
    c.request(st, en, "GET", "/after-bad", "good.example.com", hl)
    body = b"fine\n"
    st, en, _ = c.send("s", http_response(200, "OK", [("Content-Type", "text/plain")], body))
    c.response(st, en, 200, body_len=len(body), decoded_body=body)
    c.close("c")
    return cap


# ---------------------------------------------------------------------------
# A6 bad inputs (raw files, with their own README text)


def bad_files():
    files = []  # (relpath, bytes, markdown)
    files.append(("bad/empty.pcap", b"", "0 bytes. Must be reported as an unreadable/empty "
                  "capture without crashing. libpcap: pcap_open_offline() fails with \"truncated "
                  "dump file; tried to read 4 file header bytes, only got 0\" (capinfos, which "
                  "uses wiretap, instead reports 0 packets with exit status 0)."))
    # truncated: 10-frame conversation
    cap = Capture("bad/truncated.pcap")
    c = TCPConn(cap, "10.0.0.2", 41500, "192.0.2.80", 80, 0x61000000, 0x62000000,
                host="trunc.example.com", host_src="HTTP Host")
    c.handshake()                                                   # 1-3
    req, hl = http_request("GET", "/trunc", "trunc.example.com",
                           [("User-Agent", "curl/7.88.1")], mobile=False)
    c.send("c", req)                                                # 4
    c.pkt("s", "A")                                                 # 5
    body = bytes(prng("truncated-body", 300).hex()[:400], "ascii")
    c.send("s", b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 400\r\n\r\n")  # 6
    c.send("s", body)                                               # 7
    c.pkt("c", "A")                                                 # 8
    c.pkt("c", "FA")                                                # 9
    c.pkt("s", "FA")                                                # 10
    full = cap.file_bytes()
    off = 24
    offsets = []
    for f in cap.frames:
        offsets.append(off)
        off += 16 + len(f["data"])
    f7 = cap.frames[6]
    cut = offsets[6] + 16 + len(f7["data"]) // 2
    data = full[:cut]
    md = ("Ethernet classic pcap (microsecond). The complete file would hold 10 frames "
          "(%d bytes): 10.0.0.2:41500 -> 192.0.2.80:80 handshake (1-3), `GET /trunc HTTP/1.1` Host "
          "`trunc.example.com` (4), server ACK (5), response headers (6, `Content-Length: 400`), "
          "response body (7, 400 bytes), client ACK (8), client FIN (9), server FIN (10).\n\n"
          "The file is cut inside frame 7's packet data: frame 7's 16-byte record header starts "
          "at file offset %d (its packet data at %d, caplen %d); the file ends at offset %d "
          "(file size %d bytes), i.e. after %d of frame 7's %d data bytes. Frames 1-6 are "
          "complete; record header offsets of frames 1-7: %s. Expected: 6 frames read, then a "
          "truncation error (libpcap: pcap_next_ex() returns -1 with \"truncated dump file; "
          "tried to read %d captured bytes, only got %d\"; capinfos: \"An error occurred after "
          "reading 6 packets\"); the HTTP request in frame 4 is visible.") % (
              len(full), offsets[6], offsets[6] + 16, len(f7["data"]), cut, cut,
              len(f7["data"]) // 2, len(f7["data"]), ", ".join(str(o) for o in offsets[:7]),
              len(f7["data"]), len(f7["data"]) // 2)
    files.append(("bad/truncated.pcap", data, md))
    # random
    rnd = bytearray(prng("random.pcap", 4096))
    files.append(("bad/random.pcap", bytes(rnd),
                  "4096 pseudo-random bytes (SHA-256 counter stream, seed `random.pcap`). First "
                  "4 bytes: `%s` (not a pcap magic a1b2c3d4/d4c3b2a1/a1b23c4d/4d3cb2a1 nor the "
                  "pcapng SHB type 0a0d0d0a). libpcap: \"unknown file format\"." % rnd[:4].hex(" ")))
    # unknown block pcapng
    cap = Capture("bad/unknown-block.pcapng", fmt="pcapng")
    c = TCPConn(cap, "10.0.0.2", 41600, "192.0.2.80", 80, 0x63000000, 0x64000000,
                host="unknown-block.example.com", host_src="HTTP Host")
    c.handshake()
    req, hl = http_request("GET", "/ub", "unknown-block.example.com",
                           [("User-Agent", "curl/7.88.1")], mobile=False)
    c.send("c", req)
    blk = pcapng_block(0x00000BAD, bytes.fromhex("deadbeef0102030405060708"))
    data = pcapng_bytes(cap.linktype, cap.frames, 6, {2: blk})
    files.append(("bad/unknown-block.pcapng", data, (
        "A valid pcapng (Ethernet, microseconds) with 4 Enhanced Packet Blocks: 10.0.0.2:41600 -> "
        "192.0.2.80:80 SYN (1), SYN/ACK (2), ACK (3), `GET /ub HTTP/1.1` Host "
        "`unknown-block.example.com` (4, %d bytes of payload). Between EPB 2 and EPB 3 there is a "
        "block of unknown type 0x00000BAD, total length 24 (12-byte body `de ad be ef 01 02 03 "
        "04 05 06 07 08`), at file offset %d. Readers must skip it: expected 4 packets, "
        "timestamps 1700000000.000000 + (N-1) ms (libpcap and capinfos both read 4 packets).") % (len(req), data.find(blk))))
    # unsupported linktype
    frs = []
    for i in range(2):
        l3 = ipv4("10.0.0.2", "192.0.2.80", PROTO_UDP,
                  udp("10.0.0.2", "192.0.2.80", 41700 + i, 7000, b"user0 frame %d" % (i + 1)), ident=i)
        frs.append({"ts_ns": T0_NS + i * 1000000, "data": l3, "wirelen": len(l3)})
    files.append(("bad/unsupported-linktype.pcap", pcap_bytes(LINKTYPE_USER0, frs),
                  "Valid classic pcap header with link type 147 (LINKTYPE_USER0) and 2 frames "
                  "(each actually a raw IPv4/UDP packet, 42 bytes). A decoder that does not support "
                  "the link type must reject the file (or skip both frames) cleanly. libpcap opens it "
                  "(pcap_datalink() = 147) and returns 2 frames."))
    hdr = pcap_bytes(LINKTYPE_ETHERNET, [])
    files.append(("bad/short-header.pcap", hdr[:10],
                  "Only the first 10 bytes of a 24-byte pcap global header (`%s`): magic, "
                  "version 2.4, half of thiszone. libpcap: \"truncated dump file; tried to read 24 file "
                  "header bytes, only got 6\" (sic: libpcap counts the bytes after the 4-byte magic)." % hdr[:10].hex(" ")))
    return files


# ---------------------------------------------------------------------------
# A7 batch


def batch_caps():
    caps = []
    for name, host, uri, port, fmt in [("batch/a-good.pcap", "a.example.com", "/a", 41801, "pcap"),
                                       ("batch/c-good.pcapng", "c.example.com", "/c", 41803, "pcapng"),
                                       ("batch/sub/d-good.pcap", "d.example.com", "/d", 41804, "pcap")]:
        cap = Capture(name, fmt=fmt)
        simple_get(cap, "10.0.0.2", port, "192.0.2.80", 80, 0x70000000 + port, 0x71000000 + port,
                   host, uri, b"ok\n")
        cap.desc = ("Ethernet %s. One HTTP conversation (8 frames): handshake, `GET %s HTTP/1.1` Host "
                    "`%s`, 200 with body `ok\\n`, FIN teardown." % (
                        "pcapng (microseconds)" if fmt == "pcapng" else "classic pcap", uri, host))
        caps.append(cap)
    return caps


def batch_raw():
    return [
        ("batch/b-bad.pcap", prng("batch-b-bad", 512),
         "512 pseudo-random bytes (seed `batch-b-bad`, first bytes `%s`): has a capture name "
         "but no valid magic; a batch run must report it as bad and continue." % prng("batch-b-bad", 4).hex(" ")),
        ("batch/notes.txt", b"This directory is used by the batch-mode tests.\n"
         b"Only *.pcap / *.pcapng files with a valid magic are captures; this file is not.\n",
         "Plain text (2 lines). A directory walk must skip it (not a capture by name or magic)."),
    ]
