# shellcheck shell=bash disable=SC2034 # KEEP_RUN_DIR is read by the cleanup in kernel-lab
# lab/kernel-lab, UML mode (sourced by it): a User-Mode Linux guest on the host's files, whose PID 1
# (lab/guest-init) builds the lab's network and runs COMMAND. Everything the guest needs is prepared
# here, on the host, in a private run directory: every process started inside UML costs ~75 ms, so
# the guest's init runs as few of them as it can.

make_run_dir() {
    local base=${LAB_TMPDIR:-/var/tmp}
    case "$base/" in /tmp/*) die "LAB_TMPDIR must not be under /tmp (the guest mounts a tmpfs there)" ;; esac
    RUN_DIR=$(mktemp -d "$base/kernel-lab.XXXXXXXX") || die "cannot make a run directory under $base"
    RUN_DIR=$(cd "$RUN_DIR" && pwd -P)
    case "$RUN_DIR" in *[!A-Za-z0-9._/-]*) die "run directory path must be plain (no spaces etc.): $RUN_DIR" ;; esac
    case "$RUN_DIR/" in /tmp/*|/run/*|/proc/*|/sys/*|/dev/*) die "run directory must not be under /tmp, /run, /proc, /sys or /dev: $RUN_DIR" ;; esac
}


write_guest_files() {  # MODVER COMMAND [ARG...]  (MODVER empty: a kernel without modules)
    local modver=$1 i
    shift
    printf '%s\n' "$ENV_SNAPSHOT" >"$RUN_DIR/env"
    if grep -qw avx512f /proc/cpuinfo; then
        # UML 6.1 keeps each guest thread's AVX-512 registers across switches, but not across a
        # signal handler: its signal frames leave them out (seen here: zmm registers a handler
        # changes stay changed after it returns). So nothing in the guest uses them: glibc and the
        # JVM (whose handlers run on every safepoint) keep to AVX2, which the frames do carry.
        cat >>"$RUN_DIR/env" <<'EOF'
export GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}
export JAVA_TOOL_OPTIONS="-XX:UseAVX=2${JAVA_TOOL_OPTIONS:+ $JAVA_TOOL_OPTIONS}"
EOF
    fi
    {
        KL_CMD=("$@")
        declare -p KL_CMD
        printf 'KL_CWD=%q\n' "$CALLER_CWD"
        printf 'KL_NODES=%q\n' "$NODES"
        printf 'KL_PATH=%q\n' "$CALLER_PATH"
        printf 'KL_MODVER=%q\n' "$modver"
    } >"$RUN_DIR/cmd"
    : >"$RUN_DIR/stdout"
    : >"$RUN_DIR/stderr"
    cp "$LAB_DIR/guest-init" "$RUN_DIR/init"
    cp "$LAB_DIR/guest-fstab" "$RUN_DIR/fstab"

    # /dev/fd, /dev/stdin, ... (devtmpfs does not make them): copied into the guest's /dev.
    mkdir "$RUN_DIR/devlinks"
    ln -s /proc/self/fd "$RUN_DIR/devlinks/fd"
    ln -s /proc/self/fd/0 "$RUN_DIR/devlinks/stdin"
    ln -s /proc/self/fd/1 "$RUN_DIR/devlinks/stdout"
    ln -s /proc/self/fd/2 "$RUN_DIR/devlinks/stderr"
    ln -s /proc/kcore "$RUN_DIR/devlinks/core"

    # Modules (Debian's kernel): the host has no /lib/modules, so modprobe is pointed at the UML
    # modules with -d: through MODPROBE_OPTIONS for modprobe run by hand, and through this wrapper
    # (set in /proc/sys/kernel/modprobe) for the kernel's own auto-loading.
    if [ -n "$modver" ]; then
        mkdir -p "$RUN_DIR/modroot/lib/modules"
        ln -s "/usr/lib/uml/modules/$modver" "$RUN_DIR/modroot/lib/modules/$modver"
        # shellcheck disable=SC2016 # "$@" is the wrapper's
        printf '#!/bin/sh\nexec /sbin/modprobe -d %s/modroot "$@"\n' "$RUN_DIR" >"$RUN_DIR/modprobe"
        chmod 755 "$RUN_DIR/modprobe"
    fi

    # The network of lab/lib.sh; the bridge in the guest's root namespace.
    {
        for ((i = 1; i <= NODES; i++)); do echo "netns add node$i"; done
        lab_bridge_batch "$NODES"
    } >"$RUN_DIR/net-root.batch"
    lab_ipv6_off "$NODES" >"$RUN_DIR/ipv6-off"
    for ((i = 1; i <= NODES; i++)); do lab_node_batch "$i" >"$RUN_DIR/net-node$i.batch"; done
}

# Which UML kernel: sets UML (the binary) and MODVER (Debian's module version; empty for the
# project's kernel, which has no modules).
pick_kernel() {
    { have_cmds modprobe && [ -d /usr/lib/uml/modules ] && { [ -n "${LAB_UML:-}" ] || have_cmds linux.uml; }; } \
        || "$LAB_DIR/install-packages" || die "lab/install-packages failed"
    MODVER=
    case "$KERNEL" in
    project)
        UML=${LAB_UML:-}
        [ -n "$UML" ] || UML=$("$LAB_DIR/uml-kernel") || die "cannot build the lab kernel (lab/uml-kernel)"
        [ -x "$UML" ] || die "no UML kernel at $UML"
        ;;
    debian)
        UML=${LAB_UML:-}
        [ -n "$UML" ] || UML=$(command -v linux.uml 2>/dev/null) || UML=/usr/bin/linux.uml
        [ -x "$UML" ] || die "no UML kernel at $UML (package user-mode-linux)"
        local moddirs=(/usr/lib/uml/modules/*/)
        [ -d "${moddirs[0]}" ] || die "no UML modules under /usr/lib/uml/modules"
        [ ${#moddirs[@]} -eq 1 ] || note "several UML module versions; using the last: ${moddirs[*]}"
        MODVER=${moddirs[${#moddirs[@]}-1]%/}
        MODVER=${MODVER##*/}
        ;;
    esac
}

run_in_uml() {
    local UML MODVER
    pick_kernel
    local uml=$UML modver=$MODVER
    case "$CALLER_CWD/" in /run/*|/proc/*|/sys/*|/dev/*)
        die "the current directory $CALLER_CWD is hidden inside the guest (it mounts its own /run, /proc, /sys, /dev)" ;;
    esac

    make_run_dir
    mkdir -p "$RUN_DIR/uml"
    # Debian bookworm's UML cannot restore registers on hosts with AMX (see lab/uml-xstate.c).
    have_cmds gcc || "$LAB_DIR/install-packages" || die "lab/install-packages failed"
    gcc -O2 -Wall -shared -fPIC -o "$RUN_DIR/uml-xstate.so" "$LAB_DIR/uml-xstate.c" -ldl -lpthread \
        || die "cannot build $LAB_DIR/uml-xstate.c"
    write_guest_files "$modver" "$@"

    # The whole guest on one host CPU: UML runs guest processes under ptrace, so every guest system
    # call and switch is a round trip between two host processes. On one CPU that is a context
    # switch; spread over idle virtual CPUs each leg is a wake-up through the hypervisor (measured
    # on a 2-CPU VM: java -version in the guest 1.45 s -> 0.25 s, a node's start 13 s -> 2.9 s).
    local cpu=${LAB_CPU:-}
    if [ -z "$cpu" ]; then
        local allowed
        allowed=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
        cpu=${allowed##*[,-]}
    fi
    case "$cpu" in ''|*[!0-9]*) die "LAB_CPU: not a CPU number: $cpu" ;; esac
    local pin=(taskset -c "$cpu")
    if ! taskset -c "$cpu" true 2>/dev/null; then
        [ -z "${LAB_CPU:-}" ] || die "LAB_CPU=$cpu: taskset cannot run a process there"
        note "cannot pin the guest to CPU $cpu (taskset failed): it runs unpinned, several times slower"
        pin=()
    fi

    # Kernel/console messages go to kernel.log; COMMAND's output comes through stdout/stderr files.
    # pty.legacy_count=0: no 512 BSD pty devices (their setup was the slowest part of the boot).
    # The guest's memory is a deleted file in the host's /dev/shm (UML picks the tmpfs there
    # unless TMPDIR/TMP/TEMP say otherwise - which is why those are dropped for UML only).
    # shellcheck disable=SC2086 # LAB_UML_ARGS: words
    env -u TMPDIR -u TMP -u TEMP LD_PRELOAD="$RUN_DIR/uml-xstate.so" \
        timeout -k 15 "$TIMEOUT" \
        "${pin[@]}" "$uml" mem="$MEM" \
            root=/dev/root rootfstype=hostfs rootflags=/ rw \
            init="$RUN_DIR/init" \
            con=null ssl=null con0=null,fd:1 printk.time=1 \
            pty.legacy_count=0 zswap.enabled=0 \
            uml_dir="$RUN_DIR/uml" umid=lab \
            ${LAB_UML_ARGS:-} \
        </dev/null >"$RUN_DIR/kernel.log" 2>&1 &
    CHILD_PID=$!

    # Live output: follow both files until the UML process is gone (then tail reads the rest).
    tail -q -n +1 -s 0.1 --pid="$CHILD_PID" -f "$RUN_DIR/stdout" &
    TAIL_PIDS+=($!)
    tail -q -n +1 -s 0.1 --pid="$CHILD_PID" -f "$RUN_DIR/stderr" >&2 &
    TAIL_PIDS+=($!)

    local urc rc p
    wait "$CHILD_PID"; urc=$?
    CHILD_PID=
    for p in "${TAIL_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    TAIL_PIDS=()

    if [ -s "$RUN_DIR/status" ]; then
        rc=$(<"$RUN_DIR/status")
        case "$rc" in ''|*[!0-9]*) rc=125; note "garbled status file" ;; esac
    elif [ -s "$RUN_DIR/setup-failed" ]; then
        note "guest setup failed before COMMAND ran; last kernel/console messages:"
        tail -n 40 "$RUN_DIR/kernel.log" | sed 's/^/  | /' >&2
        KEEP_RUN_DIR=1
        rc=125
    elif [ "$urc" -eq 124 ]; then
        note "timed out after ${TIMEOUT}s (LAB_TIMEOUT); guest killed"
        rc=124
    else
        note "the guest kernel stopped (status $urc) before COMMAND finished; last kernel/console messages:"
        tail -n 40 "$RUN_DIR/kernel.log" | sed 's/^/  | /' >&2
        KEEP_RUN_DIR=1
        rc=125
    fi
    cleanup
    exit "$rc"
}
