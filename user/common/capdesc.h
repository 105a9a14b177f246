/* SPDX-License-Identifier: GPL-2.0 */
/* capdesc.h - the words of a capture record (include/xlb_capture.h): the names of its verdict,
 * reason and program, and the one-line decision that goes into a pcapng packet comment and
 * into lbctl's per-packet line. Pure C. */
#ifndef XLB_CAPDESC_H
#define XLB_CAPDESC_H

#include <stddef.h>
#include <stdint.h>

#include "xlb_capture.h"

/* "xlb_lb" or "xlb_decap" for XLB_CAPTURE_PROG_*, NULL for anything else. */
const char *capdesc_prog(uint8_t prog);

/* "drop", "pass", "tx", "aborted" or "redirect" for an XDP action, NULL for anything else. */
const char *capdesc_verdict(uint8_t verdict);

/* The stable name of reason in prog's list (xlb_reasons.h for xlb_lb, xlb_decap.h for
 * xlb_decap), e.g. "tx_new_flow"; NULL when prog has no such reason. */
const char *capdesc_reason(uint8_t prog, uint8_t reason);

/* The reason called name in prog's list: 0 with *reason set, or -ENOENT. */
int capdesc_reason_parse(uint8_t prog, const char *name, uint8_t *reason);

/* The XDP action called name ("drop", "pass", "tx"): 0 with *verdict set, or -ENOENT. */
int capdesc_verdict_parse(const char *name, uint8_t *verdict);

/* The decision of r as one line without a newline:
 *   "xlb_lb verdict=tx reason=tx_new_flow service=SERVICE backend=BACKEND cpu=1"
 * service and backend are the caller's words for r's ids (a name, an address); NULL prints
 * the id, and an id of XLB_CAPTURE_ANY prints "-". An unknown program, verdict or reason
 * prints its number. Returns the length snprintf would write (>= len: cut). */
int capdesc_line(char *buf, size_t len, const struct xlb_capture_rec *r, const char *service,
		 const char *backend);

#endif /* XLB_CAPDESC_H */
