/*
 * uml-xstate.so: preloaded into Debian bookworm's linux.uml (6.1) by lab/kernel-lab-uml.sh, so the
 * lab kernel runs on hosts whose XSAVE area is larger than 832 bytes (AVX-512, AMX).
 *
 * Why: UML 6.1 saves and restores each guest thread's FPU registers with
 * ptrace(PTRACE_GETREGSET / PTRACE_SETREGSET, NT_X86_XSTATE) into a buffer of
 * sizeof(struct _xstate) = 832 bytes (x87, SSE, AVX). The host kernel hands out a short read, but
 * takes only a whole XSAVE area on write (xstateregs_set answers EFAULT otherwise). On an AVX-512
 * host the guest's first return to user space fails ("userspace - ptrace set fp regs failed,
 * errno = 14") and its init dies. Later UML kernels size the buffer from the host.
 *
 * How: every buffer UML reads registers into gets a whole-size shadow. A read fills the shadow
 * and gives UML the first bytes it asked for; a write lays UML's bytes over the shadow and writes
 * all of it. Each guest thread's buffer lives in its task, so each guest thread keeps its whole
 * register state (AVX-512 included) across switches. Calls UML already sizes right pass through.
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

struct shadow {
    void *buffer;           /* UML's buffer: the key */
    int filled;             /* the area holds this buffer's last read */
    struct shadow *next;
    unsigned char area[];   /* whole_size bytes */
};

#define BUCKETS 4096
/* the kernel clamps a longer iovec to its own whole size, and returns that size on a read */
#define PROBE_SIZE (64 * 1024)

static struct shadow *buckets[BUCKETS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static size_t whole_size;
static ptrace_fn real_ptrace;

static struct shadow *shadow_of(void *buffer) {
    size_t bucket = ((uintptr_t) buffer >> 4) % BUCKETS;
    for (struct shadow *s = buckets[bucket]; s != NULL; s = s->next) {
        if (s->buffer == buffer) {
            return s;
        }
    }
    struct shadow *s = calloc(1, sizeof(struct shadow) + whole_size);
    if (s == NULL) {
        return NULL;
    }
    s->buffer = buffer;
    s->next = buckets[bucket];
    buckets[bucket] = s;
    return s;
}

/* The host's whole XSAVE size for ptrace, read once from a long read of a stopped tracee. */
static int learn_whole_size(pid_t pid) {
    void *probe = malloc(PROBE_SIZE);
    if (probe == NULL) {
        errno = ENOMEM;
        return -1;
    }
    struct iovec iov = { probe, PROBE_SIZE };
    long rc = real_ptrace(PTRACE_GETREGSET, pid, (void *) NT_X86_XSTATE, &iov);
    if (rc == 0) {
        whole_size = iov.iov_len;
    }
    free(probe);
    return rc == 0 ? 0 : -1;
}

static long xstate(enum __ptrace_request request, pid_t pid, struct iovec *iov) {
    if (whole_size == 0 && learn_whole_size(pid) != 0) {
        return -1;
    }
    if (iov->iov_len >= whole_size) {
        return real_ptrace(request, pid, (void *) NT_X86_XSTATE, iov);
    }
    struct shadow *s = shadow_of(iov->iov_base);
    if (s == NULL) {
        errno = ENOMEM;
        return -1;
    }
    struct iovec whole = { s->area, whole_size };
    if (request == PTRACE_GETREGSET || !s->filled) {
        /* a write to a buffer never read (a new thread's copy): the rest is the tracee's own state */
        long rc = real_ptrace(PTRACE_GETREGSET, pid, (void *) NT_X86_XSTATE, &whole);
        if (rc != 0) {
            return rc;
        }
        s->filled = 1;
        if (request == PTRACE_GETREGSET) {
            memcpy(iov->iov_base, s->area, iov->iov_len);
            return 0;
        }
    }
    memcpy(s->area, iov->iov_base, iov->iov_len);
    return real_ptrace(PTRACE_SETREGSET, pid, (void *) NT_X86_XSTATE, &whole);
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
    if ((request != PTRACE_GETREGSET && request != PTRACE_SETREGSET) || (uintptr_t) addr != NT_X86_XSTATE) {
        return real_ptrace(request, pid, addr, data);
    }
    pthread_mutex_lock(&lock);
    long rc = xstate(request, pid, data);
    int saved = errno;
    pthread_mutex_unlock(&lock);
    errno = saved;
    return rc;
}
