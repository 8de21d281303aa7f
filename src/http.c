/* \summary: helpers over the parsers' common request (see http.h). */
#include "http.h"

#include <string.h>
#include <strings.h>

const struct http_header *http_find_header(const struct http_request *r, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < r->nheaders; i++)
		if (r->headers[i].name_len == n && strncasecmp(r->headers[i].name, name, n) == 0)
			return &r->headers[i];
	return NULL;
}
