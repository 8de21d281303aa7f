/* \summary: string interning.
 *
 * Host names, protocol names and the like repeat across thousands of flows;
 * interning stores each once, so a flow keeps a pointer, and pointers compare
 * equal for equal strings.  Strings live until strtab_free.
 */
#ifndef PA_STRTAB_H
#define PA_STRTAB_H

#include <stddef.h>

struct strtab;

struct strtab *strtab_new(void);
void strtab_free(struct strtab *t);
/* Returns the interned copy of s[0..len) (NUL-terminated), or NULL on OOM. */
const char *strtab_intern(struct strtab *t, const char *s, size_t len);

#endif
