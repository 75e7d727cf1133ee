#!/bin/bash
# Re-creates the tc captures in this folder: what iproute2's tc sends for the clsact qdisc and a
# direct-action bpf filter, byte for byte (TcRequestsTest compares ours with them).
#
# Runs inside the kernel lab (the host kernel may lack clsact/cls_bpf), in namespace node1:
#   mvn -q -o install -DskipTests && lab/kernel-lab --nodes 1 -- module-linux/src/test/resources/tc/capture.sh [OUTPUT_DIR]
# A program of ours is pinned on a throwaway bpf file system (PinForCapture) for `object-pinned`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(cd "${1:-$HERE}" && pwd)
ROOT=$(cd "$HERE/../../../../.." && pwd)
WORK=$(mktemp -d /tmp/tc-capture.XXXXXX)
mkdir "$WORK/bpffs"
mount -t bpf bpf "$WORK/bpffs"
trap 'umount "$WORK/bpffs"; rm -rf "$WORK"' EXIT
JNA=$(find ~/.m2/repository/net/java/dev/jna/jna -name 'jna-*.jar' | sort | tail -1)
java -cp "$ROOT/module-linux/target/test-classes:$ROOT/module-linux/target/classes:$ROOT/module-api/target/classes:$JNA" \
    org.tunnelmesh.linux.tc.PinForCapture "$WORK/bpffs/tm_capture"

cap() {
    local name=$1
    shift
    printf '%s\n' "$*" >"$WORK/$name.cmd"
    ip netns exec node1 strace -f -o "$WORK/$name.strace" -e trace=sendmsg,sendto -xx -s 65536 -e write=all "$@"
}
cap newqdisc-clsact tc qdisc add dev eth0 clsact
cap newtfilter-bpf tc filter add dev eth0 ingress protocol ip prio 87 handle 1 bpf da object-pinned "$WORK/bpffs/tm_capture"
cap deltfilter-bpf tc filter del dev eth0 ingress protocol ip prio 87 handle 1 bpf
cap delqdisc-clsact tc qdisc del dev eth0 clsact

python3 - "$WORK" "$OUT" <<'PYEOF'
import os, re, struct, sys
work, out = sys.argv[1], sys.argv[2]
DUMP = re.compile(r'^ \| ([0-9a-f]{5})  (.{49})')
SYSCALL = re.compile(r'^(?:\d+\s+)?(sendmsg|sendto)\(')
WANTED = {36: 'RTM_NEWQDISC', 37: 'RTM_DELQDISC', 44: 'RTM_NEWTFILTER', 45: 'RTM_DELTFILTER'}
readme = ['# tc captures', '', 'Made by `capture.sh` in the kernel lab (' + os.uname().release + '), namespace node1, eth0.',
          'Each `.hex` file is the one modifying request tc sent, 32 bytes per line.', '']
for name in ['newqdisc-clsact', 'newtfilter-bpf', 'deltfilter-bpf', 'delqdisc-clsact']:
    calls, cur = [], None
    for line in open(os.path.join(work, name + '.strace')):
        if SYSCALL.match(line):
            cur = bytearray()
            calls.append(cur)
            continue
        m = DUMP.match(line)
        if m and cur is not None:
            cur.extend(bytes.fromhex(''.join(m.group(2).split())))
    found = None
    for buf in calls:
        off = 0
        while off + 16 <= len(buf):
            ln, typ = struct.unpack_from('<IH', buf, off)
            if ln < 16:
                break
            if typ in WANTED:
                found = bytes(buf[off:off + ln])
            off += (ln + 3) & ~3
    h = found.hex()
    with open(os.path.join(out, name + '.hex'), 'w') as f:
        for i in range(0, len(h), 64):
            f.write(h[i:i + 64] + '\n')
    cmd = open(os.path.join(work, name + '.cmd')).read().strip().replace(work, '/tmp/tc-capture.XXXXXX')
    readme.append('- `%s.hex`: `%s` (%s, %d bytes)' % (name, cmd, WANTED[struct.unpack_from('<H', found, 4)[0]], len(found)))
with open(os.path.join(out, 'README.md'), 'w') as f:
    f.write('\n'.join(readme) + '\n')
PYEOF
echo "captured into $OUT"
