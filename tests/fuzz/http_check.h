/* The check both HTTP harnesses make of every request handed over: each
 * byte its view claims is read (so ASan checks the bounds), the caps hold,
 * and its frames ascend.  Returns a sum of the bytes, so reads are kept. */
#ifndef FUZZ_HTTP_CHECK_H
#define FUZZ_HTTP_CHECK_H

#include <stdint.h>
#include <stdlib.h>

#include "http.h"

static inline size_t fuzz_check_request(const struct http_request *r, size_t max_body)
{
	size_t sum = 0;
	for (size_t i = 0; i < r->method_len; i++)
		sum += (uint8_t)r->method[i];
	for (size_t i = 0; i < r->target_len; i++)
		sum += (uint8_t)r->target[i];
	for (size_t i = 0; i < r->host_len; i++)
		sum += (uint8_t)r->host[i];
	if (r->nheaders > HTTP_MAX_HEADERS || r->body_len > max_body)
		abort();
	for (size_t h = 0; h < r->nheaders; h++) {
		for (size_t i = 0; i < r->headers[h].name_len; i++)
			sum += (uint8_t)r->headers[h].name[i];
		for (size_t i = 0; i < r->headers[h].value_len; i++)
			sum += (uint8_t)r->headers[h].value[i];
	}
	for (size_t i = 0; i < r->body_len; i++)
		sum += r->body[i];
	for (size_t i = 1; i < r->nframes; i++)
		if (r->frames[i] <= r->frames[i - 1])
			abort(); /* frames must ascend */
	return sum;
}

#endif
