# shellcheck shell=bash
# lab/kernel-lab, host mode (sourced by it): the lab's namespaces made on a host whose own kernel
# has ipip, COMMAND run next to them, everything removed afterwards.

run_on_host() {
    [ "$(id -u)" -eq 0 ] || die "host mode needs root"
    local i m ns brns="kernel-lab-$$-br" lockfd rc
    mkdir -p /run/lock 2>/dev/null
    # Host-mode runs one after another: the namespace names node1..nodeN are global on the host.
    # The lock stays held until this script exits (COMMAND does not inherit it).
    exec {lockfd}>/run/lock/kernel-lab.lock || die "cannot open /run/lock/kernel-lab.lock"
    flock -w "$TIMEOUT" "$lockfd" || die "another kernel-lab run holds /run/lock/kernel-lab.lock"
    for ((i = 1; i <= NODES; i++)); do
        [ -e "/run/netns/node$i" ] && die "network namespace node$i already exists on this host (left over from another run?); delete it first: ip netns delete node$i"
    done
    for m in ipip veth bridge sch_ingress cls_bpf; do   # the last two: the IPIP filter (clsact + cls_bpf)
        modprobe "$m" 2>/dev/null
    done
    if [ "$(cat /proc/sys/net/core/fb_tunnels_only_for_init_net 2>/dev/null || echo 0)" != 0 ]; then
        note "warning: net.core.fb_tunnels_only_for_init_net is set on this host: the namespaces get no tunl0"
    fi
    for ns in "$brns" $(seq -f 'node%g' 1 "$NODES"); do
        ip netns add "$ns" || die "cannot make namespace $ns"
        HOST_NETNS+=("$ns")
    done
    lab_bridge_batch "$NODES" | ip -n "$brns" -batch - || die "network setup (bridge namespace $brns)"
    # shellcheck disable=SC2016 # expanded by that shell
    lab_ipv6_off "$NODES" | ip netns exec "$brns" bash -c 'while read -r f; do echo 1 >"$f"; done' \
        || die "network setup (IPv6 off in $brns)"
    for ((i = 1; i <= NODES; i++)); do
        lab_node_batch "$i" | ip -n "node$i" -batch - || die "network setup (node$i)"
    done

    cd "$CALLER_CWD" || die "cannot enter $CALLER_CWD"
    timeout -k 10 "$TIMEOUT" "$@" </dev/null {lockfd}>&- &
    CHILD_PID=$!
    wait "$CHILD_PID"; rc=$?
    CHILD_PID=
    [ "$rc" -eq 124 ] && note "timed out after ${TIMEOUT}s (LAB_TIMEOUT)"
    cleanup
    exit "$rc"
}
