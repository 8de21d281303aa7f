/* \summary: helpers over the parsers' common request (see http.h). */
#include "http.h"

#include <stdlib.h>
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

void http_frames_add(uint64_t **v, size_t *n, size_t *cap, uint64_t frame)
{
	size_t i = *n;
	while (i && (*v)[i - 1] > frame)
		i--;
	if (i && (*v)[i - 1] == frame)
		return;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		uint64_t *nv = realloc(*v, c * sizeof(*nv));
		if (!nv)
			return;
		*v = nv;
		*cap = c;
	}
	memmove(*v + i + 1, *v + i, (*n - i) * sizeof(**v));
	(*v)[i] = frame;
	(*n)++;
}
