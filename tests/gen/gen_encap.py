"""Part C: link types, tunnels and IP fragments (captures/test/encap/).

Every capture carries the standard link-test HTTP conversation (see
gen_foundation.LINKTEST_DESC), once per encapsulation, each time from its own
client port, wrapped in the layers named in its flow table.  Outer tunnel
endpoints are 198.18.0.1 (client side) and 198.18.0.2, or 2001:db8:ff::1 and
2001:db8:ff::2; the inner packets are exactly the link-test ones.  Every
flow's expected `encapsulation` (privaudit's flows[].encapsulation) and
`vlan` are recorded in expected.json.
"""

import struct
import zlib

from gen_foundation import LINKTEST_DESC, linktest
from pcapgen import (
    Capture, UDPFlow, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_USER0, MAC_CLIENT, MAC_GW,
    ext_fragment, ip_len, ipv4, ipv6, pad4, pcapng_block, pcapng_shb, prng, udp,
    PROTO_UDP,
)

LINKTYPE_PPP = 9
LINKTYPE_PPP_HDLC = 50
LINKTYPE_PPP_ETHER = 51
LINKTYPE_C_HDLC = 104
LINKTYPE_IEEE802_11 = 105
LINKTYPE_PRISM = 119
LINKTYPE_RADIOTAP = 127
LINKTYPE_AVS = 163
LINKTYPE_PPI = 192
LINKTYPE_NFLOG = 239

TUN4 = ("198.18.0.1", "198.18.0.2")
TUN6 = ("2001:db8:ff::1", "2001:db8:ff::2")
BSSID = bytes.fromhex("02000000aa01")

DIR = "encap/"


class EncapCapture(Capture):
    """A capture whose frames are made by `self.wrap(l3, outgoing)`.  Flows
    created while `self.layers` / `self.vlan_ids` are set expect them.  With
    `self.ifaces` (a list of (linktype, snaplen)) it is a pcapng with one IDB
    per entry and each frame on interface `self.iface`."""

    def __init__(self, relpath, linktype=LINKTYPE_ETHERNET, **kw):
        super().__init__(DIR + relpath, linktype=linktype, **kw)
        self.wrap = None
        self.layers = []
        self.vlan_ids = []
        self.iface = 0
        self.ifaces = None
        self.frag = None          # list of (start, end, replacement or None): the next packet's fragments
        self.ipid = 0x4000
        self.libpcap_refuses = False
        self.coverage = {}        # expected coverage.packets counters beyond ok
        self.reassembly = None    # expected coverage.ip_reassembly

    def flow(self, proto, cip, cport, sip, sport, host=None, host_src=None, note="", new=False):
        created = new or (proto, cip, cport, sip, sport) not in self.flow_by_key
        fl = super().flow(proto, cip, cport, sip, sport, host, host_src, note, new=new)
        if created:
            fl["encapsulation"] = list(self.layers)
            fl["vlan"] = list(self.vlan_ids)
        return fl

    def next_ipid(self):
        self.ipid = (self.ipid + 1) & 0xFFFF
        return self.ipid

    def add_l3(self, l3, outgoing=True, flow=None, summary="", note=""):
        if self.frag:
            return self._add_fragments(l3, outgoing, flow, summary, note)
        n = self._add(self.wrap(l3, outgoing), l3=l3, flow=flow, outgoing=outgoing, summary=summary, note=note)
        self.frames[-1]["iface"] = self.iface
        return n

    def add_frame(self, data, summary="", note=""):
        n = self.add_raw(data, summary=summary, note=note)
        self.frames[-1]["iface"] = self.iface
        return n

    def _add_fragments(self, l3, outgoing, flow, summary, note):
        """Emits l3 as IP fragments in the planned order; the last one
        completes the datagram and stands for the packet in the flow."""
        plan, self.frag = self.frag, None
        pieces = fragments(l3, plan)
        for i, (frag, what) in enumerate(pieces):
            last = i == len(pieces) - 1
            self._add(self.wrap(frag, outgoing), l3=l3 if last else None, flow=flow if last else None,
                      outgoing=outgoing, summary=("%s (reassembled)" % summary) if last else what,
                      note=(note + "; " if note and last else "") + what)
            self.frames[-1]["iface"] = self.iface
        return len(self.frames)

    def file_bytes(self):
        if not self.ifaces:
            return super().file_bytes()
        out = [pcapng_shb()]
        for lt, snaplen in self.ifaces:
            out.append(pcapng_block(1, struct.pack("<HHI", lt, 0, snaplen)))
        for f in self.frames:
            ts = f["ts_ns"] // 1000
            out.append(pcapng_block(6, struct.pack("<IIIII", f["iface"], ts >> 32, ts & 0xFFFFFFFF,
                                                   len(f["data"]), f["wirelen"]) + pad4(f["data"])))
        return b"".join(out)


