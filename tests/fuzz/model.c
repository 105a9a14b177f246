// SPDX-License-Identifier: GPL-2.0
/* model.c - the reference model of xlb_lb: see model.h. Each step follows docs/datapath.md in
 * its order (Ethernet, IP, service, connection entry, Maglev slot, MTU, encapsulation; VIP
 * ICMP; fragments). Packets are read byte by byte in network order, checksums are summed as
 * big-endian words: a different route to the same bytes than the data path's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "model.h"

/* ---- small tables ---------------------------------------------------------------------- */

/* A fixed-capacity open-addressing table of fixed-size keys and values: the fragment records.
 * No deletion: the data path never deletes them, only the LRU does, which the fuzzer keeps out
 * of play by flushing early. */
struct flowtab {
	size_t klen, vlen, cap, count, max;
	uint8_t *used, *keys, *vals;
};

static int flowtab_init(struct flowtab *t, size_t klen, size_t vlen, size_t max)
{
	t->klen = klen;
	t->vlen = vlen;
	t->max = max;
	t->count = 0;
	for (t->cap = 16; t->cap < 2 * max; t->cap *= 2)
		;
	t->used = calloc(t->cap, 1);
	t->keys = calloc(t->cap, klen);
	t->vals = calloc(t->cap, vlen);
	return t->used && t->keys && t->vals ? 0 : -ENOMEM;
}

static void flowtab_free(struct flowtab *t)
{
	free(t->used);
	free(t->keys);
	free(t->vals);
}

static size_t flowtab_slot(const struct flowtab *t, const void *key)
{
	const uint8_t *k = key;
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < t->klen; i++)
		h = (h ^ k[i]) * 1099511628211ULL;
	for (size_t s = h & (t->cap - 1);; s = (s + 1) & (t->cap - 1))
		if (!t->used[s] || !memcmp(t->keys + s * t->klen, key, t->klen))
			return s;
}

static void *flowtab_get(const struct flowtab *t, const void *key)
{
	size_t s = flowtab_slot(t, key);

	return t->used[s] ? t->vals + s * t->vlen : NULL;
}

static int flowtab_put(struct flowtab *t, const void *key, const void *val)
{
	size_t s = flowtab_slot(t, key);

	if (!t->used[s]) {
		if (t->count >= t->max)
			return -ENOSPC;
		t->used[s] = 1;
		t->count++;
		memcpy(t->keys + s * t->klen, key, t->klen);
	}
	memcpy(t->vals + s * t->vlen, val, t->vlen);
	return 0;
}

static void flowtab_clear(struct flowtab *t)
{
	memset(t->used, 0, t->cap);
	t->count = 0;
}

/* ---- the model's maps ------------------------------------------------------------------ */

struct svc_entry {
	struct xlb_svc_key k;
	struct xlb_svc v;
};

struct vip_entry {
	struct xlb_vip_key k;
	struct xlb_vip v;
};

struct table {
	uint32_t *ids; /* NULL: no table installed for this service id */
	uint32_t n;
};

struct model {
	struct xlb_config cfg;
	struct svc_entry svcs[XLB_MAX_SERVICES];
	size_t nsvcs;
	struct vip_entry vips[XLB_MAX_VIPS];
	size_t nvips;
	struct xlb_backend backends[XLB_MAX_BACKENDS]; /* an array map: every id exists */
	struct table tables[XLB_MAX_SERVICES];
	/* The connection table as docs/datapath.md describes it: parts x buckets buckets of
	 * XLB_CONN_WAYS entries; frames run on CPU cpu, so only its part is written. */
	struct xlb_conn_bucket *conns;
	uint32_t parts, buckets, cpu;
	uint64_t filled; /* entries taken from empty (xlb_conns_count) */
	struct flowtab frags;
};

struct model *model_new(size_t max_flows)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (flowtab_init(&m->frags, sizeof(struct xlb_frag_key), sizeof(struct xlb_frag),
			 max_flows)) {
		model_free(m);
		return NULL;
	}
	return m;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < XLB_MAX_SERVICES; i++)
		free(m->tables[i].ids);
	free(m->conns);
	flowtab_free(&m->frags);
	free(m);
}

int model_set_conns(struct model *m, uint32_t parts, uint32_t buckets, uint32_t cpu)
{
	struct xlb_conn_bucket *t;

	if (!parts || !buckets || cpu >= parts)
		return -EINVAL;
	t = calloc((size_t)parts * buckets, sizeof(*t));
	if (!t)
		return -ENOMEM;
	free(m->conns);
	m->conns = t;
	m->parts = parts;
	m->buckets = buckets;
	m->cpu = cpu;
	m->filled = 0;
	return 0;
}

int model_set_config(struct model *m, const struct xlb_config *cfg)
{
	if (cfg->new_flow_interval_ns)
		return -EINVAL;
	m->cfg = *cfg;
	return 0;
}

static struct svc_entry *svc_find(const struct model *m, const struct xlb_svc_key *k)
{
	for (size_t i = 0; i < m->nsvcs; i++)
		if (!memcmp(&m->svcs[i].k, k, sizeof(*k)))
			return (struct svc_entry *)&m->svcs[i];
	return NULL;
}

int model_set_service(struct model *m, const struct xlb_svc_key *k, const struct xlb_svc *v)
{
	struct svc_entry *e = svc_find(m, k);

	if (!e) {
		if (m->nsvcs >= XLB_MAX_SERVICES)
			return -EINVAL;
		e = &m->svcs[m->nsvcs++];
		e->k = *k;
	}
	e->v = *v;
	return 0;
}

int model_del_service(struct model *m, const struct xlb_svc_key *k)
{
	struct svc_entry *e = svc_find(m, k);

	if (!e)
		return -ENOENT;
	*e = m->svcs[--m->nsvcs];
	return 0;
}

