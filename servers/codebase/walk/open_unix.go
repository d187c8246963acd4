//go:build unix

package walk

import "syscall"

// openFlags keep a file swapped for a symbolic link after the directory was
// listed from being followed, and a pipe from blocking the open.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