def fragments(l3, plan):
    """The fragments of an IP packet: plan is a list of (start, end, data)
    over the fragmentable part; data replaces those bytes (an overlapping
    copy with other bytes) when given."""
    out = []
    if l3[0] >> 4 == 4:
        ihl = (l3[0] & 15) * 4
        src, dst = l3[12:16], l3[16:20]
        ident = struct.unpack("!H", l3[4:6])[0]
        body = l3[ihl:]
        for start, end, data in plan:
            chunk = data if data is not None else body[start:end]
            hdr = bytearray(l3[:ihl])
            struct.pack_into("!H", hdr, 2, ihl + len(chunk))
            struct.pack_into("!H", hdr, 6, (0x2000 if end < len(body) else 0) | start // 8)
            struct.pack_into("!H", hdr, 10, 0)
            from pcapgen import csum
            struct.pack_into("!H", hdr, 10, csum(bytes(hdr)))
            out.append((bytes(hdr) + chunk, "IPv4 fragment id 0x%04x offset %d length %d%s%s" % (
                ident, start, len(chunk), " MF" if end < len(body) else "",
                " (overlapping copy, other bytes)" if data is not None else "")))
        del src, dst
    else:
        nh = l3[6]
        body = l3[40:]
        ident = 0x5EED0000 | (struct.unpack("!H", l3[4:6])[0] & 0xFFFF)
        for start, end, data in plan:
            chunk = data if data is not None else body[start:end]
            fh = bytes([nh]) + ext_fragment(start, end < len(body), ident)[1][1:]
            hdr = bytearray(l3[:40])
            hdr[6] = 44
            struct.pack_into("!H", hdr, 4, 8 + len(chunk))
            out.append((bytes(hdr) + fh + chunk, "IPv6 fragment id 0x%08x offset %d length %d%s" % (
                ident, start, len(chunk), " M" if end < len(body) else "")))
    return out


# ---------------------------------------------------------------------------
# layers


def eth_frame(payload, ethertype, outgoing, vlans=()):
    dst, src = (MAC_GW, MAC_CLIENT) if outgoing else (MAC_CLIENT, MAC_GW)
    tags = b"".join(struct.pack("!HH", 0x8100, vid) for vid in vlans)
    return dst + src + tags + struct.pack("!H", ethertype) + payload


def ethertype_of(l3):
    return 0x86DD if l3[0] >> 4 == 6 else 0x0800


def outer_ip(cap, payload, proto, outgoing, v6=False):
    if v6:
        s, d = TUN6 if outgoing else TUN6[::-1]
        return ipv6(s, d, proto, payload)
    s, d = TUN4 if outgoing else TUN4[::-1]
    return ipv4(s, d, proto, payload, ident=cap.next_ipid(), df=False)


def outer_udp(cap, payload, sport, dport, outgoing, v6=False, mirror=False):
    """Tunnel endpoints send to the tunnel's port both ways (VXLAN, Geneve,
    GRE in UDP); with mirror, the reverse direction swaps the ports."""
    s, d = (TUN6 if v6 else TUN4) if outgoing else (TUN6 if v6 else TUN4)[::-1]
    sp, dp = (dport, sport) if mirror and not outgoing else (sport, dport)
    return outer_ip(cap, udp(s, d, sp, dp, payload), PROTO_UDP, outgoing, v6)


def gre(proto, payload, key=None, seq=None, checksum=False):
    flags = (0x8000 if checksum else 0) | (0x2000 if key is not None else 0) | (0x1000 if seq is not None else 0)
    h = struct.pack("!HH", flags, proto)
    if checksum:
        h += b"\0\0\0\0"
    if key is not None:
        h += struct.pack("!I", key)
    if seq is not None:
        h += struct.pack("!I", seq)
    if checksum:
        from pcapgen import csum
        c = csum(h + payload)
        h = h[:4] + struct.pack("!H", c) + h[6:]
    return h + payload


def ppp_proto(l3, pfc=False):
    proto = 0x0057 if l3[0] >> 4 == 6 else 0x0021
    return (bytes([proto]) if pfc else struct.pack("!H", proto)) + l3


def pppoe_session(session, ppp_payload):
    return struct.pack("!BBHH", 0x11, 0, session, len(ppp_payload)) + ppp_payload


def mpls(labels, payload):
    out = b""
    for i, lab in enumerate(labels):
        out += struct.pack("!I", lab << 12 | (0x100 if i == len(labels) - 1 else 0) | 64)
    return out + payload


def llc_snap(ethertype, payload):
    return b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", ethertype) + payload


def wlan_data(body, outgoing, qos=False, protected=False, seq=0):
    """802.11 data frame between a station and its access point."""
    subtype = 8 if qos else 0
    fc = bytes([0x08 | subtype << 4, (0x01 if outgoing else 0x02) | (0x40 if protected else 0)])
    sta, peer = (MAC_CLIENT, MAC_GW)
    a1, a2, a3 = (BSSID, sta, peer) if outgoing else (sta, BSSID, peer)
    h = fc + b"\x2c\x00" + a1 + a2 + a3 + struct.pack("<H", seq << 4)
    if qos:
        h += b"\x00\x00"
    return h + body


def radiotap(frame, fcs=True):
    """radiotap: TSFT, Flags (FCS at end when fcs), Rate, Antenna signal."""
    present = 0x1 | 0x2 | 0x4 | 0x20
    fields = struct.pack("<Q", 1700000000123456) + bytes([0x10 if fcs else 0, 0x0C]) + bytes([0xD6])
    hdr = struct.pack("<BBHI", 0, 0, 8 + len(fields), present) + fields
    tail = struct.pack("<I", zlib.crc32(frame) & 0xFFFFFFFF) if fcs else b""
    return hdr + frame + tail


def nflog(l3, family):
    def tlv(t, v):
        return pad4(struct.pack("<HH", 4 + len(v), t) + v)
    hwproto = ethertype_of(l3)
    return (struct.pack("!BBH", family, 0, 1) +
            tlv(1, struct.pack("!HBB", hwproto, 3, 0)) +      # NFULA_PACKET_HDR: protocol, hook
            tlv(10, b"privaudit\0") +                          # NFULA_PREFIX
            tlv(11, struct.pack("!I", 1000)) +                 # NFULA_UID
            tlv(9, l3))                                        # NFULA_PAYLOAD


# ---------------------------------------------------------------------------
# captures


def conv(cap, cport, v6=False, layers=(), vlan=(), wrap=None):
    cap.layers, cap.vlan_ids, cap.wrap = list(layers), list(vlan), wrap
    return linktest(cap, v6=v6, cport=cport)


def link_nflog():
    cap = EncapCapture("nflog.pcap", LINKTYPE_NFLOG)
    cap.desc = ("LINKTYPE_NFLOG (239), as `tcpdump -i nflog:1` writes it: a 4-byte header (family, "
                "version 0, resource id 1, big-endian) and TLVs in the writer's (little-endian) byte "
                "order, each padded to 4 bytes: NFULA_PACKET_HDR (1), NFULA_PREFIX (10, `privaudit`), "
                "NFULA_UID (11), NFULA_PAYLOAD (9, the IP packet). Frames 1-8: IPv4 (family 2) from "
                "client port 41001; frames 9-16: IPv6 (family 10) from client port 41002.\n\n" + LINKTEST_DESC)
    conv(cap, 41001, wrap=lambda l3, out: nflog(l3, 2))
    conv(cap, 41002, v6=True, wrap=lambda l3, out: nflog(l3, 10))
    return cap


def link_ppp():
    caps = []
    cap = EncapCapture("ppp.pcap", LINKTYPE_PPP)
    cap.desc = ("LINKTYPE_PPP (9). Frames 1-8: address and control `ff 03`, protocol `00 21` (IPv4), "
                "client port 41011. Frames 9-16: IPv6 without address and control, protocol field "
                "compressed to one byte (`57`, RFC 1661 PFC), client port 41012.\n\n" + LINKTEST_DESC)
    conv(cap, 41011, wrap=lambda l3, out: b"\xff\x03" + ppp_proto(l3))
    conv(cap, 41012, v6=True, wrap=lambda l3, out: ppp_proto(l3, pfc=True))
    caps.append(cap)
    cap = EncapCapture("ppp-hdlc.pcap", LINKTYPE_PPP_HDLC)
    cap.desc = ("LINKTYPE_PPP_HDLC (50, DLT_PPP_SERIAL): PPP in HDLC-like framing, `ff 03 00 21` "
                "before IPv4, client port 41013.\n\n" + LINKTEST_DESC)
    conv(cap, 41013, wrap=lambda l3, out: b"\xff\x03" + ppp_proto(l3))
    caps.append(cap)
    cap = EncapCapture("ppp-ether.pcap", LINKTYPE_PPP_ETHER)
    cap.desc = ("LINKTYPE_PPP_ETHER (51): frames start with the PPPoE session header (version/type "
                "0x11, code 0, session 0x0042, length), then PPP protocol `00 21`; client port "
                "41014.\n\n" + LINKTEST_DESC)
    conv(cap, 41014, layers=["pppoe 66"], wrap=lambda l3, out: pppoe_session(0x42, ppp_proto(l3)))
    caps.append(cap)
    return caps


def link_chdlc():
    cap = EncapCapture("chdlc.pcap", LINKTYPE_C_HDLC)
    cap.desc = ("LINKTYPE_C_HDLC (104): address 0x0f, control 0, Ethernet type 0x0800. Frame 1 is a "
                "SLARP keepalive (type 0x8035): not IP. Frames 2-9: the conversation, client port "
                "41021.\n\n" + LINKTEST_DESC)
    cap.add_frame(b"\x8f\x00\x80\x35" + struct.pack("!III", 2, 0x10, 0x20) + b"\xff\xff",
                  summary="Cisco SLARP keepalive", note="not IP")
    conv(cap, 41021, wrap=lambda l3, out: b"\x0f\x00" + struct.pack("!H", ethertype_of(l3)) + l3)
    cap.coverage = {"not_ip": 1}
    return cap


def link_wlan():
    caps = []
    cap = EncapCapture("wlan.pcap", LINKTYPE_IEEE802_11)
    cap.desc = ("LINKTYPE_IEEE802_11 (105), no FCS. Frame 1: a beacon (management); frame 2: a "
                "Null-function data frame (no data); frame 3: a protected (CCMP) data frame; none is "
                "decoded. Frames 4-11: the conversation, client port 41031; the client's frames are "
                "QoS Data to the AP (To DS), the server's plain Data from it (From DS), each with an "
                "LLC/SNAP header.\n\n" + LINKTEST_DESC)
    beacon = (b"\x80\x00\x00\x00" + b"\xff" * 6 + BSSID + BSSID + b"\x00\x00" +
              struct.pack("<QHH", 0, 100, 0x0411) + b"\x00\x09privaudit")
    cap.add_frame(beacon, summary="802.11 beacon", note="management frame")
    cap.add_frame(b"\x48\x01\x2c\x00" + BSSID + MAC_CLIENT + BSSID + b"\x10\x00",
                  summary="802.11 Null function", note="data frame without data")
    cap.add_frame(wlan_data(b"\x01\x00\x00\x20\x00\x00\x00\x00" + prng("ccmp", 48), True, qos=True,
                            protected=True), summary="802.11 protected QoS data", note="encrypted")
    counter = [0]

    def wrap(l3, out):
        counter[0] += 1
        return wlan_data(llc_snap(ethertype_of(l3), l3), out, qos=out, seq=counter[0])
    conv(cap, 41031, wrap=wrap)
    cap.coverage = {"wlan_not_data": 2, "wlan_protected": 1}
    caps.append(cap)

    cap = EncapCapture("radiotap.pcap", LINKTYPE_RADIOTAP)
    cap.desc = ("LINKTYPE_IEEE802_11_RADIOTAP (127): a radiotap header with TSFT, Flags (0x10: the "
                "frame ends with its FCS), Rate and Antenna signal, then the 802.11 frame as in "
                "`wlan.pcap` and its 4-byte FCS; client port 41032.\n\n" + LINKTEST_DESC)
    conv(cap, 41032, wrap=lambda l3, out: radiotap(wlan_data(llc_snap(ethertype_of(l3), l3), out, qos=True)))
    caps.append(cap)
    return caps


def multilink():
    cap = EncapCapture("pcapng-multilink.pcapng", LINKTYPE_ETHERNET, fmt="pcapng")
    cap.ifaces = [(LINKTYPE_ETHERNET, 262144), (LINKTYPE_LINUX_SLL, 65535), (LINKTYPE_PPI, 4096),
                  (LINKTYPE_PRISM, 4096), (LINKTYPE_AVS, 4096), (LINKTYPE_USER0, 1500)]
    cap.libpcap_refuses = True
    cap.desc = ("pcapng with six interfaces of different link types and snap lengths (libpcap "
                "refuses such a file): 0 Ethernet (snaplen 262144), 1 LINUX_SLL (65535), 2 PPI (192, "
                "4096), 3 PRISM_HEADER (119, 4096), 4 IEEE802_11_AVS (163, 4096), 5 USER0 (147, 1500). "
                "Frames 1-8: the conversation on interface 0 (client port 41041); 9-16 on interface 1 "
                "(41042); 17-24 on interface 2, a PPI header (version 0, length 8, DLT 105) before an "
                "802.11 QoS data frame (41043); 25-32 on interface 3, a 144-byte Prism header (41044); "
                "33-40 on interface 4, a 64-byte AVS header (magic 0x80211001, 41045); frame 41, one "
                "frame on interface 5, whose link type privaudit does not decode.\n\n" + LINKTEST_DESC)
    cap.iface = 0
    conv(cap, 41041, wrap=lambda l3, out: eth_frame(l3, ethertype_of(l3), out))
    cap.iface = 1
    conv(cap, 41042, wrap=lambda l3, out: struct.pack("!HHH8sH", 4 if out else 0, 1, 6,
                                                      (MAC_CLIENT if out else MAC_GW) + b"\0\0",
                                                      ethertype_of(l3)) + l3)

    def w80211(l3, out):
        return wlan_data(llc_snap(ethertype_of(l3), l3), out, qos=True)
    cap.iface = 2
    conv(cap, 41043, wrap=lambda l3, out: struct.pack("<BBHI", 0, 0, 8, 105) + w80211(l3, out))
    cap.iface = 3
    conv(cap, 41044, wrap=lambda l3, out: struct.pack("<II", 0x41, 144) + b"wlan0".ljust(16, b"\0") +
         b"\0" * 120 + w80211(l3, out))
    cap.iface = 4
    conv(cap, 41045, wrap=lambda l3, out: struct.pack("!II", 0x80211001, 64) + b"\0" * 56 + w80211(l3, out))
    cap.iface = 5
    cap.add_frame(b"\x00" * 20, summary="USER0 frame", note="a link type privaudit does not decode")
    cap.coverage = {"unsupported_link_type": 1}
    return cap


def tunnels_l2():
    caps = []
    cap = EncapCapture("pppoe.pcap")
    cap.desc = ("Ethernet, 802.1Q VLAN 10 on every frame. Frame 1: a PPPoE discovery PADI "
                "(ethertype 0x8863): not IP. Frames 2-9: the conversation (client port 41051) in "
                "PPPoE session 0x1234 (ethertype 0x8864), PPP protocol `00 21`. Frame 10: an LCP "
                "echo request in the same session: PPP control, not IP.\n\n" + LINKTEST_DESC)
    cap.add_frame(eth_frame(b"\x11\x09\x00\x00\x00\x04\x01\x01\x00\x00", 0x8863, True, vlans=(10,)),
                  summary="PPPoE PADI", note="PPPoE discovery: not IP")
    conv(cap, 41051, layers=["vlan 10", "pppoe 4660"], vlan=[10],
         wrap=lambda l3, out: eth_frame(pppoe_session(0x1234, ppp_proto(l3)), 0x8864, out, vlans=(10,)))
    cap.add_frame(eth_frame(pppoe_session(0x1234, b"\xc0\x21\x09\x01\x00\x08\x00\x00\x00\x00"), 0x8864, True,
                            vlans=(10,)), summary="PPP LCP echo request", note="PPP control: not IP")
    cap.coverage = {"not_ip": 2}
    caps.append(cap)

    cap = EncapCapture("mpls.pcap")
    cap.desc = ("Ethernet. Frames 1-8 (client port 41061): 802.1Q VLAN 20, ethertype 0x8847, MPLS "
                "labels 100 and 200 (bottom of stack), then IPv4. Frames 9-16 (client port 41062, "
                "IPv6): MPLS label 300 (bottom), an Ethernet pseudowire control word (4 zero bytes), "
                "and an untagged Ethernet frame.\n\n" + LINKTEST_DESC)
    conv(cap, 41061, layers=["vlan 20", "mpls 100", "mpls 200"], vlan=[20],
         wrap=lambda l3, out: eth_frame(mpls([100, 200], l3), 0x8847, out, vlans=(20,)))
    conv(cap, 41062, v6=True, layers=["mpls 300"],
         wrap=lambda l3, out: eth_frame(mpls([300], b"\0\0\0\0" + eth_frame(l3, 0x86DD, out)), 0x8847, out))
    cap.tshark_opts = ["-d", "mpls.label==300,pwethcw"]
    caps.append(cap)
    return caps


def tunnels_gre():
    caps = []
    cap = EncapCapture("gre.pcap")
    seq = [0]

    def nseq():
        seq[0] += 1
        return seq[0]
    cap.desc = ("Ethernet, outer IPv4 198.18.0.1 <-> 198.18.0.2 or IPv6 2001:db8:ff::1 <-> ::2, GRE "
                "(RFC 2784/2890). Frames 1-8 (client port 41071): GRE with key 42 and sequence numbers, "
                "protocol 0x0800, inner IPv4. Frames 9-16 (41072): outer IPv6, GRE with a checksum "
                "and no key, protocol 0x86dd, inner IPv6. Frames 17-24 (41073): GRE protocol 0x6558 "
                "(transparent Ethernet bridging), inner Ethernet frame with VLAN 7, IPv4.\n\n" + LINKTEST_DESC)
    conv(cap, 41071, layers=["gre 42"],
         wrap=lambda l3, out: eth_frame(outer_ip(cap, gre(0x0800, l3, key=42, seq=nseq()), 47, out), 0x0800, out))
    conv(cap, 41072, v6=True, layers=["gre"],
         wrap=lambda l3, out: eth_frame(outer_ip(cap, gre(0x86DD, l3, checksum=True), 47, out, v6=True),
                                        0x86DD, out))
    conv(cap, 41073, layers=["gre", "vlan 7"], vlan=[7],
         wrap=lambda l3, out: eth_frame(outer_ip(cap, gre(0x6558, eth_frame(l3, 0x0800, out, vlans=(7,))), 47,
                                                 out), 0x0800, out))
    caps.append(cap)

    cap = EncapCapture("erspan.pcap")
    cap.desc = ("Ethernet with VLAN 5 outside; outer IPv4 GRE carrying mirrored Ethernet frames "
                "(draft-foschiano-erspan). Frames 1-8 (client port 41081): ERSPAN type I (GRE "
                "protocol 0x88be, no sequence number, no ERSPAN header). Frames 9-16 (41082): type II "
                "(sequence number, 8-byte header version 1, session 100). Frames 17-24 (41083): type "
                "III (GRE protocol 0x22eb, 12-byte header version 2, session 200, frame type 0, with "
                "the 8-byte platform subheader).\n\n" + LINKTEST_DESC)

    def erspan2(session, frame):
        return struct.pack("!HHI", 0x1000 | 0, (0 << 10) | session, 0) + frame

    def erspan3(session, frame):
        return (struct.pack("!HHIHBB", 0x2000, session, 0x01020304, 0, 0, 0x01) + b"\x00" * 8 + frame)
    conv(cap, 41081, layers=["vlan 5", "gre", "erspan"],
         wrap=lambda l3, out: eth_frame(outer_ip(cap, gre(0x88BE, eth_frame(l3, 0x0800, out)), 47, out),
                                        0x0800, out, vlans=(5,)))
    conv(cap, 41082, layers=["vlan 5", "gre", "erspan 100"],
         wrap=lambda l3, out: eth_frame(outer_ip(cap, gre(0x88BE, erspan2(100, eth_frame(l3, 0x0800, out)),
                                                          seq=nseq()), 47, out), 0x0800, out, vlans=(5,)))
    conv(cap, 41083, layers=["vlan 5", "gre", "erspan 200"],
         wrap=lambda l3, out: eth_frame(outer_ip(cap, gre(0x22EB, erspan3(200, eth_frame(l3, 0x0800, out)),
                                                          seq=nseq()), 47, out), 0x0800, out, vlans=(5,)))
    caps.append(cap)

    cap = EncapCapture("aruba.pcap")
    cap.desc = ("Ethernet with VLAN 300; outer IPv4 GRE with protocol 0x8200 (Aruba's access points "
                "tunnel 802.11 frames to their controller this way): an 802.11 QoS data frame, LLC/SNAP, "
                "inner IPv4; client port 41091.\n\n" + LINKTEST_DESC)
    conv(cap, 41091, layers=["vlan 300", "gre", "aruba"],
         wrap=lambda l3, out: eth_frame(outer_ip(cap, gre(0x8200, wlan_data(llc_snap(0x0800, l3), out, qos=True)),
                                                 47, out), 0x0800, out, vlans=(300,)))
    caps.append(cap)

    cap = EncapCapture("pptp.pcap")
    pptp_seq = [0]

    def pptp(l3, out):
        pptp_seq[0] += 1
        ppp = b"\xff\x03" + ppp_proto(l3)
        h = struct.pack("!HHHHI", 0x3081, 0x880B, len(ppp), 42, pptp_seq[0]) + struct.pack("!I", pptp_seq[0])
        return eth_frame(outer_ip(cap, h + ppp, 47, out), 0x0800, out)
    cap.desc = ("Ethernet, outer IPv4, enhanced GRE (version 1, RFC 2637: key = payload length and call "
                "id 42, sequence and acknowledgement numbers), PPP `ff 03 00 21`, inner IPv4; client "
                "port 41101.\n\n" + LINKTEST_DESC)
    conv(cap, 41101, layers=["pptp 42"], wrap=pptp)
    caps.append(cap)

    cap = EncapCapture("gre-in-udp.pcap")
    cap.desc = ("Ethernet, outer IPv4, UDP to port 4754 (GRE in UDP, RFC 8086) from port 50000, GRE "
                "with key 9, protocol 0x0800, inner IPv4; client port 41111.\n\n" + LINKTEST_DESC)
    conv(cap, 41111, layers=["gre-in-udp 9"],
         wrap=lambda l3, out: eth_frame(outer_udp(cap, gre(0x0800, l3, key=9), 50000, 4754, out), 0x0800, out))
    caps.append(cap)
    return caps


def tunnels_ip():
    cap = EncapCapture("ipip.pcap")
    cap.desc = ("Ethernet; IP in IP, four times: frames 1-8 IPv4 in IPv4 (protocol 4, client port "
                "41121), 9-16 IPv6 in IPv4 (protocol 41, 41122), 17-24 IPv4 in IPv6 (next header 4, "
                "41123), 25-32 IPv6 in IPv6 (next header 41, 41124). Frames 33-40: EtherIP (IPv4 "
                "protocol 97, header 0x3000, an Ethernet frame, inner IPv4; 41125).\n\n" + LINKTEST_DESC)
    for cport, v6_in, v6_out, name in ((41121, False, False, "4in4"), (41122, True, False, "6in4"),
                                       (41123, False, True, "4in6"), (41124, True, True, "6in6")):
        conv(cap, cport, v6=v6_in, layers=[name],
             wrap=lambda l3, out, v6o=v6_out: eth_frame(
                 outer_ip(cap, l3, 41 if l3[0] >> 4 == 6 else 4, out, v6=v6o), 0x86DD if v6o else 0x0800, out))
    conv(cap, 41125, layers=["etherip"],
         wrap=lambda l3, out: eth_frame(outer_ip(cap, b"\x30\x00" + eth_frame(l3, 0x0800, out), 97, out),
                                        0x0800, out))
    return cap


def tunnels_udp():
    caps = []
    cap = EncapCapture("vxlan.pcap")
    cap.desc = ("Ethernet, outer IPv4, UDP from port 51234 to 4789, VXLAN (flags 0x08, VNI 5000), "
                "inner Ethernet with VLAN 12, IPv4; client port 41131.\n\n" + LINKTEST_DESC)
    conv(cap, 41131, layers=["vxlan 5000", "vlan 12"], vlan=[12],
         wrap=lambda l3, out: eth_frame(outer_udp(cap, struct.pack("!II", 0x08000000, 5000 << 8) +
                                                  eth_frame(l3, 0x0800, out, vlans=(12,)), 51234, 4789, out),
                                        0x0800, out))
    caps.append(cap)

    cap = EncapCapture("geneve.pcap")
    opt = struct.pack("!HBB", 0x0102, 0x80, 1) + b"\xde\xad\xbe\xef"
    cap.desc = ("Ethernet, outer IPv6, UDP from port 52000 to 6081, Geneve version 0 with one 8-byte "
                "option, protocol 0x6558, VNI 77, inner Ethernet, IPv4; client port 41141.\n\n" + LINKTEST_DESC)
    conv(cap, 41141, layers=["geneve 77"],
         wrap=lambda l3, out: eth_frame(outer_udp(cap, struct.pack("!BBHI", len(opt) // 4, 0, 0x6558, 77 << 8) +
                                                  opt + eth_frame(l3, 0x0800, out), 52000, 6081, out, v6=True),
                                        0x86DD, out))
    caps.append(cap)

    cap = EncapCapture("gtpu.pcap")
    cap.desc = ("Ethernet, outer IPv4, UDP 2152 <-> 2152, GTPv1-U. Frame 1: an Echo Request (message "
                "type 1), an ordinary UDP packet of flow F1. Frames 2-9 (client port 41151): G-PDUs "
                "(type 255), TEID 4097, with a sequence number and one extension header (PDU session "
                "container, next type 0), inner IPv4.\n\n" + LINKTEST_DESC)
    echo = UDPFlow(cap, TUN4[0], 2152, TUN4[1], 2152, note="GTP-U Echo Request: signalling, not a tunnel")
    cap.wrap = lambda l3, out: eth_frame(l3, 0x0800, out)
    echo.send("c", struct.pack("!BBHIHBB", 0x32, 1, 4, 0, 1, 0, 0), note="GTP-U Echo Request")

    def gpdu(l3):
        ext = struct.pack("!BBBB", 1, 0x00, 0x09, 0)  # PDU session container, next type 0
        body = struct.pack("!HBB", 7, 0, 0x85) + ext + l3
        return struct.pack("!BBHI", 0x34, 0xFF, len(body), 4097) + body
    conv(cap, 41151, layers=["gtp-u 4097"],
         wrap=lambda l3, out: eth_frame(outer_udp(cap, gpdu(l3), 2152, 2152, out), 0x0800, out))
    caps.append(cap)

    cap = EncapCapture("teredo.pcap")
    cap.desc = ("Ethernet, outer IPv4, UDP 3544 <-> 40000. Frame 1: a UDP packet on port 3544 whose "
                "payload is not IPv6, an ordinary UDP packet of flow F1. Frames 2-9 (client port "
                "41161): Teredo (RFC 4380), the server's packets with an origin indication (0x0000, "
                "obfuscated port and address), inner IPv6.\n\n" + LINKTEST_DESC)
    plain = UDPFlow(cap, TUN4[0], 40000, TUN4[1], 3544, note="not Teredo: an ordinary UDP flow")
    cap.wrap = lambda l3, out: eth_frame(l3, 0x0800, out)
    plain.send("c", b"not an IPv6 packet", note="UDP on port 3544, not Teredo")
    conv(cap, 41161, v6=True, layers=["teredo"],
         wrap=lambda l3, out: eth_frame(outer_udp(cap, (b"" if out else b"\x00\x00" + struct.pack("!H", 40000 ^ 0xFFFF) +
                                                        bytes(b ^ 0xFF for b in (198, 18, 0, 1)))
                                                  + l3, 40000, 3544, out, mirror=True), 0x0800, out))
    caps.append(cap)

    cap = EncapCapture("ayiya.pcap")
    ident = prng("ayiya-id", 16)
    cap.desc = ("Ethernet, outer IPv4, UDP 5072 <-> 5072, AYIYA: identity length 2^4 = 16 bytes, "
                "signature 5 x 4 = 20 bytes (SHA-1), opcode 1 (forward), next header 41, inner IPv6; "
                "client port 41171.\n\n" + LINKTEST_DESC)
    conv(cap, 41171, v6=True, layers=["ayiya"],
         wrap=lambda l3, out: eth_frame(outer_udp(cap, struct.pack("!BBBBI", 0x41, 0x52, 0x11, 41, 1700000000) +
                                                  ident + prng("ayiya-sig", 20) + l3, 5072, 5072, out),
                                        0x0800, out))
    caps.append(cap)
    return caps


def limits():
    cap = EncapCapture("limits.pcap")
    cap.desc = ("Ethernet; frames privaudit counts and does not decode. Frame 1: IPv4 in IPv4 nested "
                "5 times (DECODE_MAX_TUNNELS is 4): encapsulation_too_deep. Frame 2: GRE with "
                "protocol 0x88b5 (local experimental): unsupported_encapsulation. Frame 3: GRE with "
                "the routing flag (RFC 1701): unsupported_encapsulation. Frame 4: an 802.11 A-MSDU in "
                "Aruba GRE: unsupported_encapsulation. Frame 5: MPLS whose payload starts with "
                "nibble 9: unsupported_encapsulation.")
    from pcapgen import tcp
    inner = ipv4("10.0.0.2", "192.0.2.80", 6, tcp("10.0.0.2", "192.0.2.80", 41181, 80, 1, 0, "S"))
    pkt = inner
    for _ in range(5):
        pkt = outer_ip(cap, pkt, 4, True)
    cap.add_frame(eth_frame(pkt, 0x0800, True), summary="IPv4 in IPv4 x5", note="too deep")
    cap.add_frame(eth_frame(outer_ip(cap, gre(0x88B5, b"\0" * 20), 47, True), 0x0800, True),
                  summary="GRE 0x88b5", note="unsupported GRE protocol")
    cap.add_frame(eth_frame(outer_ip(cap, struct.pack("!HH", 0x4000, 0x0800) + b"\0" * 4 + inner, 47, True),
                            0x0800, True), summary="GRE with routing", note="RFC 1701 routing")
    amsdu = bytes([0x88, 0x01]) + b"\x2c\x00" + BSSID + MAC_CLIENT + MAC_GW + b"\x00\x00" + b"\x80\x00" + b"\0" * 20
    cap.add_frame(eth_frame(outer_ip(cap, gre(0x8200, amsdu), 47, True), 0x0800, True),
                  summary="Aruba GRE, A-MSDU", note="A-MSDU")
    cap.add_frame(eth_frame(mpls([16], b"\x90" + b"\0" * 30), 0x8847, True), summary="MPLS, nibble 9",
                  note="MPLS payload of unknown kind")
    cap.coverage = {"encapsulation_too_deep": 1, "unsupported_encapsulation": 4}
    return cap


def ipfrag():
    cap = EncapCapture("ipfrag.pcap")
    cap.wrap = lambda l3, out: eth_frame(l3, ethertype_of(l3), out)
    cap.desc = (
        "Ethernet; IP fragments privaudit reassembles (first bytes win on overlap, 30 s timeout, by "
        "packet time).\n\n(a) client port 41191, IPv4: the client's request segment (frame 4 in the "
        "plain conversation) travels as 4 fragments sent out of order: bytes 24-64 of the IP payload, "
        "then a copy of bytes 24-64 with other bytes (which must lose), then 0-24, then the last "
        "fragment 64-end, which completes the datagram. The request privaudit lists is the original "
        "`GET /hello`.\n\n(b) client port 41192, IPv6: the request segment as 2 fragments (Fragment "
        "extension header), in order.\n\n(c) afterwards, three stray UDP fragments 10.0.0.2 -> "
        "192.0.2.9 that never make a datagram: a first fragment (id 0x0101) whose rest never comes; "
        "a first fragment (id 0x0202) and, 31 s later, its last fragment: when the last one comes, "
        "both first fragments are dropped at the 30 s timeout, and the last one stays incomplete "
        "at the end of the capture; a fragment at offset 65528 with 16 bytes (past 64 KiB: "
        "invalid).\n\n" + LINKTEST_DESC)
    c = linktest_fragmented(cap, 41191, False, [(24, 64, None), (24, 64, b"X" * 40), (0, 24, None),
                                                (64, None, None)])
    del c
    linktest_fragmented(cap, 41192, True, [(0, 48, None), (48, None, None)])
    stray = ipv4("10.0.0.2", "192.0.2.9", PROTO_UDP, udp("10.0.0.2", "192.0.2.9", 5353, 9, b"q" * 40))
    for ident, pieces, gap in ((0x0101, [(0, 24)], 0), (0x0202, [(0, 24), (24, 48)], 31 * 10**9)):
        pkt = bytearray(stray)
        struct.pack_into("!H", pkt, 4, ident)
        for i, (start, end) in enumerate(pieces):
            if i:
                cap.t_ns += gap
            frag = fragments(bytes(pkt), [(start, end, None)])[0]
            cap.add_frame(eth_frame(frag[0], 0x0800, True), summary=frag[1], note="stray fragment")
    bad = ipv4("10.0.0.2", "192.0.2.9", PROTO_UDP, b"z" * 16, ident=0x0303, df=False, mf=True, frag_off=65528)
    cap.add_frame(eth_frame(bad, 0x0800, True), summary="IPv4 fragment offset 65528 length 16",
                  note="past 64 KiB")
    cap.coverage = {"ip_fragment": 8}
    cap.reassembly = {"fragments": 10, "datagrams": 2, "fragments_timed_out": 2, "fragments_incomplete_at_end": 1,
                      "fragments_over_limit": 0, "fragments_invalid": 1, "fragments_overlapping": 1}
    return cap


def linktest_fragmented(cap, cport, v6, plan):
    """The link-test conversation with the client's request segment sent as
    IP fragments (plan: (start, end or None for the end, replacement))."""
    from pcapgen import TCPConn, http_request
    if v6:
        c = TCPConn(cap, "2001:db8::2", cport, "2001:db8::80", 80, 0x6B000001, 0x6C000001,
                    host="linktest.example.com", host_src="HTTP Host")
    else:
        c = TCPConn(cap, "10.0.0.2", cport, "192.0.2.80", 80, 0x4B000001, 0x4C000001,
                    host="linktest.example.com", host_src="HTTP Host")
    c.handshake()
    req, hl = http_request("GET", "/hello", "linktest.example.com", [("User-Agent", "curl/7.88.1"),
                                                                     ("Accept", "*/*")], mobile=False)
    seg_len = (20 if not v6 else 20) + len(req)
    cap.frag = [(s, seg_len if e is None else e, d) for s, e, d in plan]
    st, en, _ = c.send("c", req)
    c.request(st, en, "GET", "/hello", "linktest.example.com", hl)
    from pcapgen import http_response
    body = b"Hello, world\n"
    resp = http_response(200, "OK", [("Content-Type", "text/plain")], body)
    st, en, _ = c.send("s", resp)
    c.response(st, en, 200, body_len=len(body), decoded_body=body)
    c.close("c")
    return c


def all_caps():
    caps = [link_nflog()] + link_ppp() + [link_chdlc()] + link_wlan() + [multilink()]
    caps += tunnels_l2() + tunnels_gre() + [tunnels_ip()] + tunnels_udp() + [limits(), ipfrag()]
    return caps
