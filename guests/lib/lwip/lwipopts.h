/* lwIP 2.1.3 configuration for guests (decision 0012): the same stack as the hypervisor's
 * (net/lwip/lwipopts.h explains each option), sized for a small echo service in a guest
 * of a few MiB rather than for migration streams. NO_SYS, raw API, IPv4, ARP, ICMP, UDP,
 * TCP, static addresses; checksums in software both ways (the device offers no offload). */
#ifndef GODWIT_GUEST_LWIPOPTS_H
#define GODWIT_GUEST_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_TIMERS 1

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1 /* the peer pinger */
#define LWIP_TCP 1
#define LWIP_UDP 1
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_FORWARD 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define ARP_QUEUEING 1
#define MEMP_NUM_ARP_QUEUE 8

#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_ICMP 1

/* Static memory in the image's .bss: about 200 KiB in all. */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
#define MEM_SIZE (64 * 1024)
#define TCP_MSS 1460
#define TCP_WND (8 * TCP_MSS)
#define TCP_SND_BUF (8 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define MEMP_NUM_TCP_SEG 64
#define TCP_QUEUE_OOSEQ 1
#define MEMP_NUM_TCP_PCB 8
#define MEMP_NUM_TCP_PCB_LISTEN 4
#define MEMP_NUM_RAW_PCB 2
#define MEMP_NUM_UDP_PCB 4
#define LWIP_TCP_KEEPALIVE 0
#define TCP_LISTEN_BACKLOG 0
#define PBUF_POOL_SIZE 32 /* 16 receive buffers' worth of frames, and some held by TCP */
#define MEMP_NUM_PBUF 16

/* Counters the echo guest prints (ICMP echoes answered, UDP datagrams). */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define LWIP_STATS_LARGE 1
#define LINK_STATS 1
#define ETHARP_STATS 1
#define IP_STATS 1
#define ICMP_STATS 1
#define TCP_STATS 1
#define UDP_STATS 1
#define MEM_STATS 1
#define MEMP_STATS 1
#define SYS_STATS 0

#endif /* GODWIT_GUEST_LWIPOPTS_H */
