/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* xlb_capture.h - the contract of packet capture in xlb_lb and xlb_decap: the filter the
 * daemon writes and the record each captured frame becomes in the ring buffer.
 *
 * Objects, in each of the two programs (bpf/capture.h):
 *   xlb_capture       global variable in section ".data.capture": an ARRAY map of one entry
 *                     (libbpf names it after the section; skeleton member data_capture, mmapable)
 *                     holding struct xlb_capture_filter. The data path's whole cost while
 *                     capture is off is one load of xlb_capture.gen and a branch: a global
 *                     variable is a direct address in the program, no map lookup.
 *   xlb_capture_ring  RINGBUF of XLB_CAPTURE_RING_BYTES: one record (struct xlb_capture_rec
 *                     followed by cap_len bytes of the frame, 8-byte aligned by the kernel) per
 *                     captured frame.
 *   xlb_capture_cpu   PERCPU_ARRAY of one entry: the sampling counter and the scratch the
 *                     record is assembled in. The data path's own state, never read outside.
 *
 * What is captured: the frame as the program leaves it, at the single exit where the reason
 * and the verdict are final: encapsulated (XDP_TX to a backend), the ICMP reply written, the
 * tunnel header removed (xlb_decap), or untouched (XDP_PASS, XDP_DROP). orig_len is that
 * frame's length, cap_len the bytes that follow the record (at most snaplen).
 *
 * Arming a capture (the daemon, or a test): write gen = 0; fill the other fields with used = 0;
 * then write gen with a value the previous capture did not use. Disarming: write gen = 0.
 * Records carry the gen they were taken under, so that a reader ignores those of an earlier
 * capture still in the ring. Bump XLB_ABI_VERSION (xlb_abi.h) when anything here changes.
 */
#ifndef XLB_CAPTURE_H
#define XLB_CAPTURE_H

#include <linux/types.h>

#define XLB_CAPTURE_SNAP_MAX 4096 /* most frame bytes in one record: a page-sized XDP frame */
#define XLB_CAPTURE_RING_BYTES                                        \
	(4U << 20) /* ring size: ~1,000 full-size or ~20,000 128-byte \
		    * records between two reads of the daemon */
#define XLB_CAPTURE_ANY 0xffffffffU /* svc_id, backend_id: no service/backend (record) */

/* xlb_capture_filter.flags: which conditions a frame must meet (all of those set). */
#define XLB_CAP_F_SERVICE (1U << 0) /* the service is svc_id (xlb_lb only) */
#define XLB_CAP_F_BACKEND (1U << 1) /* the chosen backend is backend_id (xlb_lb only) */
#define XLB_CAP_F_CLIENT (1U << 2) /* source address in the client prefix (xlb_lb only) */
#define XLB_CAP_F_REASON (1U << 3) /* the reason is reason */
#define XLB_CAP_F_VERDICT (1U << 4) /* the XDP action is verdict */
#define XLB_CAP_F_ALL 0x1fU

/* The value of xlb_capture. Written by the daemon only, but for used (see below). */
struct xlb_capture_filter {
	__u32 gen; /* 0: capture off; otherwise the capture's generation, copied into records */
	__u32 flags; /* XLB_CAP_F_* */
	__u32 svc_id; /* xlb_svc.id, with XLB_CAP_F_SERVICE */
	__u32 backend_id; /* backend id, with XLB_CAP_F_BACKEND */
	__u32 client[4]; /* be: the client prefix, already masked (IPv4 in client[0]) */
	__u32 client_mask[4]; /* be: the prefix length as a mask over the 16 bytes */
	__u8 client_family; /* XLB_AF_INET / XLB_AF_INET6, with XLB_CAP_F_CLIENT */
	__u8 reason; /* enum xlb_reason or enum xlb_dc_reason, with XLB_CAP_F_REASON */
	__u8 verdict; /* XDP_DROP, XDP_PASS or XDP_TX, with XLB_CAP_F_VERDICT */
	__u8 pad;
	__u32 sample; /* record 1 in sample matching frames per CPU (the 1st, the sample+1st, ...);
		       * 0 and 1: every one. Deterministic, so that a count is exact. */
	__u32 budget; /* records in all, over every CPU, then no more; 0: no limit */
	__u32 snaplen; /* frame bytes per record, 1..XLB_CAPTURE_SNAP_MAX (more: the maximum) */
	__u32 used; /* records taken against budget: the data path adds to it atomically, the
		     * daemon zeroes it when it arms a capture and reads it to see the budget end */
	__u32 lost; /* records the ring had no room for (the reader is behind): the data path adds
		     * to it, the daemon zeroes it with used */
};

/* The head of one ring-buffer record; cap_len frame bytes follow it. */
struct xlb_capture_rec {
	__u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC, ns */
	__u32 gen; /* xlb_capture_filter.gen the record was taken under */
	__u32 cpu; /* the CPU that ran the program */
	__u32 ifindex; /* the receiving interface */
	__u32 svc_id; /* xlb_svc.id, XLB_CAPTURE_ANY when no service matched (always in decap) */
	__u32 backend_id; /* the chosen backend, XLB_CAPTURE_ANY when none (always in decap) */
	__u32 orig_len; /* length of the frame as the program left it */
	__u32 cap_len; /* frame bytes that follow: min(orig_len, snaplen) */
	__u8 verdict; /* the XDP action returned */
	__u8 reason; /* enum xlb_reason (xlb_lb) or enum xlb_dc_reason (xlb_decap) */
	__u8 prog; /* XLB_CAPTURE_PROG_LB or XLB_CAPTURE_PROG_DECAP */
	__u8 pad;
};

#define XLB_CAPTURE_PROG_LB 1
#define XLB_CAPTURE_PROG_DECAP 2

_Static_assert(sizeof(struct xlb_capture_filter) == 72, "xlb_capture_filter layout");
_Static_assert(sizeof(struct xlb_capture_rec) == 40, "xlb_capture_rec layout");

#endif /* XLB_CAPTURE_H */
