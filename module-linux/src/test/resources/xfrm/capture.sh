#!/bin/bash
# Re-creates the xfrm captures in this folder: what `ip xfrm state|policy` sends to the kernel over
# NETLINK_XFRM and what the kernel answers, including the dumps and one event of each kind the mesh
# watches. Needs a kernel with xfrm_user, esp4 and rfc4106(gcm(aes)) (the lab's: run it as
#   lab/kernel-lab --nodes 1 -- module-linux/src/test/resources/xfrm/capture.sh
# from the repository root). Everything happens in one throwaway namespace, tmxfrm.
#
# Each NAME-send-N.hex / NAME-recv-N.hex is one netlink message: lowercase hex, 32 bytes per line.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE}
NS=tmxfrm
WORK=$(mktemp -d /tmp/xfrm-capture.XXXXXX)
trap 'ip netns delete $NS 2>/dev/null || true; rm -rf "$WORK"' EXIT
ip netns add $NS
ip -n $NS link set lo up
ip -n $NS link add veth0 type veth peer name veth1
ip -n $NS link set veth0 up
ip -n $NS addr add 10.245.1.2/24 dev veth0

# 36 bytes: 32 of AES-256 key and 4 of salt, as rfc4106 takes them
KEY=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223
KEY2=0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40414243
REQID=0x746d0001

cap() {
    local name=$1
    shift
    printf '%s\n' "$*" >"$WORK/$name.cmd"
    set +e
    ip netns exec $NS strace -f -o "$WORK/$name.strace" -e trace=sendmsg,sendto,recvmsg,recvfrom -xx -s 65536 \
        -e write=all -e read=all "$@" >"$WORK/$name.out" 2>&1
    echo $? >"$WORK/$name.rc"
    set -e
}
# the monitor runs under strace in the background while the changes it reports are made
ip netns exec $NS strace -f -o "$WORK/monitor.strace" -e trace=recvmsg,recvfrom -xx -s 65536 -e read=all \
    timeout 8 ip xfrm monitor >"$WORK/monitor.out" 2>&1 &
MON=$!
echo "timeout 8 ip xfrm monitor (while the commands below run)" >"$WORK/monitor.cmd"
sleep 1
cap newsa-out ip xfrm state add src 10.245.1.2 dst 10.245.1.3 proto esp spi 0x1000abcd reqid $REQID mode transport \
    replay-window 128 flag esn aead 'rfc4106(gcm(aes))' $KEY 128
cap newsa-in ip xfrm state add src 10.245.1.3 dst 10.245.1.2 proto esp spi 0x2000abcd reqid $REQID mode transport \
    replay-window 128 flag esn aead 'rfc4106(gcm(aes))' $KEY2 128
cap updsa ip xfrm state update src 10.245.1.2 dst 10.245.1.3 proto esp spi 0x1000abcd reqid $REQID mode transport \
    replay-window 128 flag esn aead 'rfc4106(gcm(aes))' $KEY 128
cap newsa-badalg ip xfrm state add src 10.245.1.2 dst 10.245.1.4 proto esp spi 0x3000abcd reqid $REQID mode transport \
    replay-window 128 flag esn aead 'rfc4106(gcm(nosuch))' $KEY 128
cap newsa-exists ip xfrm state add src 10.245.1.2 dst 10.245.1.3 proto esp spi 0x1000abcd reqid $REQID mode transport \
    replay-window 128 flag esn aead 'rfc4106(gcm(aes))' $KEY 128
cap newpolicy-out ip xfrm policy add src 10.245.1.2/32 dst 10.245.1.3/32 proto 4 dir out priority 0x746d \
    tmpl src 10.245.1.2 dst 10.245.1.3 proto esp reqid $REQID mode transport level required
cap newpolicy-in ip xfrm policy add src 10.245.1.3/32 dst 10.245.1.2/32 proto 4 dir in priority 0x746d \
    tmpl src 10.245.1.3 dst 10.245.1.2 proto esp reqid $REQID mode transport level required
