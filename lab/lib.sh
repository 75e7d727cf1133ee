# shellcheck shell=bash
# lab/lib.sh: what the lab scripts share, sourced by each of them (after the kernel's
# tools/testing/selftests/net/lib.sh: small helpers, thin scripts on top). Defines functions and
# constants only; a script sets PROG (its name in messages) and DIE_STATUS before use if it wants.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
PROG=${PROG:-${0##*/}}
DIE_STATUS=${DIE_STATUS:-1}

note() { echo "$PROG: $*" >&2; }
die() { note "$*"; exit "$DIE_STATUS"; }

# wait_until SECONDS COMMAND [ARG...]: runs COMMAND every 0.1 s until it succeeds (status 0) or
# SECONDS have passed (status 1). Every wait in the lab has a timeout, and says it.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# ---------------------------------------------------------------- the lab's topology, both modes
# Namespaces node1..nodeN, each with a veth "eth0" carrying 10.245.1.(1+i)/24, whose other end
# lab-nI is a port of the bridge labbr0. The bridge lives in the UML guest's root namespace, or on
# a host with ipip in a namespace of its own (the host's root namespace stays untouched).
LAB_BRIDGE=labbr0
lab_underlay() { echo "10.245.1.$((1 + $1))"; }

lab_bridge_batch() {  # N: `ip -batch` lines for the bridge's namespace (node1..nodeN exist already)
    local i
    echo "link set lo up"
    echo "link add $LAB_BRIDGE type bridge"
    echo "link set $LAB_BRIDGE up"
    for ((i = 1; i <= $1; i++)); do
        echo "link add lab-n$i type veth peer name eth0 netns node$i"
        echo "link set lab-n$i master $LAB_BRIDGE up"
    done
}

lab_node_batch() {  # I: `ip -batch` lines for namespace nodeI
    echo "link set lo up"
    echo "addr add $(lab_underlay "$1")/24 dev eth0"
    echo "link set eth0 up"
}

# IPv6 is off on the bridge and its ports, which carry only the nodes' IPv4 underlay (no duplicate
# address detection or router solicitations on them); the nodes keep the kernel's default.
lab_ipv6_off() {  # N: the sysctl files to set to 1, in the bridge's namespace
    local i
    echo "/proc/sys/net/ipv6/conf/$LAB_BRIDGE/disable_ipv6"
    for ((i = 1; i <= $1; i++)); do echo "/proc/sys/net/ipv6/conf/lab-n$i/disable_ipv6"; done
}

# ---------------------------------------------------------------- nodes in the lab (scenarios)
# The seed's overlay: node I has tunnel address 192.168.4I.0 and serves 192.168.4I.0/24.
lab_tunnel() { echo "192.168.4$1.0"; }
lab_subnet() { echo "192.168.4$1.0/24"; }

# lab_login DIR: the operator's login for the management endpoints, in files only root can read:
# DIR/password for the node (--password-file) and DIR/netrc for curl (a password in curl's
# arguments would be readable in /proc). Sets LAB_USER and LAB_NETRC.
lab_login() {
    LAB_USER=operator
    LAB_NETRC=$1/netrc
    (umask 077
     head -c 18 /dev/urandom | base64 >"$1/password"
     printf 'machine 127.0.0.1 login %s password %s\n' "$LAB_USER" "$(head -n 1 "$1/password")" >"$LAB_NETRC")
}

# jolokia I JSON: one request to node I's Jolokia endpoint on 127.0.0.1:8778, inside its namespace.
jolokia() {
    ip netns exec "node$1" curl -s --fail-with-body --max-time 30 --netrc-file "$LAB_NETRC" \
        -H 'Content-Type: application/json' -d "$2" http://127.0.0.1:8778/jolokia/
}

# wait_ready DIR I SECONDS: waits for the READY line of node I (DIR/nodeI.out); on timeout shows
# its log (DIR/nodeI.log) and exits.
wait_ready() {
    wait_until "$3" grep -qx READY "$1/node$2.out" 2>/dev/null && return 0
    note "node$2 not READY within $3 s; its log:"
    cat "$1/node$2.log" >&2
    exit 1
}

# ping_check FROM TO: three pings from node FROM's tunnel address to node TO's; prints the summary.
ping_check() {
    local out
    out=$(ip netns exec "node$1" ping -n -q -c 3 -i 0.2 -W 1 -I "$(lab_tunnel "$1")" "$(lab_tunnel "$2")" 2>&1 || true)
    echo "  node$1 -> node$2 ($(lab_tunnel "$2")): $(grep -o '[0-9]* received, [0-9.]*% packet loss' <<<"$out")"
    grep -q ' 0% packet loss' <<<"$out"
}

# ---------------------------------------------------------------- a scenario's nodes: start, read, clean up
# lab_workdir NAME: a private directory for the scenario's files (LAB_WORK: logs, passwords, state
# files), and one cleanup on exit for everything the scenario started (lab_cleanup).
LAB_WORK=
LAB_PIDS=()
LAB_CLEANUP=()
lab_workdir() {
    LAB_WORK=$(mktemp -d "/tmp/$1.XXXXXX")
    trap lab_cleanup EXIT
}

# lab_on_cleanup FUNCTION: one more step for lab_cleanup, run after the processes in LAB_PIDS ended.
lab_on_cleanup() { LAB_CLEANUP+=("$1"); }

# shellcheck disable=SC2317 # run by the trap
lab_cleanup() {
    local pid step
    for pid in "${LAB_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${LAB_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    for step in "${LAB_CLEANUP[@]}"; do "$step" || true; done
    [ -z "$LAB_WORK" ] || rm -rf "$LAB_WORK"
}

# start_node JAR N [OPTION...]: node N (java -jar JAR) in namespace nodeN with the lab's name,
# underlay and tunnel address, and OPTIONs; READY goes to LAB_WORK/nodeN.out, its log to
# LAB_WORK/nodeN.log (wait_ready "$LAB_WORK" N reads them); its pid is LAB_PIDS[N].
start_node() {
    local jar=$1 n=$2
    shift 2
    ip netns exec "node$n" java -jar "$jar" --name "node$n" --underlay "$(lab_underlay "$n")" \
        --tunnel-address "$(lab_tunnel "$n")" "$@" >"$LAB_WORK/node$n.out" 2>"$LAB_WORK/node$n.log" &
    LAB_PIDS[n]=$!
}

# stop_node N: SIGTERM to node N, and wait for it to end.
stop_node() {
    kill -TERM "${LAB_PIDS[$1]}" 2>/dev/null || true
    wait "${LAB_PIDS[$1]}" 2>/dev/null || true
    unset "LAB_PIDS[$1]"
}

# read_mbean N MBEAN ATTRIBUTE: the attribute's value through node N's Jolokia; an array as
# comma-separated items.
read_mbean() {
    jolokia "$1" "{\"type\":\"read\",\"mbean\":\"$2\",\"attribute\":\"$3\"}" \
        | jq -r '.value | if type == "array" then map(tostring) | join(",") else tostring end'
}

# ---------------------------------------------------------------- the lab's own scripts
lab_scripts() {  # every shell script of the lab, CI's, and the node distribution's launcher, for shellcheck
    local f
    for f in "$LAB_DIR"/* "${LAB_DIR%/lab}/.ci/run" "${LAB_DIR%/lab}/samples/src/dist/bin/tunnelmesh-node"; do
        [ -f "$f" ] || continue
        case "$f" in *.sh) echo "$f"; continue ;; esac
        head -n 1 "$f" | grep -Eq '^#!.*[/ ](ba)?sh$' && echo "$f"
    done
}
