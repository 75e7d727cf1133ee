package org.tunnelmesh.linux.xfrm;

import org.tunnelmesh.KernelSupportException;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.linux.netlink.NetlinkException;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;
import org.tunnelmesh.linux.syscall.Errno;
import org.tunnelmesh.linux.syscall.NativeIoException;

/**
 * What the kernel's refusals of xfrm requests mean for a mesh, on top of {@link KernelErrors}: the ones that say a
 * piece of the kernel is missing become {@link KernelSupportException}s naming it.
 */
public final class XfrmErrors {
    private XfrmErrors() {}

    /** Any failure of an xfrm exchange as the API's exception. */
    public static RuntimeException translate(RuntimeException e) {
        if (e instanceof NetlinkException n && n.request() instanceof XfrmRequest.NewState add) {
            String aead =
                    add.state().aead() == null ? "the AEAD" : add.state().aead().name();
            if (Errno.ENOSYS.is(n.errno())) {
                // xfrm_user's attach_aead: xfrm_aead_get_byname found no such algorithm
                return new KernelSupportException(
                        KernelErrors.translate(n).getMessage() + ". This kernel lacks the AEAD " + aead
                                + ": it needs CONFIG_CRYPTO_GCM, CONFIG_CRYPTO_SEQIV and CONFIG_CRYPTO_AES"
                                + " (modprobe gcm seqiv aes)",
                        KernelErrors.translate(n));
            }
            if (Errno.EPROTONOSUPPORT.is(n.errno())) {
                // __xfrm_init_state: no xfrm type for ESP over IPv4
                return new KernelSupportException(
                        KernelErrors.translate(n).getMessage() + ". This kernel lacks ESP for IPv4:"
                                + " it needs CONFIG_INET_ESP (modprobe esp4)",
                        KernelErrors.translate(n));
            }
        }
        if (e instanceof NativeIoException n
                && n.call().startsWith("socket(")
                && (Errno.EPROTONOSUPPORT.is(n.errno()) || Errno.EAFNOSUPPORT.is(n.errno()))) {
            return new KernelSupportException(
                    n.call() + " failed: " + Errno.name(n.errno()) + ". This kernel has no NETLINK_XFRM:"
                            + " it needs CONFIG_XFRM_USER (modprobe xfrm_user)",
                    KernelErrors.translate(n));
        }
        RuntimeException translated = KernelErrors.translate(e);
        return translated instanceof TunnelMeshException ? translated : e;
    }
}
