package postgres

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// signalCleanupTimeout bounds the cleanup the signal handler does before the
// process exits.
const signalCleanupTimeout = 45 * time.Second

// live holds the instances that must not outlive the process, and the
// signal handler that is installed while there is at least one.
var live struct {
	mu    sync.Mutex
	insts map[*Instance]struct{}
	sigs  chan os.Signal
	quit  chan struct{}
}

// track registers i with the signal handler, installing the handler for the
// first live instance.
func track(i *Instance) {
	live.mu.Lock()
	defer live.mu.Unlock()
	if live.insts == nil {
		live.insts = make(map[*Instance]struct{})
	}
	if len(live.insts) == 0 {
		live.sigs = make(chan os.Signal, 1)
		live.quit = make(chan struct{})
		signal.Notify(live.sigs, syscall.SIGINT, syscall.SIGTERM)
		go watch(live.sigs, live.quit)
	}
	live.insts[i] = struct{}{}
}

// untrack removes i, and the signal handler with the last live instance.
func untrack(i *Instance) {
	live.mu.Lock()
	defer live.mu.Unlock()
	if _, ok := live.insts[i]; !ok {
		return
	}
	delete(live.insts, i)
	if len(live.insts) == 0 {
		signal.Stop(live.sigs)
		close(live.quit)
	}
}

func watch(sigs <-chan os.Signal, quit <-chan struct{}) {
	select {
	case <-quit:
	case sig := <-sigs:
		cleanupAndExit(sig.(syscall.Signal))
	}
}

// cleanupAndExit stops every live instance, aborting those still starting,
// and then lets sig have its default effect, so the process exits as it
// would have without the handler.
func cleanupAndExit(sig syscall.Signal) {
	live.mu.Lock()
	insts := make([]*Instance, 0, len(live.insts))
	for i := range live.insts {
		insts = append(insts, i)
	}
	live.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), signalCleanupTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, i := range insts {
		wg.Go(func() {
			i.cancelStart()
			select {
			case <-i.started:
			case <-ctx.Done():
			}
			if err := i.Stop(ctx); err != nil {
				i.logger.Error("stop on signal", "signal", sig, "err", err)
			}
		})
	}
	wg.Wait()

	// Reset restores the default action, unless the signal was ignored when
	// the process started; then exit as the shell would report it.
	signal.Reset(sig)
	_ = syscall.Kill(os.Getpid(), sig)
	time.Sleep(time.Second)
	os.Exit(128 + int(sig))
}
