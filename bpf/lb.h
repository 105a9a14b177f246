/* SPDX-License-Identifier: GPL-2.0 */
/* lb.h - the balancer's packet path as one inline function, so that xlb.bpf.c and the
 * benchmark wrapper run exactly the same code: parse, find the service, select, encapsulate;
 * plus the edges: fragments, ICMP at a VIP, packets too big for the tunnel. */
#ifndef XLB_BPF_LB_H
#define XLB_BPF_LB_H

#include "maps.h"
#include "parse.h"
#include "select.h"
#include "encap.h"
#include "icmp.h"
#include "stats.h"
#include "capture.h"

/* What xlb_lb decided about one frame, noted as the path goes, for the capture hook at its
 * exit. Only the hook reads m: with the hook compiled out (XLB_CAPTURE_NO_HOOK) the compiler
 * drops the notes too. */
struct xlb_decision {
	__u64 bytes; /* the frame's length as received: what every counter adds */
	struct xlb_capture_meta m;
};

/* Count the packet under reason and return XDP_TX. */
static __always_inline int tx(int reason, struct xlb_decision *d)
{
	d->m.reason = reason;
	count(&xlb_reasons, reason, d->bytes);
	return XDP_TX;
}

/* Count the packet under a DROP_* reason and return XDP_DROP. */
static __always_inline int drop(int reason, struct xlb_decision *d)
{
	d->m.reason = reason;
	count(&xlb_reasons, reason, d->bytes);
	return XDP_DROP;
}

/* Count the packet under its reason and return the reason's XDP action. */
static __always_inline int lb_verdict(int reason, struct xlb_decision *d)
{
	d->m.reason = reason;
	return verdict(reason, d->bytes);
}

/* Count the packet under service svc_id, whose frame it is. */
static __always_inline void note_service(struct xlb_decision *d, __u32 svc_id)
{
	d->m.svc_id = svc_id;
	count(&xlb_svc_stats, svc_id, d->bytes);
}

/* Send p to the chosen backend in the backend's mode. A packet too big for that mode (its
 * overhead, encap_overhead(), added) gets an ICMP too-big reply instead when may_icmp and the
 * sender allows path-MTU discovery (IPv6, or IPv4 with DF); otherwise it is dropped. */
static __always_inline int forward(struct xdp_md *ctx, const struct xlb_pkt *p,
				   const struct xlb_config *cfg, const struct xlb_choice *ch,
				   int reason, bool may_icmp, struct xlb_decision *d)
{
	__u32 overhead = encap_overhead(ch->be);
	int err;

	d->m.backend_id = ch->backend_id;
	if (cfg->mtu && p->ip_len + overhead > cfg->mtu) {
		/* Never report less than the family's minimum MTU (IPv6 1280, IPv4 68): a sender
		 * clamps to it and would be refused again, forever. */
		__u32 floor = p->family == XLB_AF_INET6 ? 1280 : 68;

		if (!may_icmp || !p->df || p->frag || cfg->mtu < overhead + floor)
			return drop(XLB_R_DROP_TOO_BIG, d);
		err = icmp_too_big(ctx, p, cfg->mtu - overhead);
		return err == XLB_R_TX_ICMP_TOO_BIG ? tx(err, d) : drop(err, d);
	}
	err = encap(ctx, p, cfg, ch);
	if (err)
		return drop(err, d);
	count(&xlb_be_stats, ch->backend_id, d->bytes);
	return tx(reason, d);
}

/* The reassembly key of p's datagram (RFC 791 / 8200). */
static __always_inline void frag_key(struct xlb_frag_key *fk, const struct xlb_pkt *p)
{
	__builtin_memset(fk, 0, sizeof(*fk));
	__builtin_memcpy(fk->src, p->src, sizeof(fk->src));
	__builtin_memcpy(fk->dst, p->dst, sizeof(fk->dst));
	fk->id = p->frag_id;
	fk->proto = p->frag_proto;
	fk->family = p->family;
}

