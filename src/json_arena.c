/* \summary: arena allocator for jansson (see json_arena.h). */
#include "json_arena.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define BLOCK_SIZE (256u << 10)
#define HEADER 16 /* keeps the 16-byte alignment malloc gives */
#define TAG_HEAP 0x48454150u
#define TAG_ARENA 0x4152454eu

struct block {
	struct block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

static struct {
	struct block *blocks, *cur;
	int depth;
	bool installed;
} arena;

static void *heap_alloc(size_t n)
{
	unsigned char *p = malloc(HEADER + n);
	if (!p)
		return NULL;
	*(uint32_t *)p = TAG_HEAP;
	return p + HEADER;
}

static void *arena_malloc(size_t n)
{
	if (arena.depth == 0 || n > BLOCK_SIZE / 4)
		return heap_alloc(n);
	size_t need = HEADER + ((n + 15) & ~(size_t)15);
	while (arena.cur && arena.cur->size - arena.cur->used < need) {
		arena.cur = arena.cur->next;
		if (arena.cur)
			arena.cur->used = 0;
	}
	if (!arena.cur) {
		struct block *b = malloc(sizeof(*b) + BLOCK_SIZE);
		if (!b)
			return heap_alloc(n);
		b->size = BLOCK_SIZE;
		b->used = 0;
		b->next = NULL;
		struct block **pp = &arena.blocks;
		while (*pp)
			pp = &(*pp)->next;
		*pp = b;
		arena.cur = b;
	}
	unsigned char *p = arena.cur->data + arena.cur->used;
	arena.cur->used += need;
	*(uint32_t *)p = TAG_ARENA;
	return p + HEADER;
}

static void arena_free(void *ptr)
{
	if (!ptr)
		return;
	unsigned char *p = (unsigned char *)ptr - HEADER;
	if (*(uint32_t *)p == TAG_HEAP)
		free(p);
	/* arena memory comes back when the outermost scope is left */
}

void json_arena_install(void)
{
	if (arena.installed)
		return;
	json_set_alloc_funcs(arena_malloc, arena_free);
	arena.installed = true;
}

void json_arena_enter(void)
{
	if (arena.depth++ == 0) {
		arena.cur = arena.blocks;
		if (arena.cur)
			arena.cur->used = 0;
	}
}

void json_arena_leave(void)
{
	if (arena.depth > 0)
		arena.depth--;
}
