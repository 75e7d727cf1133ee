#!/bin/bash
# One TCP flow's throughput between node1 and node2 of the lab over a point-to-point ipip device: plain IPIP,
# then IPIP in UDP (FOU, GUE). Run in the lab (needs CONFIG_NET_FOU_IP_TUNNELS: the project's kernel):
#   lab/kernel-lab --nodes 2 -- lab/bench/encap-throughput.sh [SECONDS]
# Prints one line per encapsulation with iperf3's receiver bitrate. Figures from a UML guest measure the guest's
# CPU per packet more than any wire: compare them with each other, not with hardware.
set -euo pipefail
SECONDS_PER_RUN=${1:-5}
command -v iperf3 >/dev/null || { echo "encap-throughput: needs iperf3 (apt-get install iperf3)" >&2; exit 1; }
clean() {
    for n in 1 2; do
        ip -n node$n link del tm-bench 2>/dev/null || true
        ip -n node$n fou del port 5555 2>/dev/null || true
    done
    kill "$SERVER" 2>/dev/null || true
}
SERVER=
trap clean EXIT
run() {  # run none|fou|gue
    local kind=$1 encap=() mtu=1480
    clean
    case $kind in
        fou) encap=(encap fou encap-sport auto encap-dport 5555); mtu=1472 ;;
        gue) encap=(encap gue encap-sport auto encap-dport 5555); mtu=1468 ;;
    esac
    for n in 1 2; do
        local o=$((3 - n))
        case $kind in
            fou) ip -n node$n fou add port 5555 ipproto 4 ;;
            gue) ip -n node$n fou add port 5555 gue ;;
        esac
        ip -n node$n link add tm-bench mtu $mtu type ipip local 10.245.1.$((1 + n)) remote 10.245.1.$((1 + o)) \
            ttl 64 dev eth0 "${encap[@]}"
        ip -n node$n link set tm-bench up
        ip -n node$n addr add 192.168.4$n.0/32 dev tm-bench
        ip -n node$n route add 192.168.4$o.0/24 dev tm-bench
    done
    ip netns exec node2 iperf3 -s -1 -B 192.168.42.0 >/dev/null 2>&1 &
    SERVER=$!
    sleep 0.5
    local rate
    rate=$(ip netns exec node1 iperf3 -c 192.168.42.0 -B 192.168.41.0 -t "$SECONDS_PER_RUN" -J \
        | python3 -c 'import json,sys; print("%.1f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')
    wait "$SERVER" 2>/dev/null || true
    SERVER=
    printf '%-5s mtu %s  %s Mbit/s (one TCP flow, %s s)\n' "$kind" "$mtu" "$rate" "$SECONDS_PER_RUN"
}
run none
run fou
run gue
