/* SPDX-License-Identifier: GPL-2.0 */
/* lb.h - the balancer's packet path as one inline function, so that xlb.bpf.c and the
 * benchmark wrapper run exactly the same code: parse, find the service, select, encapsulate. */
#ifndef XLB_BPF_LB_H
#define XLB_BPF_LB_H

#include "maps.h"
#include "parse.h"
#include "select.h"
#include "encap.h"
#include "stats.h"

/* Process one frame. Returns the XDP action; counts exactly one reason. */
static __always_inline int xlb_process(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	const struct xlb_config *cfg;
	struct xlb_choice ch = {};
	struct xlb_svc_key sk;
	struct xlb_pkt p = {};
	struct xlb_svc *svc;
	__u32 zero = 0;
	int reason = XLB_R_PASS_NOT_IP;
	__u16 proto;

	proto = parse_eth(data, data_end, &p);
	if (!proto)
		return verdict(XLB_R_PASS_MALFORMED, bytes);
	if (proto == bpf_htons(ETH_P_IP)) {
		if (parse_ipv4(data, data_end, &p, &reason))
			goto pass;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		if (parse_ipv6(data, data_end, &p, &reason))
			goto pass;
	} else {
		goto pass;
	}

	cfg = bpf_map_lookup_elem(&xlb_config, &zero);
	if (!cfg)
		return verdict(XLB_R_PASS_NOT_VIP, bytes);

	__builtin_memset(&sk, 0, sizeof(sk));
	__builtin_memcpy(sk.addr, p.dst, sizeof(sk.addr));
	sk.port = p.dport;
	sk.proto = p.proto;
	sk.family = p.family;
	svc = bpf_map_lookup_elem(&xlb_services, &sk);
	if (!svc && (cfg->flags & XLB_CFG_F_WILDCARD)) {
		sk.port = 0;
		svc = bpf_map_lookup_elem(&xlb_services, &sk);
	}
	if (!svc)
		return verdict(XLB_R_PASS_NOT_VIP, bytes);

	count(&xlb_svc_stats, svc->id, bytes);
	if (check_l4(data, data_end, &p))
		return verdict(XLB_R_DROP_MALFORMED_L4, bytes);

	reason = select_backend(&p, svc, cfg, &ch);
	if (reason > XLB_R_TX_UNTRACKED)
		goto drop;
	{
		int err = encap(ctx, &p, cfg, &ch);

		if (err) {
			reason = err;
			goto drop;
		}
	}
	count(&xlb_be_stats, ch.backend_id, bytes);
	count(&xlb_reasons, reason, bytes);
	return XDP_TX;

pass:
	count(&xlb_reasons, reason, bytes);
	return XDP_PASS;
drop:
	count(&xlb_reasons, reason, bytes);
	return XDP_DROP;
}

#endif /* XLB_BPF_LB_H */
