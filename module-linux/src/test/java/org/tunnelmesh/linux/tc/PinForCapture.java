package org.tunnelmesh.linux.tc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.tunnelmesh.linux.bpf.BpfProgram;
import org.tunnelmesh.linux.bpf.IpipFilterProgram;
import org.tunnelmesh.linux.bpf.PeerMap;
import org.tunnelmesh.linux.bpf.RejectedCounters;
import org.tunnelmesh.linux.syscall.BpfSyscall;

/**
 * For src/test/resources/tc/capture.sh only: loads the mesh's ingress program and pins it on a bpf
 * file system, so that {@code tc filter add ... bpf da object-pinned PATH} attaches the same kind of
 * program and its request can be captured.
 */
public final class PinForCapture {
    private static final int BPF_OBJ_PIN = 6;

    private PinForCapture() {}

    public static void main(String[] args) {
        PeerMap map = PeerMap.create("tm_capture", 16);
        RejectedCounters rejected = RejectedCounters.create("tm_capture_rej");
        BpfProgram program = BpfProgram.loadSchedCls("tm_capture", IpipFilterProgram.ingress(map.fd(), rejected.fd()));
        byte[] path = (args[0] + "\0").getBytes(StandardCharsets.UTF_8);
        ByteBuffer pathBuffer = ByteBuffer.allocateDirect(path.length).put(path);
        ByteBuffer attr = ByteBuffer.allocateDirect(128).order(ByteOrder.nativeOrder());
        attr.putLong(0, BpfSyscall.address(pathBuffer));
        attr.putInt(8, program.fd());
        try {
            BpfSyscall.call(BPF_OBJ_PIN, attr, 128, "bpf(BPF_OBJ_PIN) " + args[0]);
        } finally {
            java.lang.ref.Reference.reachabilityFence(pathBuffer);
        }
        System.out.println("pinned program id " + program.id() + " at " + args[0]);
    }
}