/* A fragment after the first: follow the first fragment's backend, recorded in xlb_frags. */
static __always_inline int later_fragment(struct xdp_md *ctx, const struct xlb_pkt *p,
					  const struct xlb_config *cfg, struct xlb_decision *d)
{
	struct xlb_choice ch = {};
	struct xlb_frag_key fk;
	struct xlb_frag *fe;

	frag_key(&fk, p);
	fe = bpf_map_lookup_elem(&xlb_frags, &fk);
	/* Its first fragment was not forwarded (not seen yet, not ours, evicted): like any
	 * packet xlb does not balance, it goes to the host untouched. */
	if (!fe)
		return lb_verdict(XLB_R_PASS_FRAGMENT, d);
	note_service(d, fe->svc_id);
	ch.backend_id = fe->backend_id;
	ch.be = bpf_map_lookup_elem(&xlb_backends, &ch.backend_id);
	if (!ch.be || ch.be->generation != fe->generation || ch.be->state == XLB_BE_DOWN)
		return drop(XLB_R_DROP_FRAGMENT, d);
	ch.hash = fe->hash;
	return forward(ctx, p, cfg, &ch, XLB_R_TX_FRAGMENT, false, d);
}

/* Remember where a first fragment went so that the rest of its datagram follows. */
static __always_inline void remember_fragment(const struct xlb_pkt *p, const struct xlb_svc *svc,
					      const struct xlb_choice *ch)
{
	struct xlb_frag fe = {
		.backend_id = ch->backend_id,
		.generation = ch->be->generation,
		.hash = ch->hash,
		.svc_id = svc->id,
	};
	struct xlb_frag_key fk;

	frag_key(&fk, p);
	bpf_map_update_elem(&xlb_frags, &fk, &fe, BPF_ANY);
}

/* ICMP or ICMPv6 addressed to a VIP. */
static __always_inline int vip_icmp(struct xdp_md *ctx, struct xlb_pkt *p,
				    const struct xlb_config *cfg, const struct xlb_vip *vip,
				    struct xlb_decision *d)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xlb_choice ch = {};
	struct xlb_pkt f = {};
	struct xlb_svc *svc;
	int kind, err;

	kind = icmp_kind(data, data_end, p);
	if (!kind)
		return drop(XLB_R_DROP_ICMP_MALFORMED, d);
	if (kind == XLB_ICMP_ECHO_REQUEST) {
		/* Options and extension headers would have to be reversed (RFC 1122 3.2.2.6) and
		 * a routing header changes the checksum's pseudo-header: plain requests only. */
		if (!(vip->flags & XLB_VIP_F_ECHO) ||
		    p->l4_off != p->l3_off + (p->family == XLB_AF_INET ? 20 : 40))
			return drop(XLB_R_DROP_ICMP_OTHER, d);
		err = icmp_echo_reply(data, data_end, p);
		return err == XLB_R_TX_ICMP_ECHO ? tx(err, d) : drop(err, d);
	}
	if (kind != XLB_ICMP_ERROR)
		return drop(XLB_R_DROP_ICMP_OTHER, d);

	err = icmp_error_flow(data, data_end, p, &f);
	if (err)
		return drop(err, d);
	svc = service_lookup(f.dst, f.dport, f.proto, f.family, cfg);
	if (!svc)
		return drop(XLB_R_DROP_ICMP_NO_FLOW, d);
	note_service(d, svc->id);
	err = select_peek(&f, svc, cfg, &ch);
	if (err)
		return drop(err, d);
	return forward(ctx, p, cfg, &ch, XLB_R_TX_ICMP_ERROR, false, d);
}

/* Decide about one frame, parsed into p (zeroed by the caller), and carry it out. Returns the
 * XDP action; counts exactly one reason and notes the decision in d. */
