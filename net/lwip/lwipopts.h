/* lwIP 2.1.3 configuration for Godwit (src/include/lwip/opt.h lists every option).
 *
 * The hypervisor runs lwIP without an operating system: one thread, polled from the idle
 * loop (NO_SYS=1, raw API only), IPv4 over Ethernet, static addresses. The memory is sized
 * for the one heavy user, live migration, which pushes tens of MiB through one TCP
 * connection; every number below says why it has the value it has. The same file builds
 * lwIP for the hypervisor image and for the host unit tests. */
#ifndef GODWIT_LWIPOPTS_H
#define GODWIT_LWIPOPTS_H

/* --- System: no OS, no threads, no sequential or socket API ------------------------- */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* nothing preempts lwIP: no lwIP code in interrupts */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_TIMERS 1 /* sys_check_timeouts() from net::poll() */

/* --- Protocols: IPv4, ARP, ICMP (ping), raw (ping client), TCP; no UDP users yet ---- */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_TCP 1
#define LWIP_UDP 1  /* the guest echo service will use it; costs only code */
#define LWIP_DHCP 0 /* addresses are static (ip= on the command line) */
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_FORWARD 0
#define IP_REASSEMBLY 0 /* nothing we talk to fragments; TCP segments fit one frame */
#define IP_FRAG 0
#define LWIP_SINGLE_NETIF 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ARP_QUEUEING 1 /* keep the first packets to a peer while its ARP reply is pending */
#define MEMP_NUM_ARP_QUEUE 16
/* The host unit tests run TCP over the interface's own address: only they loop back. */
#ifndef GODWIT_FREESTANDING
#define LWIP_NETIF_LOOPBACK 1
#endif

/* --- Checksums: all in software, both ways (the drivers offer no offload) ----------- */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1
#define LWIP_CHECKSUM_ON_COPY 1 /* tcp_write copies anyway: sum while copying */

/* --- Memory ------------------------------------------------------------------------ */
/* All of it is static (.bss of the image): lwIP never calls the kernel heap, so a peer
 * that floods us exhausts lwIP's pools (frames are dropped and counted), never the heap. */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
/* The heap holds what tcp_write copies (PBUF_RAM): up to TCP_SND_BUF (183 KiB) per
 * connection until acknowledged, plus ~100 bytes of headers and bookkeeping per segment.
 * 1 MiB = a migration stream and a tcpbench run at full windows at once, the ICMP and
 * ARP traffic beside them, and a wide margin. */
#define MEM_SIZE (1024 * 1024)

/* --- TCP sized for bulk transfer --------------------------------------------------- */
/* The link is an emulated Ethernet (MTU 1500): MSS = 1500 - 20 (IP) - 20 (TCP). */
#define TCP_MSS 1460
/* 128 segments in flight (186880 bytes). Between two emulators a window's round trip is
 * long (about 20 ms under QEMU with the host loaded: both nodes poll on a 1 ms tick and
 * the emulators' I/O threads compete for the CPU), so throughput follows the window.
 * Measured with tools/godwit bench net --mib 8 under QEMU: 32 segments 2-3 MiB/s,
 * 44 segments 4.5-6, 128 segments 9-11; Bochs stays at its link's 1 frame per emulated
 * ms either way. Beyond 65535 bytes the window needs scaling (RFC 7323): a shift of 2
 * covers 256 KiB. The send buffer matches the window. */
#define TCP_WND (128 * TCP_MSS)
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 2
#define TCP_SND_BUF (128 * TCP_MSS)
/* Each queued segment is one pbuf (tcp_write copies whole segments): four per segment
 * leaves room for small writes that did not fill one. */
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
/* Wake the writer when 16 segments are free (lwIP requires it below 0xffff - 4 MSS). */
#define TCP_SNDLOWAT (16 * TCP_MSS)
/* Segments queued for sending or for retransmission, or received out of order, over all
 * connections: two full send queues plus a full receive window out of order. */
#define MEMP_NUM_TCP_SEG (2 * TCP_SND_QUEUELEN + 128)
#define TCP_QUEUE_OOSEQ 1
#define MEMP_NUM_TCP_PCB 8        /* migration, tcpbench, a few more */
#define MEMP_NUM_TCP_PCB_LISTEN 4 /* migration port, tcpbench port */
#define MEMP_NUM_RAW_PCB 2        /* ping */
#define MEMP_NUM_UDP_PCB 4
#define LWIP_TCP_KEEPALIVE 0
#define TCP_LISTEN_BACKLOG 0
/* A listener (the migration port) can be reopened while old connections linger in
 * TIME_WAIT on its port: TcpListener sets SOF_REUSEADDR. */
#define SO_REUSE 1

/* --- Receive buffers ---------------------------------------------------------------- */
/* Every received frame is copied into one pool pbuf (PBUF_POOL_BUFSIZE defaults to a full
 * 1514-byte frame). The pool must hold a whole receive window queued out of order (128),
 * one poll budget of fresh frames (32), and frames held by ARP or ping: 192 (288 KiB).
 * When it is empty, frames are dropped and counted (net command). */
#define PBUF_POOL_SIZE 192
#define MEMP_NUM_PBUF 64 /* PBUF_ROM/REF headers: few, tcp_write always copies */

/* --- Statistics for the `net` command ----------------------------------------------- */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define LWIP_STATS_LARGE 1 /* 32-bit counters: a migration moves more than 65535 frames */
#define LINK_STATS 1
#define ETHARP_STATS 1
#define IP_STATS 1
#define ICMP_STATS 1
#define TCP_STATS 1
#define UDP_STATS 0
#define MEM_STATS 1
#define MEMP_STATS 1
#define SYS_STATS 0

/* Debugging: LWIP_DEBUG stays undefined (lwIP tests it with #ifdef); assertions stay on
 * and end in the kernel's panic (arch/cc.h). */

#endif /* GODWIT_LWIPOPTS_H */
