// From the team's shared bench folder (issue 10's anchor), kept here because CI runs from a clean clone;
// it carries no licence header of its own and is used only as the benchmark's reference.
// The kernel's own cost, as near as user space gets: N peers as nexthop objects + routes (or classic
// onlink routes), many requests per sendmsg, acks collected. Anchor for "close to the physical limit".
// usage: nlbatch IFNAME N nh|classic [per_send]
#define _GNU_SOURCE
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/nexthop.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <errno.h>
static char buf[1 << 20], rbuf[1 << 20];
static int off;
static void *put(int len) { void *p = buf + off; memset(p, 0, NLMSG_ALIGN(len)); off += NLMSG_ALIGN(len); return p; }
static void attr(struct nlmsghdr *h, int type, const void *d, int len) {
  struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
  a->rta_type = type; a->rta_len = RTA_LENGTH(len); memcpy(RTA_DATA(a), d, len);
  h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len); off = (char *)h - buf + NLMSG_ALIGN(h->nlmsg_len);
}
static unsigned seq;
static struct nlmsghdr *hdr(int type, int extra) {
  struct nlmsghdr *h = put(NLMSG_LENGTH(extra)); h->nlmsg_len = NLMSG_LENGTH(extra); h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL; h->nlmsg_seq = ++seq; return h;
}
static int fd, pending, errs;
static void flush(void) {
  if (!off) return;
  if (send(fd, buf, off, 0) < 0) { perror("send"); exit(1); }
  off = 0;
  while (pending > 0) {
    int n = recv(fd, rbuf, sizeof rbuf, 0); if (n < 0) { perror("recv"); exit(1); }
    for (struct nlmsghdr *h = (void *)rbuf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
      if (h->nlmsg_type == NLMSG_ERROR) { pending--; if (((struct nlmsgerr *)NLMSG_DATA(h))->error) errs++; }
  }
}
int main(int argc, char **argv) {
  int ifi = if_nametoindex(argv[1]), n = atoi(argv[2]), nh = !strcmp(argv[3], "nh"), per = argc > 4 ? atoi(argv[4]) : 256;
  fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int sz = 1 << 20; setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz); setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
  struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < n; i++) {
    unsigned gw = htonl((10u << 24) | (245u << 16) | ((2 + i / 250) << 8) | (1 + i % 250));
    unsigned dst = htonl((10u << 24) | ((128 + i / 256) << 16) | ((i % 256) << 8));
    if (nh) {
      struct nlmsghdr *h = hdr(RTM_NEWNEXTHOP, sizeof(struct nhmsg)); struct nhmsg *m = NLMSG_DATA(h);
      m->nh_family = AF_INET; m->nh_flags = RTNH_F_ONLINK; unsigned id = i + 1;
      attr(h, NHA_ID, &id, 4); attr(h, NHA_OIF, &ifi, 4); attr(h, NHA_GATEWAY, &gw, 4); pending++;
      h = hdr(RTM_NEWROUTE, sizeof(struct rtmsg)); struct rtmsg *r = NLMSG_DATA(h);
      r->rtm_family = AF_INET; r->rtm_dst_len = 24; r->rtm_table = RT_TABLE_MAIN; r->rtm_protocol = 99; r->rtm_scope = RT_SCOPE_UNIVERSE; r->rtm_type = RTN_UNICAST;
      attr(h, RTA_DST, &dst, 4); attr(h, RTA_NH_ID, &id, 4); pending++;
    } else {
      struct nlmsghdr *h = hdr(RTM_NEWROUTE, sizeof(struct rtmsg)); struct rtmsg *r = NLMSG_DATA(h);
      r->rtm_family = AF_INET; r->rtm_dst_len = 24; r->rtm_table = RT_TABLE_MAIN; r->rtm_protocol = 99; r->rtm_scope = RT_SCOPE_UNIVERSE; r->rtm_type = RTN_UNICAST; r->rtm_flags = RTNH_F_ONLINK;
      attr(h, RTA_DST, &dst, 4); attr(h, RTA_GATEWAY, &gw, 4); attr(h, RTA_OIF, &ifi, 4); pending++;
    }
    if (pending >= per) flush();
  }
  flush();
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("nlbatch-%s %d %.4f s, %.0f peers/s, errors %d\n", nh ? "nh" : "classic", n, s, n / s, errs);
  return errs != 0;
}