cap newpolicy-udp ip xfrm policy add src 10.245.1.2/32 dst 10.245.1.3/32 proto udp dport 5555 dir out priority 0x746d \
    tmpl src 10.245.1.2 dst 10.245.1.3 proto esp reqid $REQID mode transport level required
cap getsa-dump ip xfrm state list
cap getpolicy-dump ip xfrm policy list
cap delpolicy-out ip xfrm policy delete src 10.245.1.2/32 dst 10.245.1.3/32 proto 4 dir out
cap delpolicy-none ip xfrm policy delete src 10.245.1.2/32 dst 10.245.1.3/32 proto 4 dir out
cap delsa ip xfrm state delete src 10.245.1.2 dst 10.245.1.3 proto esp spi 0x1000abcd
cap delsa-none ip xfrm state delete src 10.245.1.2 dst 10.245.1.3 proto esp spi 0x1000abcd
wait $MON || true
ip -n $NS xfrm state >"$WORK/states.txt"; ip -n $NS xfrm policy >"$WORK/policies.txt"
ip -V >"$WORK/ip-version.txt"; uname -r >"$WORK/kernel.txt"

python3 - "$WORK" "$OUT" <<'PYEOF'
import os, re, sys, struct, glob
work, out = sys.argv[1], sys.argv[2]
SYSCALL = re.compile(r'^(?:\d+\s+)?(sendmsg|sendto|recvmsg|recvfrom)\((\d+),.*\)\s+=\s+(-?\d+)')
DUMP = re.compile(r'^ \| ([0-9a-f]{5})  (.{49})')
notes = []
for path in sorted(glob.glob(os.path.join(work, '*.strace'))):
    name = os.path.basename(path)[:-7]
    calls, cur = [], None
    for line in open(path):
        m = SYSCALL.match(line)
        if m:
            cur = [m.group(1), bytearray()]; calls.append(cur); continue
        m = DUMP.match(line)
        if m and cur is not None:
            cur[1].extend(bytes.fromhex(''.join(m.group(2).split())))
    n = {'send': 0, 'recv': 0}
    for call, buf in calls:
        d = 'send' if call.startswith('send') else 'recv'
        off = 0
        while off + 16 <= len(buf):
            ln = struct.unpack_from('<I', buf, off)[0]
            if ln < 16 or off + ln > len(buf): break
            msg = bytes(buf[off:off + ln])
            fn = '%s-%s-%d.hex' % (name, d, n[d]); n[d] += 1
            with open(os.path.join(out, fn), 'w') as f:
                h = msg.hex()
                f.write('\n'.join(h[i:i+64] for i in range(0, len(h), 64)) + '\n')
            typ, flags = struct.unpack_from('<HH', msg, 4)
            notes.append('- `%s`: %d bytes, type %d flags 0x%x' % (fn, ln, typ, flags))
            off += (ln + 3) & ~3
    cmd = open(os.path.join(work, name + '.cmd')).read().strip()
    rc = open(os.path.join(work, name + '.rc')).read().strip() if os.path.exists(os.path.join(work, name + '.rc')) else '-'
    o = open(os.path.join(work, name + '.out')).read().strip()
    notes.append('- **%s**: `%s` exit %s%s' % (name, cmd, rc, (': ' + o) if o else ''))
with open(os.path.join(out, 'README.md'), 'w') as f:
    f.write('# xfrm captures (`ip xfrm state|policy`, NETLINK_XFRM)\n\nGenerated by `capture.sh` in this folder, in the lab.\n\n')
    f.write('- iproute2: `%s`\n- kernel: `%s`\n\n' % (open(os.path.join(work, 'ip-version.txt')).read().strip(),
                                                     open(os.path.join(work, 'kernel.txt')).read().strip()))
    f.write('\n'.join(notes) + '\n\n## States and policies after the captures\n\n```\n' +
            open(os.path.join(work, 'states.txt')).read() + open(os.path.join(work, 'policies.txt')).read() + '```\n')
PYEOF