static __always_inline int lb_decide(struct xdp_md *ctx, struct xlb_pkt *p, struct xlb_decision *d)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct xlb_config *cfg;
	struct xlb_choice ch = {};
	struct xlb_svc *svc;
	struct xlb_vip *vip;
	__u32 zero = 0;
	int reason;
	__u16 proto;

	proto = parse_eth(data, data_end, p);
	if (!proto)
		return lb_verdict(XLB_R_PASS_MALFORMED, d);
	/* Our replies take the frame's destination MAC as their source: a group address there
	 * would let any neighbour make us send from a broadcast or foreign MAC. */
	if (((__u8 *)data)[0] & 1)
		return lb_verdict(XLB_R_PASS_L2_GROUP, d);
	if (proto == bpf_htons(ETH_P_IP)) {
		if (parse_ipv4(data, data_end, p))
			return lb_verdict(XLB_R_PASS_MALFORMED, d);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		if (parse_ipv6(data, data_end, p))
			return lb_verdict(XLB_R_PASS_MALFORMED, d);
	} else {
		return lb_verdict(XLB_R_PASS_NOT_IP, d);
	}

	cfg = bpf_map_lookup_elem(&xlb_config, &zero);
	if (!cfg)
		return lb_verdict(XLB_R_PASS_NOT_VIP, d);

	/* The common case first: TCP/UDP with its ports, one or two hash lookups. */
	if (p->has_ports) {
		svc = service_lookup(p->dst, p->dport, p->proto, p->family, cfg);
		if (!svc)
			return lb_verdict(p->frag ? XLB_R_PASS_FRAGMENT : XLB_R_PASS_NOT_VIP, d);
		note_service(d, svc->id);
		if (check_l4(data, data_end, p))
			return lb_verdict(XLB_R_DROP_MALFORMED_L4, d);
		reason = select_backend(p, svc, cfg, &ch);
		if (reason == XLB_R_DROP_NO_TABLE || reason == XLB_R_DROP_NO_BACKEND)
			return drop(reason, d);
		if (p->frag == XLB_FRAG_FIRST) {
			/* Remembered only once it is on its way: a dropped head must not pull
			 * the rest of its datagram to a backend that never gets it whole. */
			int action = forward(ctx, p, cfg, &ch, reason, false, d);

			if (action == XDP_TX)
				remember_fragment(p, svc, &ch);
			return action;
		}
		return forward(ctx, p, cfg, &ch, reason, true, d);
	}

	/* Everything else matters only when it is addressed to a VIP. (TCP/UDP without ports
	 * here is a later fragment: parsing rejects a head whose ports are cut off.) */
	vip = vip_lookup(p->dst, p->family);
	if (p->frag) {
		if (vip && p->frag == XLB_FRAG_LATER)
			return later_fragment(ctx, p, cfg, d);
		return lb_verdict(XLB_R_PASS_FRAGMENT, d);
	}
	if (!vip)
		return lb_verdict(XLB_R_PASS_OTHER_L4, d);
	if (p->ext_over)
		return drop(XLB_R_DROP_EXT_HDRS, d);
	if ((p->family == XLB_AF_INET && p->proto == IPPROTO_ICMP) ||
	    (p->family == XLB_AF_INET6 && p->proto == IPPROTO_ICMPV6))
		return vip_icmp(ctx, p, cfg, vip, d);
	/* Other protocols to a VIP (tunnels arriving at the LB, ...): never encapsulated again. */
	return lb_verdict(XLB_R_PASS_OTHER_L4, d);
}

/* Process one frame. Returns the XDP action; counts exactly one reason. The capture hook sees
 * the frame as it leaves, with the reason, service and backend decided (include/xlb_capture.h). */
static __always_inline int xlb_process(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xlb_decision d = {
		.bytes = data_end - data,
		.m = { .svc_id = XLB_CAPTURE_ANY,
		       .backend_id = XLB_CAPTURE_ANY,
		       .prog = XLB_CAPTURE_PROG_LB },
	};
	struct xlb_pkt p = {};
	int action = lb_decide(ctx, &p, &d);

	if (capture_on())
		capture_exit(ctx, &d.m, &p, action);
	return action;
}

#endif /* XLB_BPF_LB_H */
