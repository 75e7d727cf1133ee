/*
 * uml-xstate.so: preloaded into Debian bookworm's linux.uml (6.1) by lab/kernel-lab-uml.sh, so the
 * lab kernel runs on hosts whose XSAVE area is larger than the one UML was built for (AMX).
 *
 * Why: UML saves and restores each guest thread's FPU registers with ptrace(PTRACE_GETREGSET /
 * PTRACE_SETREGSET, NT_X86_XSTATE) in a buffer of a size fixed when it was built: 2696 bytes, the
 * XSAVE area of x87, SSE, AVX, AVX-512 and PKRU. The host kernel hands out a short read, but takes
 * only its whole XSAVE area on write (xstateregs_set answers EFAULT otherwise). With AMX that area
 * is 11008 bytes, so the guest's first return to user space fails ("userspace - ptrace set fp regs
 * failed, errno = 14") and its init dies. Later UML kernels size the buffer from the host.
 *
 * How: a write with a short buffer is sent as the whole area - UML's bytes, then zeros. The header
 * in UML's bytes (its xfeatures, from UML's own read) leaves what lies past them in its init state:
 * that is AMX's tile state, which no guest program can use (UML does not grant it). Reads pass
 * through: the kernel copies as much as fits.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef long (*ptrace_fn)(enum __ptrace_request, ...);

/* the kernel clamps a longer iovec to its own whole size, and returns that size on a read */
#define PROBE_SIZE (64 * 1024)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static size_t whole_size;
static unsigned char *whole; /* whole_size bytes, under the lock */
static ptrace_fn real_ptrace;

/* The host's whole XSAVE size for ptrace, read once with a long read of a stopped tracee. */
static int learn_whole_size(pid_t pid) {
    unsigned char *probe = malloc(PROBE_SIZE);
    if (probe == NULL) {
        errno = ENOMEM;
        return -1;
    }
    struct iovec iov = { probe, PROBE_SIZE };
    if (real_ptrace(PTRACE_GETREGSET, pid, (void *) NT_X86_XSTATE, &iov) != 0) {
        free(probe);
        return -1;
    }
    whole_size = iov.iov_len;
    whole = probe; /* big enough for any later write */
    return 0;
}

static long write_whole(pid_t pid, const struct iovec *iov) {
    if (whole_size == 0 && learn_whole_size(pid) != 0) {
        return -1;
    }
    if (iov->iov_len >= whole_size) {
        return real_ptrace(PTRACE_SETREGSET, pid, (void *) NT_X86_XSTATE, iov);
    }
    memcpy(whole, iov->iov_base, iov->iov_len);
    memset(whole + iov->iov_len, 0, whole_size - iov->iov_len);
    struct iovec padded = { whole, whole_size };
    return real_ptrace(PTRACE_SETREGSET, pid, (void *) NT_X86_XSTATE, &padded);
}

long ptrace(enum __ptrace_request request, ...) {
    va_list args;
    va_start(args, request);
    pid_t pid = va_arg(args, pid_t);
    void *addr = va_arg(args, void *);
    void *data = va_arg(args, void *);
    va_end(args);
    if (real_ptrace == NULL) {
        real_ptrace = (ptrace_fn) dlsym(RTLD_NEXT, "ptrace");
    }
    if (request != PTRACE_SETREGSET || (uintptr_t) addr != NT_X86_XSTATE) {
        return real_ptrace(request, pid, addr, data);
    }
    pthread_mutex_lock(&lock);
    long rc = write_whole(pid, data);
    int saved = errno;
    pthread_mutex_unlock(&lock);
    errno = saved;
    return rc;
}
