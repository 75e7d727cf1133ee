#!/bin/bash
# Re-creates the iproute2 netlink captures in this folder (*.hex and README.md).
#
# Run as root on a Linux host with iproute2, strace and python3. The host kernel needs no
# ipip: the one ipip request is refused ("Unknown device type"), we only want its bytes.
# Everything happens in two throwaway network namespaces, tmcap and tmcap2, which this
# script makes and deletes; the only addresses used are 10.245.1.2/24 and 10.245.1.3/24 on
# a veth pair between them, plus 192.168.41.0/32 and a route to 192.168.42.0/24.
#
#   module-linux/src/test/resources/iproute2/capture.sh [OUTPUT_DIR]   (default: this folder)
#
# Each modifying request is written as lowercase hex, 32 bytes per line, nothing else.
# The README.md is generated: commands, ifindexes, versions, and a decoded breakdown.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(cd "${1:-$HERE}" && pwd)
NS=tmcap
NS2=tmcap2

[ "$(id -u)" -eq 0 ] || { echo "capture.sh: run as root" >&2; exit 1; }
for c in ip strace python3; do
    command -v "$c" >/dev/null || { echo "capture.sh: needs $c" >&2; exit 1; }
done

WORK=$(mktemp -d /var/tmp/iproute2-capture.XXXXXX)
cleanup() {
    ip netns delete "$NS" 2>/dev/null || true
    ip netns delete "$NS2" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
for ns in "$NS" "$NS2"; do
    if [ -e "/run/netns/$ns" ]; then
        echo "capture.sh: namespace $ns exists (left from an earlier run?); deleting it" >&2
        ip netns delete "$ns"
    fi
done

# ---- the throwaway setup: veth0 (tmcap, 10.245.1.2/24) <-> veth1 (tmcap2, 10.245.1.3/24).
# IPv6 is off in both namespaces so that no autonomous traffic (MLD, RS, DAD) moves the
# counters between the stats capture and the `ip -s -s link show` printed next to it.
ip netns add "$NS"
ip netns add "$NS2"
for ns in "$NS" "$NS2"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip -n "$NS" link add veth0 type veth peer name veth1
ip -n "$NS" link set veth1 netns "$NS2"
ip -n "$NS" link set veth0 up
ip -n "$NS" addr add 10.245.1.2/24 dev veth0
ip -n "$NS2" addr add 10.245.1.3/24 dev veth1
ip -n "$NS2" link set veth1 up

ip -n "$NS" -o link show >"$WORK/links-$NS.txt"
ip -n "$NS2" -o link show >"$WORK/links-$NS2.txt"
ip -V >"$WORK/ip-version.txt"
uname -r >"$WORK/kernel.txt"
strace -V | head -1 >"$WORK/strace-version.txt"

# cap NAME NAMESPACE send|recv COMMAND... : run COMMAND in NAMESPACE under strace, keeping
# the strace log (with hex dumps of every netlink buffer sent or received), its output and status.
cap() {
    local name=$1 ns=$2 dir=$3
    shift 3
    local trace=sendmsg,sendto dump=write=all
    if [ "$dir" = recv ]; then trace=recvmsg,recvfrom; dump=read=all; fi
    printf '%s\n' "$*" >"$WORK/$name.cmd"
    echo "$ns" >"$WORK/$name.ns"
    set +e
    ip netns exec "$ns" strace -f -o "$WORK/$name.strace" -e trace="$trace" -xx -s 65536 -e "$dump" \
        "$@" >"$WORK/$name.out" 2>&1
    echo $? >"$WORK/$name.rc"
    set -e
}

cap newlink-ipip    "$NS" send ip link add tm-node2 type ipip local 10.245.1.2 remote 10.245.1.3 ttl 64 dev veth0
cap newroute-onlink "$NS" send ip route add 192.168.42.0/24 via 10.245.1.3 dev veth0 onlink proto 87
cap newnexthop      "$NS" send ip nexthop add id 7 via 10.245.1.3 dev veth0 onlink proto 87
ip -n "$NS" route del 192.168.42.0/24        # so that the nhid route below is added, not refused (EEXIST)
cap newroute-nhid   "$NS" send ip route add 192.168.42.0/24 nhid 7 proto 87
cap newaddr         "$NS" send ip addr add 192.168.41.0/32 dev veth0
cap setlink-mtu-up  "$NS" send ip link set dev veth0 mtu 1480 up
ip -n "$NS" -o link show >"$WORK/links-$NS-after.txt"
ip -n "$NS" -o addr show >"$WORK/addrs-$NS.txt"
ip -n "$NS" route show >"$WORK/routes-$NS.txt"
ip -n "$NS" nexthop show >"$WORK/nexthops-$NS.txt"

# Counters: 3 pings veth0 -> veth1, then the stats reply, then the same numbers as iproute2 prints them.
ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 10.245.1.3 >"$WORK/ping.txt" 2>&1 || true
sleep 0.5
cap linkdump-veth0  "$NS" recv ip -s link show dev veth0
ip -n "$NS" -s -s link show veth0 >"$WORK/ip-s-s.txt"

# Delete: `ip link del tm-node2` resolves the name first (RTM_GETLINK) and stops there, since
# tm-node2 was never made; so the RTM_DELLINK is captured from `ip link del veth1` in tmcap2.
cap dellink-tm-node2 "$NS" send ip link del tm-node2
ip -n "$NS2" -o link show >"$WORK/links-$NS2-before-del.txt"
cap dellink          "$NS2" send ip link del veth1

python3 - "$WORK" "$OUT" <<'PYEOF'
import os, re, sys, struct, socket

work, out = sys.argv[1], sys.argv[2]

def rd(name):
    with open(os.path.join(work, name)) as f:
        return f.read()

# ------------------------------------------------------------------ strace log parsing
SYSCALL = re.compile(r'^(?:\d+\s+)?(sendmsg|sendto|recvmsg|recvfrom)\((\d+),.*\)\s+=\s+(-?\d+)')
DUMP = re.compile(r'^ \| ([0-9a-f]{5})  (.{49})')

def syscalls(log):
    """[(name, fd, ret, bytes)] for every traced call, with the dumped buffers concatenated."""
    calls = []
    cur = None
    for line in log.splitlines():
        m = SYSCALL.match(line)
        if m:
            cur = [m.group(1), int(m.group(2)), int(m.group(3)), bytearray()]
            calls.append(cur)
            continue
        m = DUMP.match(line)
        if m and cur is not None:
            cur[3].extend(bytes.fromhex(''.join(m.group(2).split())))
    return [(c[0], c[1], c[2], bytes(c[3])) for c in calls]

def nlmsgs(buf):
    res, off = [], 0
    while off + 16 <= len(buf):
        ln, typ, flags, seq, pid = struct.unpack_from('<IHHII', buf, off)
        if ln < 16 or off + ln > len(buf):
            break
        res.append(buf[off:off + ln])
        off += (ln + 3) & ~3
    return res

MODIFYING = {16, 17, 19, 20, 24, 104}   # NEWLINK DELLINK SETLINK NEWADDR NEWROUTE NEWNEXTHOP

def requests(name):
    msgs = []
    for sc, fd, ret, buf in syscalls(rd(name + '.strace')):
        for m in nlmsgs(buf):
            ln, typ, flags, seq, pid = struct.unpack_from('<IHHII', m, 0)
            if typ not in MODIFYING:
                continue
            if typ == 16 and ln == 32 and seq == 0 and m[16:] == bytes(16):
                continue   # iproute2's "does the kernel know RTM_NEWLINK" probe, sent on start
            msgs.append(m)
    return msgs

def replies(name):
    msgs = []
    for sc, fd, ret, buf in syscalls(rd(name + '.strace')):
        msgs.extend(nlmsgs(buf))
    return msgs

def write_hex(fname, data):
    h = data.hex()
    with open(os.path.join(out, fname), 'w') as f:
        for i in range(0, len(h), 64):
            f.write(h[i:i + 64] + '\n')

# ------------------------------------------------------------------ decoding
NLMSG_TYPES = {16: 'RTM_NEWLINK', 17: 'RTM_DELLINK', 18: 'RTM_GETLINK', 19: 'RTM_SETLINK',
               20: 'RTM_NEWADDR', 24: 'RTM_NEWROUTE', 104: 'RTM_NEWNEXTHOP'}
NLM_F = [(0x1, 'REQUEST'), (0x2, 'MULTI'), (0x4, 'ACK'), (0x8, 'ECHO')]
NLM_F_NEW = [(0x100, 'REPLACE'), (0x200, 'EXCL'), (0x400, 'CREATE'), (0x800, 'APPEND')]
IFF = [(0x1, 'UP'), (0x2, 'BROADCAST'), (0x8, 'LOOPBACK'), (0x10, 'POINTOPOINT'), (0x40, 'RUNNING'),
       (0x80, 'NOARP'), (0x100, 'PROMISC'), (0x1000, 'MULTICAST'), (0x10000, 'LOWER_UP'),
       (0x20000, 'DORMANT')]

def flagnames(v, table):
    names = [n for bit, n in table if v & bit]
    rest = v & ~sum(bit for bit, _ in table)
    if rest:
        names.append('0x%x' % rest)
    return '|'.join(names) if names else '0'

IFLA = {1: 'IFLA_ADDRESS', 2: 'IFLA_BROADCAST', 3: 'IFLA_IFNAME', 4: 'IFLA_MTU', 5: 'IFLA_LINK',
        6: 'IFLA_QDISC', 7: 'IFLA_STATS', 8: 'IFLA_COST', 9: 'IFLA_PRIORITY', 10: 'IFLA_MASTER',
        11: 'IFLA_WIRELESS', 12: 'IFLA_PROTINFO', 13: 'IFLA_TXQLEN', 14: 'IFLA_MAP', 15: 'IFLA_WEIGHT',
        16: 'IFLA_OPERSTATE', 17: 'IFLA_LINKMODE', 18: 'IFLA_LINKINFO', 19: 'IFLA_NET_NS_PID',
        20: 'IFLA_IFALIAS', 21: 'IFLA_NUM_VF', 22: 'IFLA_VFINFO_LIST', 23: 'IFLA_STATS64',
        24: 'IFLA_VF_PORTS', 25: 'IFLA_PORT_SELF', 26: 'IFLA_AF_SPEC', 27: 'IFLA_GROUP',
        28: 'IFLA_NET_NS_FD', 29: 'IFLA_EXT_MASK', 30: 'IFLA_PROMISCUITY', 31: 'IFLA_NUM_TX_QUEUES',
        32: 'IFLA_NUM_RX_QUEUES', 33: 'IFLA_CARRIER', 34: 'IFLA_PHYS_PORT_ID', 35: 'IFLA_CARRIER_CHANGES',
        36: 'IFLA_PHYS_SWITCH_ID', 37: 'IFLA_LINK_NETNSID', 38: 'IFLA_PHYS_PORT_NAME',
        39: 'IFLA_PROTO_DOWN', 40: 'IFLA_GSO_MAX_SEGS', 41: 'IFLA_GSO_MAX_SIZE', 42: 'IFLA_PAD',
        43: 'IFLA_XDP', 44: 'IFLA_EVENT', 45: 'IFLA_NEW_NETNSID', 46: 'IFLA_TARGET_NETNSID',
        47: 'IFLA_CARRIER_UP_COUNT', 48: 'IFLA_CARRIER_DOWN_COUNT', 49: 'IFLA_NEW_IFINDEX',
        50: 'IFLA_MIN_MTU', 51: 'IFLA_MAX_MTU', 52: 'IFLA_PROP_LIST', 53: 'IFLA_ALT_IFNAME',
        54: 'IFLA_PERM_ADDRESS', 55: 'IFLA_PROTO_DOWN_REASON', 56: 'IFLA_PARENT_DEV_NAME',
        57: 'IFLA_PARENT_DEV_BUS_NAME', 58: 'IFLA_GRO_MAX_SIZE', 59: 'IFLA_TSO_MAX_SIZE',
        60: 'IFLA_TSO_MAX_SEGS', 61: 'IFLA_ALLMULTI', 62: 'IFLA_DEVLINK_PORT',
        63: 'IFLA_GSO_IPV4_MAX_SIZE', 64: 'IFLA_GRO_IPV4_MAX_SIZE', 65: 'IFLA_DPLL_PIN',
        66: 'IFLA_MAX_PACING_OFFLOAD_HORIZON', 67: 'IFLA_NETNS_IMMUTABLE', 68: 'IFLA_HEADROOM',
        69: 'IFLA_TAILROOM'}
IFLA_INFO = {1: 'IFLA_INFO_KIND', 2: 'IFLA_INFO_DATA', 3: 'IFLA_INFO_XSTATS',
             4: 'IFLA_INFO_SLAVE_KIND', 5: 'IFLA_INFO_SLAVE_DATA'}
IFLA_IPTUN = {1: 'IFLA_IPTUN_LINK', 2: 'IFLA_IPTUN_LOCAL', 3: 'IFLA_IPTUN_REMOTE', 4: 'IFLA_IPTUN_TTL',
              5: 'IFLA_IPTUN_TOS', 6: 'IFLA_IPTUN_ENCAP_LIMIT', 7: 'IFLA_IPTUN_FLOWINFO',
              8: 'IFLA_IPTUN_FLAGS', 9: 'IFLA_IPTUN_PROTO', 10: 'IFLA_IPTUN_PMTUDISC',
              11: 'IFLA_IPTUN_6RD_PREFIX', 12: 'IFLA_IPTUN_6RD_RELAY_PREFIX',
              13: 'IFLA_IPTUN_6RD_PREFIXLEN', 14: 'IFLA_IPTUN_6RD_RELAY_PREFIXLEN',
              15: 'IFLA_IPTUN_ENCAP_TYPE', 16: 'IFLA_IPTUN_ENCAP_FLAGS', 17: 'IFLA_IPTUN_ENCAP_SPORT',
              18: 'IFLA_IPTUN_ENCAP_DPORT', 19: 'IFLA_IPTUN_COLLECT_METADATA', 20: 'IFLA_IPTUN_FWMARK'}
IPTUN_KIND = {1: 'u32', 2: 'in_addr', 3: 'in_addr', 4: 'u8', 5: 'u8', 6: 'u8', 7: 'be32', 8: 'be16',
              9: 'u8', 10: 'u8', 13: 'u16', 14: 'u16', 15: 'u16', 16: 'u16', 17: 'be16', 18: 'be16',
              19: 'flag', 20: 'u32'}
IFLA_AF = {2: 'AF_INET', 10: 'AF_INET6', 7: 'AF_BRIDGE', 45: 'AF_MCTP'}
IFLA_INET = {1: 'IFLA_INET_CONF'}
IFLA_INET6 = {1: 'IFLA_INET6_FLAGS', 2: 'IFLA_INET6_CONF', 3: 'IFLA_INET6_STATS', 4: 'IFLA_INET6_MCAST',
              5: 'IFLA_INET6_CACHEINFO', 6: 'IFLA_INET6_ICMP6STATS', 7: 'IFLA_INET6_TOKEN',
              8: 'IFLA_INET6_ADDR_GEN_MODE', 9: 'IFLA_INET6_RA_MTU'}
IFLA_XDP = {1: 'IFLA_XDP_FD', 2: 'IFLA_XDP_ATTACHED', 3: 'IFLA_XDP_FLAGS', 4: 'IFLA_XDP_PROG_ID',
            5: 'IFLA_XDP_DRV_PROG_ID', 6: 'IFLA_XDP_SKB_PROG_ID', 7: 'IFLA_XDP_HW_PROG_ID',
            8: 'IFLA_XDP_EXPECTED_FD'}
RTA = {1: 'RTA_DST', 2: 'RTA_SRC', 3: 'RTA_IIF', 4: 'RTA_OIF', 5: 'RTA_GATEWAY', 6: 'RTA_PRIORITY',
       7: 'RTA_PREFSRC', 8: 'RTA_METRICS', 9: 'RTA_MULTIPATH', 11: 'RTA_FLOW', 12: 'RTA_CACHEINFO',
       15: 'RTA_TABLE', 16: 'RTA_MARK', 20: 'RTA_PREF', 21: 'RTA_ENCAP_TYPE', 22: 'RTA_ENCAP',
       23: 'RTA_EXPIRES', 24: 'RTA_PAD', 25: 'RTA_UID', 26: 'RTA_TTL_PROPAGATE', 27: 'RTA_IP_PROTO',
       28: 'RTA_SPORT', 29: 'RTA_DPORT', 30: 'RTA_NH_ID'}
RTA_KIND = {1: 'in_addr', 2: 'in_addr', 3: 'u32', 4: 'u32', 5: 'in_addr', 6: 'u32', 7: 'in_addr',
            15: 'u32', 16: 'u32', 30: 'u32'}
NHA = {1: 'NHA_ID', 2: 'NHA_GROUP', 3: 'NHA_GROUP_TYPE', 4: 'NHA_BLACKHOLE', 5: 'NHA_OIF',
       6: 'NHA_GATEWAY', 7: 'NHA_ENCAP_TYPE', 8: 'NHA_ENCAP', 9: 'NHA_GROUPS', 10: 'NHA_MASTER',
       11: 'NHA_FDB'}
NHA_KIND = {1: 'u32', 5: 'u32', 6: 'in_addr', 4: 'flag'}
IFA = {1: 'IFA_ADDRESS', 2: 'IFA_LOCAL', 3: 'IFA_LABEL', 4: 'IFA_BROADCAST', 5: 'IFA_ANYCAST',
       6: 'IFA_CACHEINFO', 7: 'IFA_MULTICAST', 8: 'IFA_FLAGS', 9: 'IFA_RT_PRIORITY',
       10: 'IFA_TARGET_NETNSID', 11: 'IFA_PROTO'}
IFA_KIND = {1: 'in_addr', 2: 'in_addr', 3: 'string', 4: 'in_addr', 8: 'u32'}
IFLA_KIND = {1: 'mac', 2: 'mac', 3: 'string', 4: 'u32', 5: 'u32', 6: 'string', 10: 'u32', 13: 'u32',
             16: 'u8', 17: 'u8', 19: 'u32', 20: 'string', 27: 'u32', 28: 's32', 29: 'u32', 30: 'u32',
             31: 'u32', 32: 'u32', 33: 'u8', 35: 'u32', 37: 's32', 39: 'u8', 40: 'u32', 41: 'u32',
             47: 'u32', 48: 'u32', 50: 'u32', 51: 'u32', 53: 'string', 54: 'mac', 56: 'string',
             57: 'string', 58: 'u32', 59: 'u32', 60: 'u32', 61: 'u32', 63: 'u32', 64: 'u32',
             66: 'u32', 67: 'u8', 68: 'u16', 69: 'u16'}
OPERSTATE = {0: 'UNKNOWN', 1: 'NOTPRESENT', 2: 'DOWN', 3: 'LOWERLAYERDOWN', 4: 'TESTING',
             5: 'DORMANT', 6: 'UP'}
STATS_FIELDS = ['rx_packets', 'tx_packets', 'rx_bytes', 'tx_bytes', 'rx_errors', 'tx_errors',
                'rx_dropped', 'tx_dropped', 'multicast', 'collisions', 'rx_length_errors',
                'rx_over_errors', 'rx_crc_errors', 'rx_frame_errors', 'rx_fifo_errors',
                'rx_missed_errors', 'tx_aborted_errors', 'tx_carrier_errors', 'tx_fifo_errors',
                'tx_heartbeat_errors', 'tx_window_errors', 'rx_compressed', 'tx_compressed',
                'rx_nohandler', 'rx_otherhost_dropped']
IPV4_DEVCONF = ['FORWARDING', 'MC_FORWARDING', 'PROXY_ARP', 'ACCEPT_REDIRECTS', 'SECURE_REDIRECTS',
                'SEND_REDIRECTS', 'SHARED_MEDIA', 'RP_FILTER', 'ACCEPT_SOURCE_ROUTE', 'BOOTP_RELAY',
                'LOG_MARTIANS', 'TAG', 'ARPFILTER', 'MEDIUM_ID', 'NOXFRM', 'NOPOLICY', 'FORCE_IGMP_VERSION',
                'ARP_ANNOUNCE', 'ARP_IGNORE', 'PROMOTE_SECONDARIES', 'ARP_ACCEPT', 'ARP_NOTIFY',
                'ACCEPT_LOCAL', 'SRC_VMARK', 'PROXY_ARP_PVLAN', 'ROUTE_LOCALNET',
                'IGMPV2_UNSOLICITED_REPORT_INTERVAL', 'IGMPV3_UNSOLICITED_REPORT_INTERVAL',
                'IGNORE_ROUTES_WITH_LINKDOWN', 'DROP_UNICAST_IN_L2_MULTICAST', 'DROP_GRATUITOUS_ARP',
                'BC_FORWARDING', 'ARP_EVICT_NOCARRIER']

def u8(b): return b[0]
def u16(b): return struct.unpack('<H', b[:2])[0]
def u32(b): return struct.unpack('<I', b[:4])[0]
def s32(b): return struct.unpack('<i', b[:4])[0]
def u64(b): return struct.unpack('<Q', b[:8])[0]

def value(kind, p):
    if kind == 'u8' and len(p) == 1: return 'u8 %d' % p[0]
    if kind == 'u16' and len(p) == 2: return 'u16 %d' % u16(p)
    if kind == 'be16' and len(p) == 2: return 'be16 %d' % struct.unpack('>H', p)[0]
    if kind == 'u32' and len(p) == 4: return 'u32 %d' % u32(p)
    if kind == 'be32' and len(p) == 4: return 'be32 0x%08x' % struct.unpack('>I', p)[0]
    if kind == 's32' and len(p) == 4: return 's32 %d' % s32(p)
    if kind == 'in_addr' and len(p) == 4: return 'in_addr %s' % socket.inet_ntoa(p)
    if kind == 'mac': return 'mac ' + ':'.join('%02x' % x for x in p)
    if kind == 'string':
        s = p.split(b'\0', 1)[0].decode('latin-1')
        return 'string "%s" + NUL' % s if p.endswith(b'\0') else 'string "%s" (no NUL)' % s
    if kind == 'flag' and len(p) == 0: return 'flag'
    return None

def attrs(buf, off, end):
    while off + 4 <= end:
        ln, typ = struct.unpack_from('<HH', buf, off)
        if ln < 4 or off + ln > end:
            break
        yield off, ln, typ, bytes(buf[off + 4:off + ln])
        off += (ln + 3) & ~3

def hexs(p, limit=48):
    h = p.hex(' ')
    return h if len(p) <= limit else p[:limit].hex(' ') + ' ... (%d bytes)' % len(p)

class Dec:
    def __init__(self, buf):
        self.buf, self.lines = buf, []

    def out(self, depth, off, s):
        self.lines.append('%s@0x%03x %s' % ('    ' * depth, off, s))

    def attr_head(self, off, ln, typ, names):
        t = typ & 0x3fff
        fl = []
        if typ & 0x8000: fl.append('NLA_F_NESTED')
        if typ & 0x4000: fl.append('NLA_F_NET_BYTEORDER')
        name = names.get(t, 'type %d (unknown here)' % t)
        pad = ((ln + 3) & ~3) - ln
        return '%s (%d%s) len=%d%s' % (name, t, '|' + '|'.join(fl) if fl else '', ln,
                                       ', +%d pad' % pad if pad else '')

    def plain(self, depth, off, end, names, kinds):
        for aoff, ln, typ, p in attrs(self.buf, off, end):
            v = value(kinds.get(typ & 0x3fff), p)
            self.out(depth, aoff, self.attr_head(aoff, ln, typ, names) + ': ' + (v if v else hexs(p)))

    def ifla(self, depth, off, end, kind=None):
        for aoff, ln, typ, p in attrs(self.buf, off, end):
            t = typ & 0x3fff
            head = self.attr_head(aoff, ln, typ, IFLA)
            if t == 18:   # LINKINFO
                self.out(depth, aoff, head)
                k = None
                for boff, bln, btyp, bp in attrs(self.buf, aoff + 4, aoff + ln):
                    bt = btyp & 0x3fff
                    bhead = self.attr_head(boff, bln, btyp, IFLA_INFO)
                    if bt in (1, 4):
                        k = bp.split(b'\0', 1)[0].decode()
                        self.out(depth + 1, boff, bhead + ': ' + value('string', bp))
                    elif bt == 2 and k in ('ipip', 'sit'):
                        self.out(depth + 1, boff, bhead)
                        self.plain(depth + 2, boff + 4, boff + bln, IFLA_IPTUN, IPTUN_KIND)
                    elif bt == 2 and k == 'veth':
                        self.out(depth + 1, boff, bhead + ' (veth: VETH_INFO_PEER, not sent in dumps)' if bln > 4 else bhead + ' (empty)')
                    else:
                        self.out(depth + 1, boff, bhead + ': ' + hexs(bp))
            elif t == 23 or t == 7:   # STATS64 / STATS
                size = 8 if t == 23 else 4
                n = len(p) // size
                self.out(depth, aoff, head + ': struct rtnl_link_stats%s, %d fields' % ('64' if t == 23 else '', n))
                vals = struct.unpack('<%d%s' % (n, 'Q' if size == 8 else 'I'), p[:n * size])
                for i, v in enumerate(vals):
                    name = STATS_FIELDS[i] if i < len(STATS_FIELDS) else 'field%d' % i
                    self.out(depth + 1, aoff + 4 + i * size, '%-22s %d' % (name, v))
            elif t == 14:   # MAP
                mem_start, mem_end, base_addr, irq, dma, port = struct.unpack_from('<QQQHBB', p)
                self.out(depth, aoff, head + ': struct rtnl_link_ifmap mem_start=%d mem_end=%d base_addr=%d irq=%d dma=%d port=%d (+pad)' % (mem_start, mem_end, base_addr, irq, dma, port))
            elif t == 26:   # AF_SPEC
                self.out(depth, aoff, head)
                for boff, bln, btyp, bp in attrs(self.buf, aoff + 4, aoff + ln):
                    fam = btyp & 0x3fff
                    self.out(depth + 1, boff, self.attr_head(boff, bln, btyp, IFLA_AF))
                    for coff, cln, ctyp, cp in attrs(self.buf, boff + 4, boff + bln):
                        ct = ctyp & 0x3fff
                        if fam == 2 and ct == 1:
                            vals = struct.unpack('<%dI' % (len(cp) // 4), cp)
                            self.out(depth + 2, coff, self.attr_head(coff, cln, ctyp, IFLA_INET) +
                                     ': %d x u32 (IPV4_DEVCONF_* 1..%d):' % (len(vals), len(vals)))
                            for i, v in enumerate(vals):
                                nm = IPV4_DEVCONF[i] if i < len(IPV4_DEVCONF) else 'devconf%d' % (i + 1)
                                self.out(depth + 3, coff + 4 + 4 * i, '%-36s %d' % (nm, v))
                        elif fam == 10:
                            v = value({1: 'u32', 8: 'u8', 9: 'u32'}.get(ct), cp)
                            self.out(depth + 2, coff, self.attr_head(coff, cln, ctyp, IFLA_INET6) + ': ' + (v if v else hexs(cp)))
                        else:
                            self.out(depth + 2, coff, 'type %d len=%d: %s' % (ct, cln, hexs(cp)))
            elif t == 43:   # XDP
                self.out(depth, aoff, head)
                self.plain(depth + 1, aoff + 4, aoff + ln, IFLA_XDP, {1: 's32', 2: 'u8', 3: 'u32', 4: 'u32'})
            elif t == 52:   # PROP_LIST
                self.out(depth, aoff, head)
                self.plain(depth + 1, aoff + 4, aoff + ln, IFLA, IFLA_KIND)
            else:
                v = value(IFLA_KIND.get(t), p)
                if t == 16 and v: v += ' (IF_OPER_%s)' % OPERSTATE.get(p[0], '?')
                self.out(depth, aoff, head + ': ' + (v if v else hexs(p)))

def decode(m):
    d = Dec(m)
    ln, typ, flags, seq, pid = struct.unpack_from('<IHHII', m, 0)
    fl = flagnames(flags & 0xff, NLM_F)
    if typ in (16, 20, 24, 104) and flags & 0xf00:
        fl += '|' + flagnames(flags & 0xf00, NLM_F_NEW)
    d.out(0, 0, 'nlmsghdr: nlmsg_len=%d nlmsg_type=%d (%s) nlmsg_flags=0x%04x (%s) nlmsg_seq=%d nlmsg_pid=%d'
          % (ln, typ, NLMSG_TYPES.get(typ, '?'), flags, fl, seq, pid))
    if typ in (16, 17, 18, 19):
        fam, _pad, itype, idx, iflags, change = struct.unpack_from('<BBHiII', m, 16)
        d.out(0, 16, 'ifinfomsg: ifi_family=%d ifi_pad=0 ifi_type=%d ifi_index=%d ifi_flags=0x%08x (%s) ifi_change=0x%08x'
              % (fam, itype, idx, iflags, flagnames(iflags, IFF), change))
        d.ifla(1, 32, ln)
    elif typ == 24:
        f = struct.unpack_from('<BBBBBBBBI', m, 16)
        d.out(0, 16, 'rtmsg: rtm_family=%d rtm_dst_len=%d rtm_src_len=%d rtm_tos=%d rtm_table=%d rtm_protocol=%d '
              'rtm_scope=%d rtm_type=%d rtm_flags=0x%08x%s' % (f + (' (RTNH_F_ONLINK)' if f[8] == 4 else '',)))
        d.plain(1, 28, ln, RTA, RTA_KIND)
    elif typ == 104:
        fam, scope, proto, resvd, nflags = struct.unpack_from('<BBBBI', m, 16)
        d.out(0, 16, 'nhmsg: nh_family=%d nh_scope=%d nh_protocol=%d resvd=%d nh_flags=0x%08x%s'
              % (fam, scope, proto, resvd, nflags, ' (RTNH_F_ONLINK)' if nflags == 4 else ''))
        d.plain(1, 24, ln, NHA, NHA_KIND)
    elif typ == 20:
        fam, plen, aflags, scope, idx = struct.unpack_from('<BBBBI', m, 16)
        d.out(0, 16, 'ifaddrmsg: ifa_family=%d ifa_prefixlen=%d ifa_flags=0x%02x ifa_scope=%d ifa_index=%d'
              % (fam, plen, aflags, scope, idx))
        d.plain(1, 24, ln, IFA, IFA_KIND)
    return d.lines

# ------------------------------------------------------------------ files and README
def ifindex(links, name):
    for line in links.splitlines():
        m = re.match(r'^(\d+): ([^:@]+)[@:]', line)
        if m and m.group(2) == name:
            return int(m.group(1))
    return None

links_ns = rd('links-tmcap.txt')
links_ns2 = rd('links-tmcap2.txt')
veth0 = ifindex(links_ns, 'veth0')
veth1_before_del = ifindex(rd('links-tmcap2-before-del.txt'), 'veth1')

sections = []
written = []
plan = [('newlink-ipip', 'newlink-ipip'), ('newroute-onlink', 'newroute-onlink'),
        ('newnexthop', 'newnexthop'), ('newroute-nhid', 'newroute-nhid'), ('newaddr', 'newaddr'),
        ('setlink-mtu-up', 'setlink-mtu-up'), ('dellink', 'dellink')]
for cap, base in plan:
    msgs = requests(cap)
    if not msgs:
        sys.exit('capture.sh: no modifying request found for %s (see %s.strace)' % (cap, cap))
    names = [base + '.hex'] if len(msgs) == 1 else ['%s-%d.hex' % (base, i + 1) for i in range(len(msgs))]
    for fname, m in zip(names, msgs):
        write_hex(fname, m)
        written.append(fname)
        sections.append((fname, cap, m))

# the stats reply: the RTM_NEWLINK for veth0
dump = [m for m in replies('linkdump-veth0')
        if struct.unpack_from('<H', m, 4)[0] == 16 and struct.unpack_from('<i', m, 20)[0] == veth0]
if not dump:
    sys.exit('capture.sh: no RTM_NEWLINK for ifindex %s in linkdump-veth0.strace' % veth0)
write_hex('linkdump-veth0.hex', dump[-1])
written.append('linkdump-veth0.hex')

def block(s):
    return '```\n' + s.rstrip('\n') + '\n```\n'

R = []
R.append('# iproute2 netlink captures (test data for byte-exact encoding and parsing)\n\n')
R.append('Generated by `capture.sh` in this folder (re-run it as root to refresh; it rewrites every\n'
         '`*.hex` file and this README). Each `.hex` file is one netlink message exactly as iproute2\n'
         'sent it (or, for `linkdump-veth0.hex`, as the kernel answered): lowercase hex, 32 bytes per\n'
         'line, nothing else.\n')
R.append('\n## Where and with what\n\n')
R.append('- iproute2: `%s`\n- kernel (host, where the capture ran): `%s`\n- strace: `%s`\n'
         % (rd('ip-version.txt').strip(), rd('kernel.txt').strip(), rd('strace-version.txt').strip()))
R.append('- Namespaces: `tmcap` holds `veth0` (10.245.1.2/24), its peer `veth1` (10.245.1.3/24) is in `tmcap2`;\n'
         '  IPv6 is disabled in both (`net.ipv6.conf.{all,default}.disable_ipv6=1`, set before the veths were made).\n')
R.append('- ifindexes at capture time: **veth0 = %s** (in tmcap), **veth1 = %s** (in tmcap2), lo = 1 in both.\n'
         % (veth0, veth1_before_del))
R.append('- Setup commands:\n' + block(
    'ip netns add tmcap; ip netns add tmcap2\n'
    'ip netns exec tmcap  sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1\n'
    'ip netns exec tmcap2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1\n'
    'ip -n tmcap link add veth0 type veth peer name veth1\n'
    'ip -n tmcap link set veth1 netns tmcap2\n'
    'ip -n tmcap link set veth0 up\n'
    'ip -n tmcap addr add 10.245.1.2/24 dev veth0\n'
    'ip -n tmcap2 addr add 10.245.1.3/24 dev veth1\n'
    'ip -n tmcap2 link set veth1 up'))
R.append('- Links in tmcap right after setup (`ip -o link show`):\n' + block(links_ns))
R.append('- Each capture ran as\n  `ip netns exec NS strace -f -e trace=sendmsg,sendto -xx -s 65536 -e write=all ip ...`\n'
         '  (`-e write=all` adds a hex dump of every buffer sent; the `.hex` files come from those dumps).\n')
tm_node2_del = requests('dellink-tm-node2')
R.append('\n## Things to know before comparing bytes\n\n')
R.append('- **nlmsg_seq varies**: iproute2 numbers its requests from `time(NULL)`. It is bytes 8..11 (little endian)\n'
         '  of every message; set it to the captured value or mask it when comparing. nlmsg_pid is 0 in every request.\n'
         '- Only the modifying request is recorded. Before it, iproute2 may send an RTM_GETLINK (type 18, with\n'
         '  IFLA_EXT_MASK=9 and IFLA_IFNAME) on a second socket to turn a device name into an ifindex, and\n'
         '  `ip link ...` first sends a bare 32-byte RTM_NEWLINK with nlmsg_seq=0 and flags REQUEST|ACK on\n'
         '  startup (its check that the kernel knows RTM_NEWLINK); neither is recorded here.\n'
         '- Attribute lengths (`nla_len`) do not include the padding to 4 bytes; the padding bytes are zero.\n'
         '- All integers are host order (little endian) unless marked be16/be32; addresses are network order.\n'
         + ('- `ip link del tm-node2` sends no RTM_DELLINK at all: tm-node2 was never created (the host kernel has\n'
            '  no ipip), and iproute2 resolves the name first (RTM_GETLINK, answered ENODEV: "Cannot find device").\n'
            if not tm_node2_del else
            '- This kernel did create tm-node2, so `ip link del tm-node2` did send an RTM_DELLINK (not kept here).\n')
         + '  `dellink.hex` is the RTM_DELLINK of `ip link del veth1`, run in tmcap2 where veth1 had ifindex %s;\n'
           '  it carries the ifindex in ifi_index and no IFLA_IFNAME.\n' % veth1_before_del)

descr = {
    'newlink-ipip': ('refused by this host kernel ("Unknown device type"), as expected: only the request matters. '
                     if rd('newlink-ipip.rc').strip() != '0' else 'accepted by this kernel (it has ipip). ') +
                    'IFLA_IPTUN_LINK is veth0\'s ifindex (from `dev veth0`). Note the order inside IFLA_INFO_DATA '
                    'and that iproute2 sends every tunnel parameter, defaults included (PMTUDISC=1, TOS=0, FWMARK=0, ENCAP_*=0). '
                    'IFLA_IFNAME carries its NUL (len 13), IFLA_INFO_KIND does not ("ipip", len 8); '
                    'IFLA_LINKINFO and IFLA_INFO_DATA are nests without the NLA_F_NESTED bit.',
    'newroute-onlink': '`onlink` is rtm_flags=RTNH_F_ONLINK (4); no RTA_TABLE attribute (table 254 fits in rtm_table).',
    'newnexthop': '`onlink` is nh_flags=RTNH_F_ONLINK (4). The kernel needs carrier on the device for this (veth1 is up in tmcap2).',
    'newroute-nhid': 'Sent after the onlink route of newroute-onlink was deleted again (so this one is added, not refused with EEXIST). '
                     'No RTA_OIF/RTA_GATEWAY: the nexthop object carries them.',
    'newaddr': 'IFA_LOCAL comes before IFA_ADDRESS; both the same for a /32 on a non-point-to-point device. No IFA_BROADCAST for /32.',
    'setlink-mtu-up': 'One request: RTM_NEWLINK (not RTM_SETLINK) with ifi_flags=IFF_UP, ifi_change=IFF_UP and IFLA_MTU.',
    'dellink': 'From `ip link del veth1` in tmcap2 (see above).',
}
R.append('\n## Requests\n')
for fname, cap, m in sections:
    R.append('\n### `%s`\n\n' % fname)
    R.append('- command (in namespace `%s`): `%s`\n' % (rd(cap + '.ns').strip(), rd(cap + '.cmd').strip()))
    status = rd(cap + '.rc').strip()
    msg = rd(cap + '.out').strip()
    R.append('- ip exit status %s%s\n' % (status, (', said: `%s`' % msg.replace('\n', ' ')) if msg else ''))
    R.append('- ifindexes: veth0=%s (tmcap)%s\n' % (veth0, ', veth1=%s (tmcap2)' % veth1_before_del if cap == 'dellink' else ''))
    R.append('- %s\n' % descr.get(cap, ''))
    R.append('- %d bytes:\n' % len(m) + block('\n'.join(decode(m))))

if True:
    R.append('\n### (no file) `ip link del tm-node2`\n\n')
    R.append('- command (in namespace `tmcap`): `%s`; ip exit status %s, said: `%s`\n'
             % (rd('dellink-tm-node2.cmd').strip(), rd('dellink-tm-node2.rc').strip(),
                rd('dellink-tm-node2.out').strip()))
    R.append('- modifying requests sent: %d%s\n' % (len(tm_node2_del),
             ' (only the RTM_GETLINK name lookup and the startup probe went out)' if not tm_node2_del else ''))

R.append('\n## Reply: `linkdump-veth0.hex`\n\n')
R.append('- command (in namespace `tmcap`): `%s` - traced with `-e trace=recvmsg,recvfrom -e read=all`;\n'
         '  the file is the one RTM_NEWLINK message the kernel sent for veth0 (ifindex %s). iproute2 asked\n'
         '  with IFLA_EXT_MASK=RTEXT_FILTER_VF (1).\n' % (rd('linkdump-veth0.cmd').strip(), veth0))
R.append('- Before it: `ip netns exec tmcap ping -c 3 -i 0.2 10.245.1.3` (veth0 -> veth1), then the\n'
         '  `ip link set dev veth0 mtu 1480 up` above had already set mtu 1480; `192.168.41.0/32` is on veth0.\n')
R.append('- The reply is not a dump (one device asked for by name): nlmsg_flags=0, no NLMSG_DONE after it;\n'
         '  nlmsg_seq echoes the request, nlmsg_pid is the port id of ip\'s socket (its process id).\n')
top_types = sorted({typ & 0x3fff for _o, _l, typ, _p in attrs(dump[-1], 32, len(dump[-1]))})
newer = [t for t in top_types if t > 61]
stats64_len = [len(p) for _o, _l, typ, p in attrs(dump[-1], 32, len(dump[-1])) if typ & 0x3fff == 23]
R.append('- Top-level IFLA_* types in this reply, in order of appearance: see the breakdown below. '
         + ('Types above 61 (IFLA_ALLMULTI, the last one a 6.1 kernel knows) appear here: %s - the lab kernel (6.1) '
            'sends none of them. ' % ', '.join('%s (%d)' % (IFLA.get(t, '?'), t) for t in newer) if newer else '')
         + ('IFLA_PAD (42) appears (padding before 64-bit-aligned attributes). ' if 42 in top_types else
            'No IFLA_PAD (42) here, but other kernels (the 6.1 lab kernel does) put empty IFLA_PAD attributes before 64-bit values. ')
         + 'A parser must skip unknown and empty attributes and mask the type with 0x3fff '
           '(NLA_F_NESTED 0x8000, NLA_F_NET_BYTEORDER 0x4000).\n')
R.append('- IFLA_STATS64 here is %s bytes (25 u64 ending in rx_otherhost_dropped; the 6.1 lab kernel sends the same 200 bytes, older kernels fewer fields); '
         'read the first 8 fields and accept any length >= 64.\n' % (stats64_len[0] if stats64_len else '?'))
R.append('- The same script also runs inside the kernel lab, which gives the replies of the 6.1 lab kernel '
         '(where the ipip request is accepted): `lab/kernel-lab -- module-linux/src/test/resources/iproute2/capture.sh /var/tmp/SOMEDIR`.\n')
R.append('- Ping output:\n' + block(rd('ping.txt')))
R.append('- `ip -n tmcap -s -s link show veth0`, run right after the capture (IPv6 is off, nothing else\n'
         '  sends, so these are the counters inside the captured message):\n' + block(rd('ip-s-s.txt')))
# the counters iproute2 printed vs. the ones in the captured IFLA_STATS64
def printed_counters(text):
    lines = text.splitlines()
    res = {}
    for i, line in enumerate(lines):
        m = re.match(r'\s*(RX|TX):\s+bytes\s+packets\s+errors\s+dropped', line)
        if m and i + 1 < len(lines):
            v = [int(x) for x in lines[i + 1].split()[:4]]
            d = m.group(1).lower()
            res.update({d + '_bytes': v[0], d + '_packets': v[1], d + '_errors': v[2], d + '_dropped': v[3]})
    return res
def captured_counters(m):
    for aoff, ln, typ, p in attrs(m, 32, len(m)):
        if typ & 0x3fff == 23:
            vals = struct.unpack('<8Q', p[:64])
            return dict(zip(STATS_FIELDS[:8], vals))
    return {}
pc, cc = printed_counters(rd('ip-s-s.txt')), captured_counters(dump[-1])
keys = ['rx_packets', 'rx_bytes', 'rx_errors', 'rx_dropped', 'tx_packets', 'tx_bytes', 'tx_errors', 'tx_dropped']
R.append('- Counters: printed by `ip -s -s` vs. inside the captured IFLA_STATS64 (%s):\n\n'
         % ('all equal' if all(pc.get(k) == cc.get(k) for k in keys) else '**they differ: traffic between the two moments**'))
R.append('| counter | ip -s -s | IFLA_STATS64 |\n|---|---|---|\n')
for k in keys:
    R.append('| %s | %s | %s |\n' % (k, pc.get(k), cc.get(k)))
R.append('\n')
R.append('- %d bytes:\n' % len(dump[-1]) + block('\n'.join(decode(dump[-1]))))

R.append('\n## Files\n\n')
for f in written:
    R.append('- `%s`\n' % f)
R.append('- `capture.sh` - the script that made all of this\n')

with open(os.path.join(out, 'README.md'), 'w') as f:
    f.write(''.join(R))
print('wrote:', ' '.join(written), 'README.md', 'to', out)
PYEOF
