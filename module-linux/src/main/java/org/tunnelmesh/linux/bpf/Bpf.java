package org.tunnelmesh.linux.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Commands and constants of bpf(2), named as in linux/bpf.h; and direct buffers for its attributes. */
final class Bpf {
    static final int BPF_MAP_CREATE = 0;
    static final int BPF_MAP_LOOKUP_ELEM = 1;
    static final int BPF_PROG_LOAD = 5;
    static final int BPF_OBJ_GET_INFO_BY_FD = 15;
    static final int BPF_MAP_LOOKUP_BATCH = 24;
    static final int BPF_MAP_UPDATE_BATCH = 26;
    static final int BPF_MAP_DELETE_BATCH = 27;

    static final int BPF_MAP_TYPE_HASH = 1;
    static final int BPF_MAP_TYPE_ARRAY = 2;
    static final int BPF_PROG_TYPE_SCHED_CLS = 3;
    static final int BPF_ANY = 0;
    static final int BPF_OBJ_NAME_LEN = 16;

    /** Room for the union bpf_attr fields we use; the kernel requires unused tail bytes to be zero. */
    static final int ATTR_SIZE = 128;

    private Bpf() {}

    static ByteBuffer attr() {
        return direct(ATTR_SIZE);
    }

    static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(Math.max(bytes, 8)).order(ByteOrder.nativeOrder());
    }

    /** A bpf object name: at most 15 characters of [A-Za-z0-9_.], NUL-padded. */
    static void putName(ByteBuffer attr, int offset, String name) {
        StringBuilder clean = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (clean.length() == BPF_OBJ_NAME_LEN - 1) {
                break;
            }
            clean.append((Character.isLetterOrDigit(c) && c < 128) || c == '.' ? c : '_');
        }
        for (int i = 0; i < clean.length(); i++) {
            attr.put(offset + i, (byte) clean.charAt(i));
        }
    }
}
