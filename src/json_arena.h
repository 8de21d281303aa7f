/* \summary: an arena allocator for jansson while a body is parsed.
 *
 * jansson allocates every node and hashtable with malloc, and the extractor
 * only builds a tree, walks it and drops it: that malloc/free traffic cost
 * more than parsing.  Between the outermost json_arena_enter() and its
 * json_arena_leave(), jansson allocates from reusable blocks and frees are
 * no-ops; outside, it uses the heap.  Each allocation carries a tag, so a
 * tree made outside an arena can still be freed inside one and vice versa.
 * Single-threaded, like the pipeline that uses it.
 */
#ifndef PA_JSON_ARENA_H
#define PA_JSON_ARENA_H

/* Routes jansson's allocations through the arena (once per process). */
void json_arena_install(void);
/* Nests: memory is reclaimed when the outermost scope is left; every tree
 * allocated in a scope must be released (json_decref) before that. */
void json_arena_enter(void);
void json_arena_leave(void);

#endif
