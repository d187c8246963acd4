//go:build !linux

package postgres

import "syscall"

// setPdeathsig does nothing where the kernel has no parent-death signal;
// there, only Stop and the signal handler end the server.
func setPdeathsig(*syscall.SysProcAttr, syscall.Signal) {}
