/* SPDX-License-Identifier: GPL-2.0 */
/* fuzzenv.h - the frame fuzzer's environment: services with several weighted backends of both
 * families, and random control-plane changes while frames run (backend state, generation and
 * service, table contents, tables removed, config knobs, VIP flags), each written to the real
 * xlb_lb maps and to the reference model alike so that both always see the same maps. */
#ifndef XLB_TEST_FUZZENV_H
#define XLB_TEST_FUZZENV_H

#include <stdint.h>

#include "lbenv.h"
#include "model.h"

#define FUZZ_SEED 0x5eed1234u /* hash seed of the standard fuzz config */
#define FUZZ_SRC4 "192.0.2.1" /* outer source for IPv4 tunnels */
#define FUZZ_SRC6 "2001:db8:ff::1" /* outer source for IPv6 tunnels */
#define FUZZ_MAX_SVC 16 /* service ids are below this */
#define FUZZ_MAX_BE 32 /* backend ids are below this */
#define FUZZ_BE_MAC 0x02, 0xbe, 0x00, 0x00, 0x00, 0x00 /* L2 backends' MAC, id in the last byte */

struct fuzzenv {
	struct lbenv lb;
	struct model *model;
	struct xlb_config cfg; /* the config both sides have now */
	uint64_t (*rng)(void); /* the fuzzer's generator: the same seed, the same changes */
};

/* Write the standard fuzz environment into e->lb's maps and e->model, connection and fragment
 * tables empty. Returns 0 or -errno. */
int fuzzenv_setup(struct fuzzenv *e);

/* One random control-plane change, on both sides. Returns 0 or -errno; *what says which. */
int fuzzenv_change(struct fuzzenv *e, const char **what);

/* Empty the connection and fragment tables on both sides. Returns 0 or -errno. */
int fuzzenv_flush(struct fuzzenv *e);

/* True when (family 4/6, addr as stored) is one of the environment's backend addresses. */
int fuzzenv_is_backend(int family, const void *addr);

#endif /* XLB_TEST_FUZZENV_H */
