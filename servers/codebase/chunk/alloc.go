package chunk

/*
#include <stdlib.h>

// ts_set_allocator is part of tree-sitter's public C API (tree_sitter/api.h),
// compiled into the binary by go-tree-sitter.
extern void ts_set_allocator(void *(*new_malloc)(size_t), void *(*new_calloc)(size_t, size_t),
	void *(*new_realloc)(void *, size_t), void (*new_free)(void *));

static void chunk_use_libc_allocator(void) { ts_set_allocator(malloc, calloc, realloc, free); }
*/
import "C"

import "sync"

var allocatorOnce sync.Once

// useLibcAllocator points tree-sitter's allocator straight at the C library.
//
// go-tree-sitter routes every allocation of the C library through Go
// callbacks (C to Go to C) that end in the same malloc and free; the round
// trips cost about a third of the parse time. Calling malloc directly is
// equivalent, memory allocated either way is freed by the same free, so trees
// from before the switch stay valid. It changes process-wide state once;
// a program that installs its own allocator with tree_sitter.SetAllocator
// must not also use this package.
func useLibcAllocator() {
	allocatorOnce.Do(func() { C.chunk_use_libc_allocator() })
}
