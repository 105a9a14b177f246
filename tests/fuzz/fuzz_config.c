// SPDX-License-Identifier: GPL-2.0
/* fuzz_config.c - libFuzzer harness for xlb_conf_parse(). Invariants on every input: parsing
 * never crashes or leaks; an accepted config passes xlb_conf_validate(), copies to an equal
 * model, and dumps to YAML that parses back to an equal model whose dump is the same text.
 *
 * Build with clang -fsanitize=fuzzer (libFuzzer supplies main). Built without it, the weak
 * main() below replays the files named on the command line once each: a regression runner
 * for the seed corpus (tests/fuzz/corpus/config/) and for crash files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_config: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static bool addr_same(const struct xlb_addr *a, const struct xlb_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Every field but the line numbers. */
static bool conf_equal(const struct xlb_conf *a, const struct xlb_conf *b)
{
	if (a->n_ifaces != b->n_ifaces || a->xdp_mode != b->xdp_mode ||
	    !addr_same(&a->tunnel_source, &b->tunnel_source) ||
	    !addr_same(&a->tunnel_source_v6, &b->tunnel_source_v6) || a->rss_bits != b->rss_bits ||
	    a->rss_bits_v6 != b->rss_bits_v6 || a->gateway_auto != b->gateway_auto ||
	    memcmp(a->gateway_mac, b->gateway_mac, sizeof(a->gateway_mac)) ||
	    a->hash_seed_auto != b->hash_seed_auto || a->hash_seed != b->hash_seed ||
	    a->mtu != b->mtu || a->conntrack_size != b->conntrack_size ||
	    a->udp_idle_timeout != b->udp_idle_timeout || strcmp(a->state_dir, b->state_dir) ||
	    a->n_services != b->n_services)
		return false;
	for (size_t i = 0; i < a->n_ifaces; i++)
		if (strcmp(a->ifaces[i].name, b->ifaces[i].name) ||
		    a->ifaces[i].mode != b->ifaces[i].mode)
			return false;
	for (size_t i = 0; i < a->n_services; i++) {
		const struct xlb_conf_service *s = &a->services[i], *t = &b->services[i];

		if (strcmp(s->name, t->name) || !addr_same(&s->ref.vip, &t->ref.vip) ||
		    s->ref.port != t->ref.port || s->ref.proto != t->ref.proto ||
		    s->table_size != t->table_size || s->icmp_echo != t->icmp_echo ||
		    s->n_backends != t->n_backends)
			return false;
		for (size_t j = 0; j < s->n_backends; j++) {
			const struct xlb_conf_backend *x = &s->backends[j], *y = &t->backends[j];

			if (!addr_same(&x->addr, &y->addr) || x->weight != y->weight ||
			    x->admin != y->admin)
				return false;
		}
	}
	return true;
}

/* Dump c into a malloc'ed string; aborts on failure. */
static char *dump(const struct xlb_conf *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int rc;

	if (!f)
		fail("open_memstream", NULL);
	rc = xlb_conf_dump(c, f);
	fclose(f);
	if (rc)
		fail("xlb_conf_dump refused an accepted config", NULL);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[XLB_CONF_ERR_MAX], err2[XLB_CONF_ERR_MAX];
	struct xlb_conf a, b, copy;
	char *t1, *t2;
	size_t l1, l2;

	if (xlb_conf_parse((const char *)data, size, "fuzz", &a, err, sizeof(err))) {
		/* Every refusal says where: "fuzz:" starts the message. */
		if (strncmp(err, "fuzz", 4) || strlen(err) >= sizeof(err))
			fail("bad error message", err);
		return 0;
	}
	if (xlb_conf_validate(&a, "fuzz", err, sizeof(err)))
		fail("a parsed config does not validate", err);
	if (xlb_conf_copy(&copy, &a))
		fail("xlb_conf_copy", NULL);
	if (!conf_equal(&a, &copy))
		fail("the copy differs", NULL);
	xlb_conf_free(&copy);

	t1 = dump(&a, &l1);
	if (xlb_conf_parse(t1, l1, "dump", &b, err2, sizeof(err2))) {
		fprintf(stderr, "%s", t1);
		fail("the dump does not parse", err2);
	}
	if (!conf_equal(&a, &b)) {
		fprintf(stderr, "%s", t1);
		fail("the dump parses to a different model", NULL);
	}
	t2 = dump(&b, &l2);
	if (l1 != l2 || memcmp(t1, t2, l1))
		fail("dumping the reloaded model gives different text", NULL);
	free(t1);
	free(t2);
	xlb_conf_free(&b);
	xlb_conf_free(&a);
	return 0;
}

/* Without libFuzzer: run each file given once. libFuzzer's own main() overrides this one. */
__attribute__((weak)) int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		char *buf;
		long n;

		if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
			perror(argv[i]);
			return 1;
		}
		buf = malloc((size_t)n + 1);
		if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
			perror(argv[i]);
			return 1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)buf, (size_t)n);
		free(buf);
	}
	printf("fuzz_config: %d inputs ran\n", argc - 1);
	return 0;
}
