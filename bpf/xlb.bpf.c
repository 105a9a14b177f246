// SPDX-License-Identifier: GPL-2.0
/* xlb.bpf.c - the balancer program xlb_lb: a thin entry around xlb_process() (lb.h). */
#include "lb.h"

SEC("xdp")
int xlb_lb(struct xdp_md *ctx)
{
	return xlb_process(ctx);
}

char LICENSE[] SEC("license") = "GPL";
