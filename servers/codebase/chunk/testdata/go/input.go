// Copyright 2026 The perfgate Authors.

// Package cache keeps recently used values in memory.
package cache

import (
	"container/list"
	"sync"
)

// DefaultSize is the capacity of a cache made by New(0).
const DefaultSize = 128

var (
	hits   int
	misses int
)

// Cache is a least-recently-used cache of strings. It is safe for
// concurrent use.
type Cache struct {
	mu    sync.Mutex
	size  int
	order *list.List
	items map[string]*list.Element
}

type entry struct{ key, value string }

// New returns a cache holding at most size values.
func New(size int) *Cache {
	if size <= 0 {
		size = DefaultSize
	}
	return &Cache{size: size, order: list.New(), items: make(map[string]*list.Element)}
}

// Get returns the value stored for key, and whether there was one.
func (c *Cache) Get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		misses++
		return "", false
	}
	hits++
	c.order.MoveToFront(el)
	return el.Value.(*entry).value, true
}

// Put stores value for key, evicting the least recently used value when the
// cache is full. It is long on purpose: the golden test splits it.
func (c *Cache) Put(key, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*entry).value = value
		c.order.MoveToFront(el)
		return
	}
	el := c.order.PushFront(&entry{key: key, value: value})
	c.items[key] = el
	for c.order.Len() > c.size {
		last := c.order.Back()
		if last == nil {
			break
		}
		c.order.Remove(last)
		delete(c.items, last.Value.(*entry).key)
	}
	if len(c.items) != c.order.Len() {
		panic("cache: index out of sync")
	}
	// Statistics are reset when the cache
	// becomes empty again.
	if c.order.Len() == 0 {
		hits, misses = 0, 0
	}
	if hits > 1<<30 {
		hits /= 2
		misses /= 2
	}
}

// Len returns the number of values stored.
func (c *Cache) Len() int { c.mu.Lock(); defer c.mu.Unlock(); return c.order.Len() }

func init() {
	_ = New(0)
}
