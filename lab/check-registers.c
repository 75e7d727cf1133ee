/*
 * check-registers: run by lab/run-tests inside the kernel lab. Eight threads each put their own
 * pattern into vector registers, make system calls that switch between them, and read the registers
 * back. A guest kernel that does not save and restore each thread's whole register state shows as a
 * wrong value (or, as Debian's UML 6.1 on an AMX host without lab/uml-xstate.c, as a guest that
 * dies). Checks what the CPU has: AVX-512 (zmm20, the upper half of zmm5, opmask k3), else AVX
 * (the upper half of ymm5), else SSE (xmm5).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define THREADS 8
#define ROUNDS 2000

enum width { SSE, AVX, AVX512 };
static enum width width;
static long wrong[THREADS];

/* Loads v everywhere, switches (sched_yield, getpid), stores what the registers then hold. */
__attribute__((target("avx512f"))) static int round_avx512(uint64_t v) {
    uint64_t zmm20[8], zmm5[8];
    uint16_t k3;
    __asm__ volatile("vpbroadcastq %[v], %%zmm20\n\t"
                     "vpbroadcastq %[v], %%zmm5\n\t"
                     "kmovw %k[v], %%k3\n\t"
                     "mov $24, %%eax\n\tsyscall\n\t"
                     "mov $39, %%eax\n\tsyscall\n\t"
                     "vmovdqu64 %%zmm20, %[a]\n\t"
                     "vmovdqu64 %%zmm5, %[b]\n\t"
                     "kmovw %%k3, %k[k]\n\t"
                     : [a] "=m"(zmm20), [b] "=m"(zmm5), [k] "=r"(k3)
                     : [v] "r"(v)
                     : "rax", "rcx", "r11", "xmm5", "xmm20", "k3", "memory");
    for (int i = 0; i < 8; i++) {
        if (zmm20[i] != v || zmm5[i] != v) {
            return 0;
        }
    }
    return k3 == (uint16_t) v;
}

__attribute__((target("avx2"))) static int round_avx(uint64_t v) {
    uint64_t ymm5[4];
    __asm__ volatile("vmovq %[v], %%xmm5\n\t"
                     "vpbroadcastq %%xmm5, %%ymm5\n\t"
                     "mov $24, %%eax\n\tsyscall\n\t"
                     "mov $39, %%eax\n\tsyscall\n\t"
                     "vmovdqu %%ymm5, %[a]\n\t"
                     : [a] "=m"(ymm5)
                     : [v] "r"(v)
                     : "rax", "rcx", "r11", "xmm5", "memory");
    return ymm5[0] == v && ymm5[1] == v && ymm5[2] == v && ymm5[3] == v;
}

static int round_sse(uint64_t v) {
    uint64_t xmm5[2];
    __asm__ volatile("movq %[v], %%xmm5\n\t"
                     "punpcklqdq %%xmm5, %%xmm5\n\t"
                     "mov $24, %%eax\n\tsyscall\n\t"
                     "mov $39, %%eax\n\tsyscall\n\t"
                     "movdqu %%xmm5, %[a]\n\t"
                     : [a] "=m"(xmm5)
                     : [v] "r"(v)
                     : "rax", "rcx", "r11", "xmm5", "memory");
    return xmm5[0] == v && xmm5[1] == v;
}

static void *thread(void *arg) {
    long id = (long) arg;
    for (long r = 0; r < ROUNDS; r++) {
        uint64_t v = (uint64_t) (id + 1) << 32 | (uint64_t) r;
        int ok = width == AVX512 ? round_avx512(v) : width == AVX ? round_avx(v) : round_sse(v);
        if (!ok) {
            wrong[id]++;
        }
    }
    return NULL;
}

int main(void) {
    __builtin_cpu_init();
    width = __builtin_cpu_supports("avx512f") ? AVX512 : __builtin_cpu_supports("avx2") ? AVX : SSE;
    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++) {
        if (pthread_create(&threads[i], NULL, thread, (void *) i) != 0) {
            perror("check-registers: pthread_create");
            return 2;
        }
    }
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        total += wrong[i];
    }
    const char *names[] = { "SSE (xmm5)", "AVX (ymm5)", "AVX-512 (zmm5, zmm20, k3)" };
    printf("check-registers: %s, %d threads x %d switches: %ld wrong\n", names[width], THREADS, ROUNDS, total);
    return total == 0 ? 0 : 1;
}
