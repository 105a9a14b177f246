/* SPDX-License-Identifier: GPL-2.0 */
/* capspec.h - the words of a capture request, as lbctl and xlb-decap take them and the control
 * API receives them:
 *   [SERVICE] [backend ADDR] [client PREFIX] [reason R | verdict V] [sample N] [count N]
 *   [duration S] [snaplen N]
 * parsed strictly into a struct capspec, and the client prefix written into a filter
 * (include/xlb_capture.h). Service and backend stay addresses here: the daemon turns them into
 * the ids the filter holds. Pure C. */
#ifndef XLB_CAPSPEC_H
#define XLB_CAPSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "xlb_capture.h"

#define CAPSPEC_MAX_SAMPLE 1000000 /* 1 in at most a million */
#define CAPSPEC_MAX_COUNT 1000000000 /* packets in one capture */
#define CAPSPEC_MAX_DURATION 86400 /* seconds: a day */
#define CAPSPEC_DEFAULT_SNAPLEN 262 /* bytes: the headers of a tunnelled frame and some payload */

/* A parsed capture request. Unset numbers are 0: no sampling, no count, no duration. */
struct capspec {
	bool has_service, has_backend, has_client, has_reason, has_verdict;
	struct xlb_service_ref service;
	struct xlb_addr backend;
	struct xlb_addr client; /* the prefix, host bits zero */
	__u8 client_len; /* prefix length in bits */
	__u8 reason; /* enum xlb_reason or enum xlb_dc_reason, after prog */
	__u8 verdict; /* XDP_DROP, XDP_PASS or XDP_TX */
	__u32 sample; /* 1 in sample, 0 when not given */
	__u32 count; /* stop after this many packets, 0 when not given */
	__u32 duration; /* stop after this many seconds, 0 when not given */
	__u32 snaplen; /* bytes per packet, CAPSPEC_DEFAULT_SNAPLEN when not given */
};

/* Parse words[0..n) as a capture request for program prog (XLB_CAPTURE_PROG_*: which reasons
 * exist; xlb_decap has no service, backend or client). Each keyword at most once, in any
 * order; SERVICE only first. Returns 0 with *out filled, or -EINVAL with a message naming the
 * word and the problem in err and *out untouched. */
int capspec_parse(int n, char *const *words, __u8 prog, struct capspec *out, char *err,
		  size_t errlen);

/* Write s's client prefix into f (client, client_mask, client_family and XLB_CAP_F_CLIENT);
 * nothing when s has none. */
void capspec_client_filter(const struct capspec *s, struct xlb_capture_filter *f);

#endif /* XLB_CAPSPEC_H */
