package org.tunnelmesh.linux.syscall;

/**
 * Linux errno values, with the names and texts a person can look up. The numbers are
 * asm-generic's (errno-base.h, errno.h): those of every architecture {@link LinuxAbi} supports
 * (x86-64, arm64, riscv64 and loongarch64 include the generic header; powerpc only adds EDEADLOCK).
 * mips, sparc, alpha and parisc number them otherwise, and are refused there.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "I/O error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EINVAL(22, "Invalid argument"),
    ENFILE(23, "Too many open files in system"),
    EMFILE(24, "Too many open files"),
    ENOSPC(28, "No space left on device"),
    ERANGE(34, "Numerical result out of range"),
    ENAMETOOLONG(36, "File name too long"),
    ENOSYS(38, "Function not implemented"),
    ENODATA(61, "No data available"),
    EPROTO(71, "Protocol error"),
    EMSGSIZE(90, "Message too long"),
    ENOPROTOOPT(92, "Protocol not available"),
    EPROTONOSUPPORT(93, "Protocol not supported"),
    EOPNOTSUPP(95, "Operation not supported"),
    EAFNOSUPPORT(97, "Address family not supported by protocol"),
    EADDRINUSE(98, "Address already in use"),
    EADDRNOTAVAIL(99, "Cannot assign requested address"),
    ENETDOWN(100, "Network is down"),
    ENETUNREACH(101, "Network is unreachable"),
    ENOBUFS(105, "No buffer space available"),
    ETIMEDOUT(110, "Connection timed out"),
    EHOSTUNREACH(113, "No route to host");

    private static final Errno[] BY_NUMBER = new Errno[134];

    static {
        for (Errno errno : values()) {
            BY_NUMBER[errno.number] = errno;
        }
    }

    private final int number;
    private final String text;

    Errno(int number, String text) {
        this.number = number;
        this.text = text;
    }

    /** The positive number the kernel reports. */
    public int number() {
        return number;
    }

    public String text() {
        return text;
    }

    /** True when {@code number} is this errno. */
    public boolean is(int number) {
        return this.number == number;
    }

    /** The errno with this number, or null for one not listed here. */
    public static Errno of(int number) {
        return number > 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }

    /** {@code EEXIST}, or {@code errno 200} for a number not listed here. */
    public static String name(int number) {
        Errno errno = of(number);
        return errno != null ? errno.name() : "errno " + number;
    }

    public static String text(int number) {
        Errno errno = of(number);
        return errno != null ? errno.text : "unknown error";
    }
}
