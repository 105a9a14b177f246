// SPDX-License-Identifier: GPL-2.0
/* pass.bpf.c - program xlb_pass: hands every frame to the stack. Attached to the peer of a veth
 * whose other end sends with XDP_TX (the lab's router side of the LB link): veth delivers
 * XDP_TX frames only to a peer that runs an XDP program (shared design notes, machine.md). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xlb_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
