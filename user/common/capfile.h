/* SPDX-License-Identifier: GPL-2.0 */
/* capfile.h - capture records (include/xlb_capture.h) as pcapng blocks: the Section Header
 * Block, an Interface Description Block the first time a record's interface appears, and an
 * Enhanced Packet Block per record with its decision (capdesc_line()) as the comment, stamped
 * with the wall clock. One writer for xlbd's capture stream and xlb-decap capture's file, so
 * that both files read alike. Pure C (no libbpf). */
#ifndef XLB_CAPFILE_H
#define XLB_CAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pcapng.h"
#include "xlb_capture.h"

#define CAPFILE_MAX_IFACES 64 /* interfaces in one capture; records of more are refused */

/* The largest capfile_record() writes for cap_len bytes of frame: an IDB and the EPB. */
#define CAPFILE_RECORD_MAX(cap_len) (PCAPNG_EPB_MAX(cap_len) + 32 + PCAPNG_MAX_NAME)
#define CAPFILE_BEGIN_MAX (32 + PCAPNG_MAX_NAME) /* the most capfile_begin() writes */

struct capfile {
	uint32_t snaplen; /* the IDBs' snap length: the capture's */
	uint64_t epoch_ns; /* added to a record's CLOCK_MONOTONIC time: the wall clock */
	int ifindex[CAPFILE_MAX_IFACES]; /* the interface of each IDB written, by if_id */
	int n_ifaces;
};

/* Start f for a capture of snaplen bytes per frame, whose records' times plus epoch_ns are
 * wall-clock times (CLOCK_REALTIME minus CLOCK_MONOTONIC, read once), and write the SHB (with
 * shb_userappl appl) into out. Returns the bytes written, 0 when cap is too small. */
size_t capfile_begin(struct capfile *f, void *out, size_t cap, const char *appl, uint32_t snaplen,
		     uint64_t epoch_ns);

/* Write record r (frame: its r->cap_len bytes) into out: an IDB first when r->ifindex is new
 * to f (named by if_indextoname(), "ifindexN" when the interface is gone), then the EPB whose
 * comment is the decision, with svc and backend as the words of r's ids (NULL: the numbers;
 * see capdesc_line()). Returns the bytes written; 0, with nothing written and f unchanged,
 * when cap is below CAPFILE_RECORD_MAX(r->cap_len) or the record would be the interface past
 * CAPFILE_MAX_IFACES. */
size_t capfile_record(struct capfile *f, void *out, size_t cap, const struct xlb_capture_rec *r,
		      const void *frame, const char *svc, const char *backend);

#endif /* XLB_CAPFILE_H */