int model_set_vip(struct model *m, const struct xlb_vip_key *k, const struct xlb_vip *v)
{
	for (size_t i = 0; i < m->nvips; i++) {
		if (!memcmp(&m->vips[i].k, k, sizeof(*k))) {
			m->vips[i].v = *v;
			return 0;
		}
	}
	if (m->nvips >= XLB_MAX_VIPS)
		return -EINVAL;
	m->vips[m->nvips].k = *k;
	m->vips[m->nvips++].v = *v;
	return 0;
}

int model_set_table(struct model *m, uint32_t svc_id, const uint32_t *ids, uint32_t n)
{
	uint32_t *copy;

	if (svc_id >= XLB_MAX_SERVICES || !n)
		return -EINVAL;
	copy = malloc(n * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, ids, n * sizeof(*copy));
	free(m->tables[svc_id].ids);
	m->tables[svc_id].ids = copy;
	m->tables[svc_id].n = n;
	return 0;
}

int model_del_table(struct model *m, uint32_t svc_id)
{
	if (svc_id >= XLB_MAX_SERVICES)
		return -EINVAL;
	free(m->tables[svc_id].ids);
	m->tables[svc_id].ids = NULL;
	m->tables[svc_id].n = 0;
	return 0;
}

int model_set_backend(struct model *m, uint32_t id, const struct xlb_backend *be)
{
	if (id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	m->backends[id] = *be;
	return 0;
}

void model_flush_flows(struct model *m)
{
	if (m->conns)
		memset(m->conns, 0, (size_t)m->parts * m->buckets * sizeof(*m->conns));
	m->filled = 0;
	flowtab_clear(&m->frags);
}

const struct xlb_conn_bucket *model_bucket(const struct model *m, uint32_t index)
{
	return m->conns && index < m->parts * m->buckets ? &m->conns[index] : NULL;
}

size_t model_conn_count(const struct model *m)
{
	size_t n = 0;

	for (size_t i = 0; m->conns && i < (size_t)m->parts * m->buckets; i++)
		for (int w = 0; w < XLB_CONN_WAYS; w++)
			n += m->conns[i].e[w].generation != 0;
	return n;
}

uint64_t model_conns_filled(const struct model *m)
{
	return m->filled;
}

const struct xlb_frag *model_frag(const struct model *m, const struct xlb_frag_key *k)
{
	return flowtab_get(&m->frags, k);
}

size_t model_frag_count(const struct model *m)
{
	return m->frags.count;
}

int model_commit(struct model *m, const struct model_result *r)
{
	int err = 0;

	if (r->conn_write && m->conns) {
		m->conns[r->conn_index] = r->bucket;
		m->filled += r->conn_filled;
	}
	if (r->frag_write)
		err = flowtab_put(&m->frags, &r->frag_key, &r->frag);
	return err;
}

/* ---- the flow hash --------------------------------------------------------------------- */

static uint32_t rotl(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/* One Murmur3 (x86, 32-bit) block step. */
static uint32_t murmur_block(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = rotl(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = rotl(h, 13);
	return h * 5 + 0xe6546b64u;
}

uint32_t model_flow_hash(uint32_t seed, uint8_t family, const uint32_t *src, const uint32_t *dst,
			 uint16_t sport, uint16_t dport, uint8_t proto)
{
	/* The blocks in order: source and destination (all four words of each for IPv6, first
	 * the leading words of both), the ports, then family and protocol; the length mixed
	 * into the finaliser is 4 bytes per block. */
	uint32_t blocks[10];
	size_t n = 0;
	uint32_t h = seed;

	blocks[n++] = src[0];
	blocks[n++] = dst[0];
	if (family != XLB_AF_INET) {
		for (int i = 1; i < 4; i++)
			blocks[n++] = src[i];
		for (int i = 1; i < 4; i++)
			blocks[n++] = dst[i];
	}
	blocks[n++] = (uint32_t)sport << 16 | dport;
	blocks[n++] = (uint32_t)family << 8 | proto;
	for (size_t i = 0; i < n; i++)
		h = murmur_block(h, blocks[i]);
	h ^= (uint32_t)(n * 4);
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Output n (1, 2, ...) of splitmix64 from state 0. */
static uint64_t splitmix64(int n)
{
	uint64_t z = 0x9e3779b97f4a7c15ull * (uint64_t)n;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t model_conn_hash(uint32_t seed, uint8_t family, const uint32_t *src, const uint32_t *dst,
			 uint16_t sport, uint16_t dport, uint8_t proto)
{
	/* 64-bit terms, each times its own odd multiplier (splitmix64 outputs 1..6 | 1), summed
	 * mod 2^64, then folded with output 7 | 1. A pair (a, b) is a + b * 2^32. */
	uint64_t terms[6] = {
		seed,
		src[0] | (uint64_t)dst[0] << 32,
		((uint32_t)sport << 16 | dport) | (uint64_t)((uint32_t)family << 8 | proto) << 32,
		src[1] | (uint64_t)src[2] << 32,
		src[3] | (uint64_t)dst[1] << 32,
		dst[2] | (uint64_t)dst[3] << 32,
	};
	int n = family == XLB_AF_INET ? 3 : 6;
	uint64_t x = 0;

	for (int i = 0; i < n; i++)
		x += terms[i] * (splitmix64(i + 1) | 1);
	x ^= x >> 32;
	x *= splitmix64(7) | 1;
	x ^= x >> 32;
	return (uint32_t)x;
}

/* ---- reading and writing frames -------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* One's complement sum of big-endian 16-bit words, not folded. */
static uint32_t sum_be(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += rd16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold_not(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 1624 eqn. 3: the checksum hc after one 16-bit word changes from old to new. */
static uint16_t csum_update(uint16_t hc, uint16_t old, uint16_t new)
{
	return fold_not((uint32_t)(uint16_t)~hc + (uint16_t)~old + new);
}

/* ---- parsing --------------------------------------------------------------------------- */

enum { FRAG_NONE, FRAG_FIRST, FRAG_LATER };

/* One parsed packet: addresses and ports as stored in the frame (the ABI's "be" values). */
struct pkt {
	uint32_t src[4], dst[4];
	uint16_t sport, dport;
	uint8_t family, proto, tos, df, frag, frag_proto;
	bool has_ports, ext_over;
	size_t l3, l4, ip_len;
	uint32_t frag_id;
};

static bool is_ext6(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 44;
}

/* Ports of a TCP/UDP packet that carries its header (not a later fragment): they must lie
 * inside the frame and inside the IP length. Returns false when they do not. */
static bool read_ports(const uint8_t *f, size_t len, struct pkt *p)
{
	if ((p->proto != 6 && p->proto != 17) || p->frag == FRAG_LATER)
		return true;
	if (p->l4 > 2048 || p->l4 + 4 > len || p->l4 + 4 > p->l3 + p->ip_len)
		return false;
	memcpy(&p->sport, f + p->l4, 2);
	memcpy(&p->dport, f + p->l4 + 2, 2);
	p->has_ports = true;
	return true;
}

static bool parse_v4(const uint8_t *f, size_t len, struct pkt *p)
{
	const uint8_t *ip = f + p->l3;
	size_t hl;
	uint16_t fo, id;

	if (p->l3 + 20 > len || ip[0] >> 4 != 4 || (ip[0] & 15) < 5)
		return false;
	hl = (size_t)(ip[0] & 15) * 4;
	p->ip_len = rd16(ip + 2);
	if (p->ip_len < hl || p->l3 + p->ip_len > len)
		return false;
	p->family = XLB_AF_INET;
	p->tos = ip[1];
	p->proto = ip[9];
	fo = rd16(ip + 6);
	p->df = !!(fo & 0x4000);
	memcpy(&p->src[0], ip + 12, 4);
	memcpy(&p->dst[0], ip + 16, 4);
	p->l4 = p->l3 + hl;
	if (fo & 0x1fff)
		p->frag = FRAG_LATER;
	else if (fo & 0x2000)
		p->frag = FRAG_FIRST;
	memcpy(&id, ip + 4, 2); /* as stored: the ABI's key keeps the raw 16 bits */
	p->frag_id = id;
	p->frag_proto = p->proto;
	return read_ports(f, len, p);
}

static bool parse_v6(const uint8_t *f, size_t len, struct pkt *p)
{
	const uint8_t *ip = f + p->l3;
	size_t off, end;
	uint8_t nh;

	if (p->l3 + 40 > len || ip[0] >> 4 != 6)
		return false;
	p->ip_len = (size_t)rd16(ip + 4) + 40;
	if (p->l3 + p->ip_len > len)
		return false;
	p->family = XLB_AF_INET6;
	p->tos = (uint8_t)(rd16(ip) >> 4);
	p->df = 1;
	memcpy(p->src, ip + 8, 16);
	memcpy(p->dst, ip + 24, 16);
	nh = ip[6];
	off = p->l3 + 40;
	end = p->l3 + p->ip_len;
	/* At most four extension headers are walked (docs: "IPv6 extension headers"). */
	for (int i = 0; i < 4 && is_ext6(nh); i++) {
		if (nh == 44) {
			uint16_t fo;

			if (off > 2048 || off + 8 > end)
				return false;
			fo = rd16(f + off + 2);
			memcpy(&p->frag_id, f + off + 4, 4);
			p->frag_proto = f[off];
			if (fo & 0xfff8)
				p->frag = FRAG_LATER;
			else if (fo & 1)
				p->frag = FRAG_FIRST;
			nh = f[off];
			off += 8;
			if (p->frag == FRAG_LATER)
				break;
		} else {
			if (off > 2048 || off + 8 > end)
				return false;
			nh = f[off];
			off += ((size_t)f[off + 1] + 1) * 8;
			if (off > end)
				return false;
		}
	}
	p->proto = nh;
	p->l4 = off;
	p->ext_over = p->frag != FRAG_LATER && is_ext6(nh);
	return read_ports(f, len, p);
}

/* ---- decisions ------------------------------------------------------------------------- */

static const int REASON_ACTION[] = {
#define MODEL_ACTION(id, name, action, help) [id] = action,
	XLB_REASONS(MODEL_ACTION)
#undef MODEL_ACTION
};

static const char *const REASON_NAME[] = {
#define MODEL_NAME(id, name, action, help) [id] = name,
	XLB_REASONS(MODEL_NAME)
#undef MODEL_NAME
};

const char *model_reason_name(int r)
{
	return r >= 0 && r < XLB_R_MAX ? REASON_NAME[r] : "?";
}

static const struct xlb_svc *svc_lookup(const struct model *m, const uint32_t *addr, uint16_t port,
					uint8_t proto, uint8_t family)
{
	struct xlb_svc_key k;
	struct svc_entry *e;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, addr, 16);
	k.port = port;
	k.proto = proto;
	k.family = family;
	e = svc_find(m, &k);
	if (!e && (m->cfg.flags & XLB_CFG_F_WILDCARD)) {
		k.port = 0;
		e = svc_find(m, &k);
	}
	return e ? &e->v : NULL;
}

static const struct xlb_vip *vip_lookup(const struct model *m, const uint32_t *addr, uint8_t family)
{
	struct xlb_vip_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, addr, 16);
	k.family = family;
	for (size_t i = 0; i < m->nvips; i++)
		if (!memcmp(&m->vips[i].k, &k, sizeof(k)))
			return &m->vips[i].v;
	return NULL;
}

static const struct xlb_backend *backend(const struct model *m, uint32_t id)
{
	return id < XLB_MAX_BACKENDS ? &m->backends[id] : NULL;
}

/* A remembered backend still takes the flow: same generation, same service, not down. */
static bool conn_usable(const struct model *m, const struct xlb_conn *c, uint32_t svc_id)
{
	const struct xlb_backend *be = backend(m, c->backend_id);

	return be && be->generation == c->generation && be->svc_id == svc_id &&
	       be->state != XLB_BE_DOWN;
}

/* Slot hash % M of the service's table; the backend there must be up. Returns 0 with *id set,
 * or the DROP_* reason. A slot past the installed table (also M = 0, where the data path's
 * modulo leaves the hash as it is) finds nothing. */
static int maglev_pick(const struct model *m, const struct xlb_svc *svc, uint32_t hash,
		       uint32_t *id)
{
	const struct table *t = svc->id < XLB_MAX_SERVICES ? &m->tables[svc->id] : NULL;
	const struct xlb_backend *be;
	uint32_t slot;

	if (!t || !t->ids)
		return XLB_R_DROP_NO_TABLE;
	slot = svc->table_size ? hash % svc->table_size : hash;
	if (slot >= t->n || t->ids[slot] == XLB_BACKEND_NONE)
		return XLB_R_DROP_NO_BACKEND;
	be = backend(m, t->ids[slot]);
	if (!be || be->state != XLB_BE_UP)
		return XLB_R_DROP_NO_BACKEND;
	*id = t->ids[slot];
	return 0;
}

/* Bucket index of flow hash `hash` in CPU cpu's part: cpu x B + floor(hash x B / 2^32). */
static uint32_t bucket_index(const struct model *m, uint32_t hash, uint32_t cpu)
{
	return cpu * m->buckets + (uint32_t)(((uint64_t)hash * m->buckets) >> 32);
}

/* Way of bucket b holding client src:sport to port dport, or -1. An empty entry (generation
 * 0) holds nothing. */
static int bucket_way(const struct xlb_conn_bucket *b, const uint32_t *src, uint16_t sport,
		      uint16_t dport)
{
	for (int w = 0; w < XLB_CONN_WAYS; w++) {
		const struct xlb_conn *c = &b->e[w];

		if (c->generation && !memcmp(c->src, src, 16) && c->sport == sport &&
		    c->dport == dport)
			return w;
	}
	return -1;
}

/* Ticks from entry c's last packet to now, on 31 bits. */
static uint32_t age_of(const struct xlb_conn *c, uint32_t now)
{
	return (now - (c->tick & 0x7fffffffu)) & 0x7fffffffu;
}

/* The flow's entry in any CPU's part whose last packet is the most recent (the first part on
 * a tie), as ICMP errors and first fragments look: -1, or its bucket index with *way set. */
static int64_t probe_parts(const struct model *m, uint32_t hash, const uint32_t *src,
			   uint16_t sport, uint16_t dport, uint32_t now, int *way)
{
	int64_t best = -1;
	uint32_t best_age = 0;

	for (uint32_t cpu = 0; cpu < m->parts; cpu++) {
		uint32_t i = bucket_index(m, hash, cpu);
		int w = bucket_way(&m->conns[i], src, sport, dport);

		if (w >= 0 && (best < 0 || age_of(&m->conns[i].e[w], now) < best_age)) {
			best = i;
			best_age = age_of(&m->conns[i].e[w], now);
			*way = w;
		}
	}
	return best;
}

/* Which way of bucket b a new flow takes at tick now: an empty one first, then an unconfirmed
 * one, then the one idle longest; among equals the first. -1 when a SYN would have to take a
 * confirmed entry (it never does). *empty: the way taken was empty. */
static int victim_way(const struct xlb_conn_bucket *b, uint32_t now, bool syn, bool *empty)
{
	int best = 0;

	for (int w = 1; w < XLB_CONN_WAYS; w++) {
		const struct xlb_conn *c = &b->e[w], *v = &b->e[best];
		int cls_c = !c->generation ? 2 : !(c->tick & XLB_CONN_CONFIRMED) ? 1 : 0;
		int cls_v = !v->generation ? 2 : !(v->tick & XLB_CONN_CONFIRMED) ? 1 : 0;

		if (cls_c > cls_v ||
		    (cls_c == cls_v && cls_c < 2 && age_of(c, now) > age_of(v, now)))
			best = w;
	}
	*empty = !b->e[best].generation;
	if (syn && !*empty && (b->e[best].tick & XLB_CONN_CONFIRMED))
		return -1;
	return best;
}

static void frag_key_of(struct xlb_frag_key *k, const struct pkt *p)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, p->src, 16);
	memcpy(k->dst, p->dst, 16);
	k->id = p->frag_id;
	k->proto = p->frag_proto;
	k->family = p->family;
}

/* The chosen backend of one packet. */
struct choice {
	uint32_t id;
	uint32_t hash;
};

/* Backend selection of docs "Backend selection" for a TCP/UDP packet of service svc, at tick
 * `tick`, on CPU m->cpu. Returns the TX_* reason with *ch set, or a DROP_* reason; records the
 * bucket of the flow in this CPU's part and what it holds after the packet. */
static int select_backend(const struct model *m, const struct pkt *p, const struct xlb_svc *svc,
			  uint8_t tcp_flags, uint32_t tick, struct choice *ch,
			  struct model_result *r)
{
	bool tcp = p->proto == 6;
	bool syn = tcp && (tcp_flags & 0x12) == 0x02;
	bool rst = tcp && (tcp_flags & 0x04);
	bool expiry = !tcp && m->cfg.udp_idle_ticks;
	uint32_t now = tick & 0x7fffffffu;
	int reason = XLB_R_TX_NEW_FLOW, err, way = -1, pw;
	const struct xlb_conn *c = NULL;
	struct xlb_conn *v;
	bool empty = false;

	r->used_clock = true; /* every packet reads the clock: entries age */
	ch->hash = model_conn_hash(m->cfg.hash_seed, p->family, p->src, p->dst, p->sport, p->dport,
				   p->proto);
	if (m->conns) {
		r->has_conn = true;
		r->conn_index = bucket_index(m, ch->hash, m->cpu);
		r->bucket = m->conns[r->conn_index];
	}
	if (r->has_conn && !syn) {
		way = bucket_way(&r->bucket, p->src, p->sport, p->dport);
		if (way >= 0) {
			c = &r->bucket.e[way];
			if (conn_usable(m, c, svc->id) &&
			    (!expiry || age_of(c, now) <= m->cfg.udp_idle_ticks)) {
				ch->id = c->backend_id;
				if (c->tick != (now | XLB_CONN_CONFIRMED)) {
					/* refreshed once per tick, confirmed by the first hit */
					r->bucket.e[way].tick = now | XLB_CONN_CONFIRMED;
					r->conn_write = true;
				}
				return XLB_R_TX_CONN_HIT;
			}
			reason = XLB_R_TX_RESELECT;
		}
		if (m->parts > 1 &&
		    (!(m->cfg.flags & XLB_CFG_F_CPU_LOCAL) || p->frag == FRAG_FIRST || rst)) {
			/* Missing or not to be followed here: every part is looked at (the flow
			 * may be live on another CPU; a first fragment's or a RST's RSS hash is
			 * not its flow's; with XLB_CFG_F_CPU_LOCAL only these two look). The flood
			 * guard, asked first by the data path, is off in the model. The most
			 * recently used entry is followed when it may be, unless it is this CPU's
			 * own, and copied here, except by a first fragment and a RST. */
			int64_t i = probe_parts(m, ch->hash, p->src, p->sport, p->dport, now, &pw);
			const struct xlb_conn *o = i >= 0 ? &m->conns[i].e[pw] : NULL;
			bool other = o && !(i == (int64_t)r->conn_index && pw == way);

			/* An entry elsewhere that may not be followed either: re-selected. */
			if (other && !(conn_usable(m, o, svc->id) &&
				       (!expiry || age_of(o, now) <= m->cfg.udp_idle_ticks)))
				reason = XLB_R_TX_RESELECT;
			else if (other) {
				ch->id = o->backend_id;
				if (p->frag != FRAG_FIRST && !rst) {
					if (way < 0)
						way = victim_way(&r->bucket, now, false, &empty);
					v = &r->bucket.e[way];
					memcpy(v->src, p->src, 16);
					v->sport = p->sport;
					v->dport = p->dport;
					v->tick = now | XLB_CONN_CONFIRMED;
					v->backend_id = ch->id;
					v->generation = m->backends[ch->id].generation;
					r->conn_write = true;
					r->conn_filled = empty;
				}
				return XLB_R_TX_CONN_HIT;
			}
		}
	}
	err = maglev_pick(m, svc,
			  model_flow_hash(m->cfg.hash_seed, p->family, p->src, p->dst, p->sport,
					  p->dport, p->proto),
			  &ch->id);
	if (err)
		return err;
	if (rst || !r->has_conn)
		return XLB_R_TX_UNTRACKED;
	if (syn) {
		way = bucket_way(&r->bucket, p->src, p->sport, p->dport);
		/* A SYN empties the flow's entries in the other CPUs' parts, unless flows stay on
		 * their CPU (the fuzzer's frames all run on one CPU, so there are none; the BPF
		 * fixtures test it). */
		for (uint32_t cpu = 0; !(m->cfg.flags & XLB_CFG_F_CPU_LOCAL) && cpu < m->parts;
		     cpu++)
			if (cpu != m->cpu && bucket_way(&m->conns[bucket_index(m, ch->hash, cpu)],
							p->src, p->sport, p->dport) >= 0)
				r->forgets_other_parts = true;
	}
	/* The same choice already recorded in this tick (a retransmitted SYN): left as it is. */
	if (way >= 0 && r->bucket.e[way].backend_id == ch->id &&
	    r->bucket.e[way].generation == m->backends[ch->id].generation &&
	    (r->bucket.e[way].tick & 0x7fffffffu) == now)
		return reason;
	empty = false;
	if (way < 0)
		way = victim_way(&r->bucket, now, syn, &empty);
	if (way < 0)
		return XLB_R_TX_UNTRACKED;
	v = &r->bucket.e[way];
	memcpy(v->src, p->src, 16);
	v->sport = p->sport;
	v->dport = p->dport;
	v->tick = now;
	v->backend_id = ch->id;
	v->generation = m->backends[ch->id].generation;
	r->conn_write = true;
	r->conn_filled = empty;
	return reason;
}

/* The backend an ICMP error's flow goes to: the flow's most recently used entry in any CPU's
 * part when usable (idle or not), else its slot. Never writes. Returns 0 or a DROP_* reason. */
static int select_peek(const struct model *m, const struct pkt *f, const struct xlb_svc *svc,
		       uint32_t tick, struct choice *ch, struct model_result *r)
{
	int64_t i = -1;
	int way;

	r->used_clock = true;
	ch->hash = model_conn_hash(m->cfg.hash_seed, f->family, f->src, f->dst, f->sport, f->dport,
				   f->proto);
	if (m->conns)
		i = probe_parts(m, ch->hash, f->src, f->sport, f->dport, tick & 0x7fffffffu, &way);
	if (i >= 0 && conn_usable(m, &m->conns[i].e[way], svc->id)) {
		ch->id = m->conns[i].e[way].backend_id;
		return 0;
	}
	return maglev_pick(m, svc,
			   model_flow_hash(m->cfg.hash_seed, f->family, f->src, f->dst, f->sport,
					   f->dport, f->proto),
			   &ch->id);
}

/* L2 of a generated frame: dst and src MACs, the input's VLAN tags, ethertype. Returns the
 * offset after it. */
static size_t put_l2(uint8_t *o, const uint8_t *dst, const uint8_t *src, const uint8_t *in,
		     size_t l3, uint16_t ethertype)
{
	memcpy(o, dst, 6);
	memcpy(o + 6, src, 6);
	memcpy(o + 12, in + 12, l3 - 14); /* the tags as they were */
	wr16(o + l3 - 2, ethertype);
	return l3;
}

/* Low `bits` bits of a source word (as stored) replaced by the flow hash's. */
static uint32_t rss_word(uint32_t stored, uint8_t bits, uint32_t hash)
{
	uint8_t b[4];
	uint32_t v, mask;

	if (!bits)
		return stored;
	memcpy(b, &stored, 4);
	v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	mask = bits >= 32 ? 0xffffffffu : (1u << bits) - 1;
	v = (v & ~mask) | (hash & mask);
	wr32(b, v);
	memcpy(&stored, b, 4);
	return stored;
}

/* Bytes backend be's mode adds (docs "Forwarding modes"): IP-in-IP the outer IP header, GUE
 * that and UDP, L2 nothing; an unknown mode as IP-in-IP (it is dropped anyway). */
static uint32_t mode_overhead(const struct xlb_backend *be)
{
	uint32_t ip = be->family == XLB_AF_INET ? 20 : 40;

	if (be->encap == XLB_ENCAP_L2)
		return 0;
	return be->encap == XLB_ENCAP_GUE ? ip + 8 : ip;
}

/* The frame of docs "Forwarding modes" for backend be. Returns 0 or XLB_R_DROP_NO_SOURCE (no
 * source for the outer family, GUE with port 0, an unknown mode). */
static int encapsulate(const struct model *m, const uint8_t *f, size_t len, const struct pkt *p,
		       const struct xlb_backend *be, uint32_t hash, struct model_result *r)
{
	const struct xlb_config *c = &m->cfg;
	bool v4 = be->family == XLB_AF_INET, gue = be->encap == XLB_ENCAP_GUE;
	size_t oh = mode_overhead(be), ih = v4 ? 20 : 40;
	uint8_t *o = r->out;
	uint8_t inner = p->family == XLB_AF_INET ? 4 : 41;
	size_t at;

	if (be->encap == XLB_ENCAP_L2) {
		memcpy(o, f, len);
		memcpy(o, be->mac, 6);
		memcpy(o + 6, f, 6);
		r->out_len = len;
		return 0;
	}
	if (be->encap != XLB_ENCAP_IPIP && !gue)
		return XLB_R_DROP_NO_SOURCE;
	if (gue && !c->gue_port)
		return XLB_R_DROP_NO_SOURCE;
	if (v4 ? !c->src_v4 : !(c->src_v6[0] | c->src_v6[1] | c->src_v6[2] | c->src_v6[3]))
		return XLB_R_DROP_NO_SOURCE;
	at = put_l2(o, c->gw_mac, f, f, p->l3, v4 ? 0x0800 : 0x86dd);
	if (v4) {
		uint32_t src = rss_word(c->src_v4, c->rss_bits_v4, hash);

		memset(o + at, 0, 20);
		o[at] = 0x45;
		o[at + 1] = p->tos;
		wr16(o + at + 2, (uint16_t)(p->ip_len + oh));
		wr16(o + at + 6, 0x4000); /* DF, offset 0; ID 0 */
		o[at + 8] = 64;
		o[at + 9] = gue ? 17 : inner;
		memcpy(o + at + 12, &src, 4);
		memcpy(o + at + 16, &be->addr[0], 4);
		wr16(o + at + 10, fold_not(sum_be(o + at, 20, 0)));
	} else {
		uint32_t src[4];

		memcpy(src, c->src_v6, 16);
		src[3] = rss_word(src[3], c->rss_bits_v6, hash);
		wr32(o + at, 6u << 28 | (uint32_t)p->tos << 20 | (hash & 0xfffff));
		wr16(o + at + 4, (uint16_t)(p->ip_len + oh - 40));
		o[at + 6] = gue ? 17 : inner;
		o[at + 7] = 64;
		memcpy(o + at + 8, src, 16);
		memcpy(o + at + 24, be->addr, 16);
	}
	memcpy(o + at + oh, f + p->l3, len - p->l3); /* the packet and any padding, unchanged */
	r->out_len = len + oh;
	if (gue) {
		uint8_t *u = o + at + ih;

		wr16(u, (uint16_t)(0x8000 | hash >> 17));
		memcpy(u + 2, &c->gue_port, 2);
		wr16(u + 4, (uint16_t)(p->ip_len + 8));
		wr16(u + 6, 0);
		if (!v4) { /* RFC 8200 8.1 pseudo-header; 0 is sent as 0xffff */
			uint32_t sum = sum_be(o + at + 8, 32, 0) + p->ip_len + 8 + 17;
			uint16_t ck = fold_not(sum_be(u, p->ip_len + 8, sum));

			wr16(u + 6, ck ? ck : 0xffff);
		}
	}
	return 0;
}

/* ICMP "fragmentation needed" / ICMPv6 "packet too big" back to the sender, reporting mtu and
 * quoting the first 512 bytes of the IP packet. */
static void too_big_reply(const uint8_t *f, const struct pkt *p, uint32_t mtu,
			  struct model_result *r)
{
	bool v4 = p->family == XLB_AF_INET;
	size_t hl = v4 ? 20 : 40, at;
	uint8_t *o = r->out, *ip, *icmp;

	at = put_l2(o, f + 6, f, f, p->l3, v4 ? 0x0800 : 0x86dd);
	ip = o + at;
	icmp = ip + hl;
	memset(ip, 0, hl + 8);
	memcpy(icmp + 8, f + p->l3, 512);
	if (v4) {
		ip[0] = 0x45;
		wr16(ip + 2, 20 + 8 + 512);
		ip[8] = 64;
		ip[9] = 1;
		memcpy(ip + 12, &p->dst[0], 4);
		memcpy(ip + 16, &p->src[0], 4);
		wr16(ip + 10, fold_not(sum_be(ip, 20, 0)));
		icmp[0] = 3;
		icmp[1] = 4;
		wr16(icmp + 6, (uint16_t)mtu);
		wr16(icmp + 2, fold_not(sum_be(icmp, 8 + 512, 0)));
	} else {
		uint32_t pseudo;

		wr32(ip, 6u << 28);
		wr16(ip + 4, 8 + 512);
		ip[6] = 58;
		ip[7] = 64;
		memcpy(ip + 8, p->dst, 16);
		memcpy(ip + 24, p->src, 16);
		icmp[0] = 2;
		wr32(icmp + 4, mtu);
		pseudo = sum_be(ip + 8, 32, 0) + 8 + 512 + 58;
		wr16(icmp + 2, fold_not(sum_be(icmp, 8 + 512, pseudo)));
	}
	r->out_len = at + hl + 8 + 512;
}

/* Send the packet to backend ch (docs "Too big for the tunnel", "Forwarding modes"). may_icmp:
 * a too-big packet may be answered (a TCP/UDP packet that is not a fragment). */
static int forward(const struct model *m, const uint8_t *f, size_t len, const struct pkt *p,
		   const struct choice *ch, int reason, bool may_icmp, struct model_result *r)
{
	const struct xlb_backend *be = &m->backends[ch->id];
	uint32_t oh = mode_overhead(be), mtu = m->cfg.mtu;
	uint32_t floor = p->family == XLB_AF_INET6 ? 1280 : 68;
	int err;

	if (mtu && p->ip_len + oh > mtu) {
		if (!may_icmp || !p->df || p->frag || mtu < oh + floor || p->ip_len < 512)
			return XLB_R_DROP_TOO_BIG;
		too_big_reply(f, p, mtu - oh, r);
		return XLB_R_TX_ICMP_TOO_BIG;
	}
	err = encapsulate(m, f, len, p, be, ch->hash, r);
	if (err)
		return err;
	r->backend_id = ch->id;
	return reason;
}

/* A fragment after the first, to a VIP: follows its datagram's record. */
static int later_fragment(const struct model *m, const uint8_t *f, size_t len, const struct pkt *p,
			  struct model_result *r)
{
	const struct xlb_frag *fe;
	const struct xlb_backend *be;
	struct choice ch;

	r->has_frag = true;
	frag_key_of(&r->frag_key, p);
	fe = flowtab_get(&m->frags, &r->frag_key);
	if (!fe)
		return XLB_R_PASS_FRAGMENT;
	r->svc_id = fe->svc_id;
	be = backend(m, fe->backend_id);
	if (!be || be->generation != fe->generation || be->state == XLB_BE_DOWN)
		return XLB_R_DROP_FRAGMENT;
	ch.id = fe->backend_id;
	ch.hash = fe->hash;
	return forward(m, f, len, p, &ch, XLB_R_TX_FRAGMENT, false, r);
}

/* Echo reply in place: MACs and addresses swapped, TTL / hop limit 64, type changed, the
 * checksums updated incrementally (a bad checksum stays bad). */
static void echo_reply(const uint8_t *f, size_t len, const struct pkt *p, struct model_result *r)
{
	uint8_t *o = r->out, *ip = o + p->l3, *icmp = o + p->l4;
	uint16_t old;

	memcpy(o, f, len);
	memcpy(o, f + 6, 6);
	memcpy(o + 6, f, 6);
	if (p->family == XLB_AF_INET) {
		old = rd16(ip + 8);
		ip[8] = 64;
		wr16(ip + 10, csum_update(rd16(ip + 10), old, rd16(ip + 8)));
		memcpy(ip + 12, f + p->l3 + 16, 4);
		memcpy(ip + 16, f + p->l3 + 12, 4);
		old = rd16(icmp);
		icmp[0] = 0;
	} else {
		ip[7] = 64;
		memcpy(ip + 8, f + p->l3 + 24, 16);
		memcpy(ip + 24, f + p->l3 + 8, 16);
		old = rd16(icmp);
		icmp[0] = 129;
	}
	wr16(icmp + 2, csum_update(rd16(icmp + 2), old, rd16(icmp)));
	r->out_len = len;
}

/* The flow an ICMP error is about, read from its quote: the quoted packet reversed (client to
 * VIP). Returns 0 or a DROP_ICMP_* reason. */
static int icmp_error_flow(const uint8_t *f, size_t len, const struct pkt *p, struct pkt *fl)
{
	size_t q = p->l4 + 8, end = p->l3 + p->ip_len, l4;
	const uint8_t *qi = f + q;

	memset(fl, 0, sizeof(*fl));
	fl->family = p->family;
	if (p->family == XLB_AF_INET) {
		if (q + 20 > len || q + 20 > end || qi[0] >> 4 != 4 || (qi[0] & 15) < 5)
			return XLB_R_DROP_ICMP_MALFORMED;
		if (memcmp(qi + 12, &p->dst[0], 4) || (rd16(qi + 6) & 0x1fff))
			return XLB_R_DROP_ICMP_MALFORMED;
		if (qi[9] != 6 && qi[9] != 17)
			return XLB_R_DROP_ICMP_NO_FLOW;
		fl->proto = qi[9];
		memcpy(&fl->src[0], qi + 16, 4);
		memcpy(&fl->dst[0], qi + 12, 4);
		l4 = q + (size_t)(qi[0] & 15) * 4;
	} else {
		if (q + 40 > len || q + 40 > end || qi[0] >> 4 != 6)
			return XLB_R_DROP_ICMP_MALFORMED;
		if (memcmp(qi + 8, p->dst, 16))
			return XLB_R_DROP_ICMP_MALFORMED;
		if (qi[6] != 6 && qi[6] != 17)
			return XLB_R_DROP_ICMP_NO_FLOW;
		fl->proto = qi[6];
		memcpy(fl->src, qi + 24, 16);
		memcpy(fl->dst, qi + 8, 16);
		l4 = q + 40;
	}
	if (l4 + 4 > len || l4 + 4 > end)
		return XLB_R_DROP_ICMP_MALFORMED;
	memcpy(&fl->sport, f + l4 + 2, 2);
	memcpy(&fl->dport, f + l4, 2);
	return 0;
}

/* ICMP / ICMPv6 to a VIP (docs "ICMP and ICMPv6 to a VIP"). */
static int vip_icmp(const struct model *m, const uint8_t *f, size_t len, const struct pkt *p,
		    const struct xlb_vip *vip, uint32_t tick, struct model_result *r)
{
	bool v4 = p->family == XLB_AF_INET;
	const struct xlb_svc *svc;
	struct choice ch;
	struct pkt fl;
	uint8_t type, code;
	int err;

	if (p->l4 + 8 > len || p->l4 + 8 > p->l3 + p->ip_len)
		return XLB_R_DROP_ICMP_MALFORMED;
	type = f[p->l4];
	code = f[p->l4 + 1];
	if ((v4 && type == 8 && code == 0) || (!v4 && type == 128 && code == 0)) {
		if (!(vip->flags & XLB_VIP_F_ECHO) || p->l4 != p->l3 + (v4 ? 20 : 40))
			return XLB_R_DROP_ICMP_OTHER;
		echo_reply(f, len, p, r);
		return XLB_R_TX_ICMP_ECHO;
	}
	if (v4 ? type != 3 && type != 11 : type < 1 || type > 3)
		return XLB_R_DROP_ICMP_OTHER;
	err = icmp_error_flow(f, len, p, &fl);
	if (err)
		return err;
	svc = svc_lookup(m, fl.dst, fl.dport, fl.proto, fl.family);
	if (!svc)
		return XLB_R_DROP_ICMP_NO_FLOW;
	r->svc_id = svc->id;
	err = select_peek(m, &fl, svc, tick, &ch, r);
	if (err)
		return err;
	return forward(m, f, len, p, &ch, XLB_R_TX_ICMP_ERROR, false, r);
}

/* The whole TCP header (data offset 5..15, within the IP length) or UDP header (length 8..IP
 * payload; a first fragment may announce more) of a service's packet. */
static bool l4_ok(const uint8_t *f, size_t len, const struct pkt *p, uint8_t *tcp_flags)
{
	size_t l4_len = p->ip_len - (p->l4 - p->l3);
	const uint8_t *h = f + p->l4;

	if (p->l4 > 2048)
		return false;
	if (p->proto == 6) {
		if (p->l4 + 20 > len || l4_len < 20 || h[12] >> 4 < 5 ||
		    (size_t)(h[12] >> 4) * 4 > l4_len)
			return false;
		*tcp_flags = h[13];
		return true;
	}
	if (p->l4 + 8 > len || l4_len < 8 || rd16(h + 4) < 8)
		return false;
	return rd16(h + 4) <= l4_len || p->frag == FRAG_FIRST;
}

/* The decision for one frame; returns the reason. */
static int decide(const struct model *m, const uint8_t *f, size_t len, uint32_t tick,
		  struct model_result *r)
{
	const struct xlb_svc *svc;
	const struct xlb_vip *vip;
	struct pkt p;
	struct choice ch;
	uint16_t et;
	uint8_t flags = 0;
	int reason;

	memset(&p, 0, sizeof(p));
	if (len < 14)
		return XLB_R_PASS_MALFORMED;
	et = rd16(f + 12);
	p.l3 = 14;
	for (int i = 0; i < 2 && (et == 0x8100 || et == 0x88a8); i++) {
		if (p.l3 + 4 > len)
			return XLB_R_PASS_MALFORMED;
		et = rd16(f + p.l3 + 2);
		p.l3 += 4;
	}
	/* Ethertype 0 is no protocol at all (not even an 802.3 length that means something):
	 * counted as malformed, before the group-address check (docs "Packet path" 1). */
	if (et == 0)
		return XLB_R_PASS_MALFORMED;
	if (f[0] & 1)
		return XLB_R_PASS_L2_GROUP;
	if (et == 0x0800) {
		if (!parse_v4(f, len, &p))
			return XLB_R_PASS_MALFORMED;
	} else if (et == 0x86dd) {
		if (!parse_v6(f, len, &p))
			return XLB_R_PASS_MALFORMED;
	} else {
		return XLB_R_PASS_NOT_IP;
	}

	if (p.has_ports) {
		svc = svc_lookup(m, p.dst, p.dport, p.proto, p.family);
		if (!svc)
			return p.frag ? XLB_R_PASS_FRAGMENT : XLB_R_PASS_NOT_VIP;
		r->svc_id = svc->id;
		if (!l4_ok(f, len, &p, &flags))
			return XLB_R_DROP_MALFORMED_L4;
		reason = select_backend(m, &p, svc, flags, tick, &ch, r);
		if (REASON_ACTION[reason] != XDP_TX)
			return reason;
		reason = forward(m, f, len, &p, &ch, reason, p.frag != FRAG_FIRST, r);
		if (p.frag == FRAG_FIRST && REASON_ACTION[reason] == XDP_TX) {
			/* Recorded once the head is on its way to its backend. */
			r->has_frag = true;
			r->frag_write = true;
			frag_key_of(&r->frag_key, &p);
			r->frag.backend_id = ch.id;
			r->frag.generation = m->backends[ch.id].generation;
			r->frag.hash = ch.hash;
			r->frag.svc_id = svc->id;
		}
		return reason;
	}
	vip = vip_lookup(m, p.dst, p.family);
	if (p.frag) {
		if (vip && p.frag == FRAG_LATER)
			return later_fragment(m, f, len, &p, r);
		return XLB_R_PASS_FRAGMENT;
	}
	if (!vip)
		return XLB_R_PASS_OTHER_L4;
	if (p.ext_over)
		return XLB_R_DROP_EXT_HDRS;
	if ((p.family == XLB_AF_INET && p.proto == 1) ||
	    (p.family == XLB_AF_INET6 && p.proto == 58))
		return vip_icmp(m, f, len, &p, vip, tick, r);
	return XLB_R_PASS_OTHER_L4;
}

void model_decide(const struct model *m, const uint8_t *f, size_t len, uint32_t tick,
		  struct model_result *r)
{
	memset(r, 0, offsetof(struct model_result, out));
	r->svc_id = -1;
	r->backend_id = -1;
	r->reason = decide(m, f, len, tick, r);
	r->action = REASON_ACTION[r->reason];
	if (r->action == XDP_PASS) {
		memcpy(r->out, f, len);
		r->out_len = len;
	} else if (r->action != XDP_TX) {
		r->out_len = 0;
		r->backend_id = -1;
	}
}
