#!/bin/bash
# The iproute2 floor of what an encrypted open of 1,000 peers asks of the kernel (docs/encryption.md, Figures):
# 2,000 ESP states and 2,000 policies in node1 by `ip -batch`, three rounds. Run it in the lab:
#   lab/kernel-lab --nodes 1 -- lab/bench/xfrm-floor.sh
python3 - <<'PY'
import ipaddress
key='0x'+'ab'*36
with open('/tmp/states.batch','w') as s, open('/tmp/policies.batch','w') as p:
    for i in range(1000):
        r=str(ipaddress.IPv4Address('10.200.0.1')+i)
        s.write(f"xfrm state add src 10.245.1.2 dst {r} proto esp spi {0x10000+i} reqid 7 mode transport replay-window 128 flag esn aead rfc4106(gcm(aes)) {key} 128\n")
        s.write(f"xfrm state add src {r} dst 10.245.1.2 proto esp spi {0x20000+i} reqid 7 mode transport replay-window 128 flag esn aead rfc4106(gcm(aes)) {key} 128\n")
        p.write(f"xfrm policy add src 10.245.1.2/32 dst {r}/32 proto 4 dir out tmpl src 10.245.1.2 dst {r} proto esp reqid 7 mode transport\n")
        p.write(f"xfrm policy add src {r}/32 dst 10.245.1.2/32 proto 4 dir in tmpl src {r} dst 10.245.1.2 proto esp reqid 7 mode transport\n")
PY
for _ in 1 2 3; do
  s=$(date +%s%N); ip -n node1 -batch /tmp/states.batch; m=$(date +%s%N); ip -n node1 -batch /tmp/policies.batch; e=$(date +%s%N)
  echo "ip -batch: 2000 states $(( (m-s)/1000000 )) ms, 2000 policies $(( (e-m)/1000000 )) ms"
  ip -n node1 xfrm policy flush; ip -n node1 xfrm state flush
done
