/**
 * The system calls, and the only crossing into native code: {@link org.tunnelmesh.linux.syscall.Native} binds libc
 * once with JNA and is the one class that touches a JNA type; a failed call leaves it as a
 * {@link org.tunnelmesh.linux.syscall.NativeIoException} naming the call, with its errno. Beside it the calls that
 * are not netlink: bpf(2), setns(2) ({@link org.tunnelmesh.linux.syscall.NetworkNamespace}) and an eventfd
 * ({@link org.tunnelmesh.linux.syscall.Wakeup}). The netlink, bpf and mesh packages build on this one; it depends on
 * none of them. Not API.
 */
package org.tunnelmesh.linux.syscall;
