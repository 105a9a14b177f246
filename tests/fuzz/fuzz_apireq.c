// SPDX-License-Identifier: GPL-2.0
/* fuzz_apireq.c - libFuzzer harness for the control API request parser. Input: one byte that
 * picks the method, the path up to the first newline, then the body. Invariants: no crash or
 * sanitizer report; a refusal is a known HTTP status with a message; an accepted request is
 * freed cleanly; the Allow list of the path names the method of an accepted request, and is
 * empty on a 405 only for /v1/config/NAME (a path no route has, answered 405 as ever). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apireq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "POST", "PATCH", "DELETE", "PUT" };
	const uint8_t *nl;
	char path[1100], err[512], allow[64];
	struct api_request req;
	size_t plen;
	int status;

	if (size < 1)
		return 0;
	nl = memchr(data + 1, '\n', size - 1);
	plen = nl ? (size_t)(nl - data - 1) : size - 1;
	if (plen >= sizeof(path))
		return 0;
	memcpy(path, data + 1, plen);
	path[plen] = '\0';
	err[0] = '\0';
	status = api_parse(methods[data[0] % 5], path, nl ? (const char *)nl + 1 : NULL,
			   nl ? size - plen - 2 : 0, &req, err, sizeof(err));
	api_allowed(path, allow, sizeof(allow));
	if (status == 405 && !allow[0] && strncmp(err, "config: ", 8))
		abort();
	if (!status && !strstr(allow, methods[data[0] % 5]))
		abort();
	if (status) {
		if ((status != 400 && status != 404 && status != 405 && status != 413 &&
		     status != 500) ||
		    !err[0])
			abort();
		return 0;
	}
	if (req.op >= API_OP_COUNT)
		abort();
	api_request_free(&req);
	return 0;
}
