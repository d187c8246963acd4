package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
)

// Result is a whole run.
type Result struct {
	// Rounds are the measured rounds, as passed to Config.OnRound. A run
	// interrupted by its context has fewer than Config.Rounds: a round cut
	// short is left out.
	Rounds []Round
	// Warmup are the calls made during the warm-up, not measured: the
	// ramp, or longer if a client took longer to start its session. Its
	// Duration is the warm-up's.
	Warmup Round
	// Setup counts the calls of Scenario.Setup by tool.
	Setup map[string]int
	// SessionErrors counts the clients' failed session starts after the
	// first session; a client retries until the run ends.
	SessionErrors int64
}

// Calls is the number of measured calls of every tool in every round.
func (r *Result) Calls() (calls, errs int64) {
	for _, rd := range r.Rounds {
		for _, t := range rd.Tools {
			calls += t.Calls
			errs += t.Errors
		}
	}
	return calls, errs
}

// ConnectError is a server that could not be reached or would not start an
// MCP session at the beginning of a run.
type ConnectError struct {
	URL string
	Err error
}

func (e *ConnectError) Error() string {
	hint := "start the server with its HTTP transport, or pass the --url of one that runs"
	if errors.Is(e.Err, transport.ErrUnauthorized) || errors.As(e.Err, new(*transport.AuthorizationRequiredError)) {
		hint = "the server wants a bearer token: pass --token-file with the server's token"
	}
	return fmt.Sprintf("cannot start an MCP session with %s: %v: %s", e.URL, e.Err, hint)
}

func (e *ConnectError) Unwrap() error { return e.Err }

// MissingToolsError is a server that lacks tools of the scenario: the
// scenario does not fit the server.
type MissingToolsError struct {
	URL      string
	Scenario string
	Missing  []string
}

func (e *MissingToolsError) Error() string {
	return fmt.Sprintf("the server at %s has no tool %s that scenario %s calls: is --url the server this scenario is for?",
		e.URL, strings.Join(e.Missing, ", "), e.Scenario)
}

// SetupError is a scenario's setup that failed.
type SetupError struct {
	Scenario string
	Err      error
}

func (e *SetupError) Error() string {
	return fmt.Sprintf("setup of scenario %s: %v", e.Scenario, e.Err)
}
func (e *SetupError) Unwrap() error { return e.Err }

// Run drives the server of cfg.URL with cfg.Clients concurrent sessions
// following cfg.Scenario, for the ramp and cfg.Rounds rounds of
// cfg.Duration, and returns the measurements.
//
// It first starts one session (a *ConnectError when it cannot), checks
// that the server has the scenario's tools (*MissingToolsError) and runs
// the scenario's setup (*SetupError). Tool errors and failed calls during
// the rounds are data, counted in ToolStats.Errors, not errors of Run.
// When ctx is canceled Run stops the clients, and returns the rounds
// completed before with an error wrapping ctx's.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	res := &Result{Setup: map[string]int{}}
	if err := prepare(ctx, cfg, res); err != nil {
		return nil, err
	}

	d := newDriver(cfg, time.Now())
	stop := context.AfterFunc(ctx, func() {
		d.canceledAt = time.Now()
		close(d.canceled)
	})
	defer stop()
	var wg sync.WaitGroup
	for i := range cfg.Clients {
		wg.Go(func() { d.client(ctx, i) })
	}
	go d.startRounds(ctx)
	go func() { wg.Wait(); close(d.done) }()

	for slot := range d.done {
		if slot == 0 {
			var ramp time.Duration
			if m, ok := d.measure(); ok {
				ramp = m.Sub(d.start)
			}
			res.Warmup = d.take(slot, -1, ramp)
			continue
		}
		r := slot - 1
		round := d.take(slot, r, cfg.Duration)
		if !d.complete(ctx, r) {
			continue // cut short by ctx: not a sample
		}
		for _, t := range round.Tools {
			if t.Calls == 0 {
				cfg.Logger.Warn("no calls of a tool in a round", "round", r+1, "tool", t.Tool)
			}
		}
		res.Rounds = append(res.Rounds, round)
		if cfg.OnRound != nil {
			cfg.OnRound(round)
		}
	}
	res.SessionErrors = d.sessionErrors.Load()
	if err := ctx.Err(); err != nil && len(res.Rounds) < cfg.Rounds {
		return res, fmt.Errorf("interrupted after %d of %d rounds: %w", len(res.Rounds), cfg.Rounds, err)
	}
	return res, nil
}

// prepare starts the first session, checks the server's tools and runs the
// scenario's setup with it, bounded by the longer of CallTimeout and
// ConnectTimeout.
func prepare(ctx context.Context, cfg Config, res *Result) error {
	cctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	s, err := dial(cctx, cfg.URL, cfg.Token)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &ConnectError{URL: cfg.URL, Err: err}
	}
	defer s.close()
	have, err := s.tools(cctx)
	if err != nil {
		return &ConnectError{URL: cfg.URL, Err: fmt.Errorf("list tools: %w", err)}
	}
	var missing []string
	for _, t := range cfg.Scenario.Tools() {
		if !slices.Contains(have, t) {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return &MissingToolsError{URL: cfg.URL, Scenario: cfg.Scenario.Name(), Missing: missing}
	}
	sctx, cancel := context.WithTimeout(ctx, max(cfg.CallTimeout, cfg.ConnectTimeout))
	defer cancel()
	if err := cfg.Scenario.Setup(sctx, &countingCaller{s: s, calls: res.Setup}); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &SetupError{Scenario: cfg.Scenario.Name(), Err: err}
	}
	return nil
}

// driver is the state the clients of one run share. Time is divided into
// slots: slot 0 is the warm-up, slot r+1 is round r, slot Rounds+1 the
// end. The warm-up lasts the ramp, and longer if a client's first attempt
// to start its session takes longer: the first round starts when every
// client runs (or failed to start, and keeps trying).
type driver struct {
	cfg     Config
	tools   []string
	toolIdx map[string]int
	start   time.Time // the first client starts

	// measureAt is the first round's start as an offset from start (on
	// the monotonic clock), 0 until startRounds fixes it.
	measureAt atomic.Int64
	// tried counts the clients past their first session attempt; ready is
	// closed when all are.
	tried atomic.Int64
	ready chan struct{}

	mu      sync.Mutex
	aggs    map[int]roundAgg // merged records of the slots not yet taken
	handed  map[int]int      // clients that handed in each slot
	done    chan int         // slots every client handed in, in order
	retired []roundAgg       // taken aggregates, for reuse

	sessionErrors atomic.Int64
	// canceled is closed once ctx is done, after canceledAt is set.
	canceled   chan struct{}
	canceledAt time.Time
}

func newDriver(cfg Config, start time.Time) *driver {
	tools := cfg.Scenario.Tools()
	idx := make(map[string]int, len(tools))
	for i, t := range tools {
		idx[t] = i
	}
	return &driver{
		cfg:      cfg,
		tools:    tools,
		toolIdx:  idx,
		start:    start,
		ready:    make(chan struct{}),
		aggs:     map[int]roundAgg{},
		handed:   map[int]int{},
		done:     make(chan int, cfg.Rounds+1),
		canceled: make(chan struct{}),
	}
}

// startRounds fixes the start of the first round: at the end of the ramp,
// or when the last client is past its first session attempt if later.
func (d *driver) startRounds(ctx context.Context) {
	select {
	case <-d.ready:
	case <-ctx.Done():
		return
	}
	t := time.NewTimer(time.Until(d.start.Add(d.cfg.Ramp)))
	defer t.Stop()
	if wait(ctx, t) {
		d.measureAt.Store(max(int64(time.Since(d.start)), 1))
	}
}

// triedFirst notes that a client is past its first session attempt.
func (d *driver) triedFirst() {
	if d.tried.Add(1) == int64(d.cfg.Clients) {
		close(d.ready)
	}
}

// measure is the start of the first round, once fixed.
func (d *driver) measure() (time.Time, bool) {
	off := d.measureAt.Load()
	return d.start.Add(time.Duration(off)), off != 0
}

// slotAt is the slot of time t.
func (d *driver) slotAt(t time.Time) int {
	m, ok := d.measure()
	if !ok || t.Before(m) {
		return 0
	}
	return min(int(t.Sub(m)/d.cfg.Duration)+1, d.cfg.Rounds+1)
}

// roundEnd is when round r ends, once the rounds' start is fixed.
func (d *driver) roundEnd(r int) (time.Time, bool) {
	m, ok := d.measure()
	return m.Add(time.Duration(r+1) * d.cfg.Duration), ok
}

// complete reports whether round r ended before ctx was canceled.
func (d *driver) complete(ctx context.Context, r int) bool {
	if ctx.Err() == nil {
		return true
	}
	<-d.canceled // Run's AfterFunc runs soon after ctx is done
	end, ok := d.roundEnd(r)
	return ok && d.canceledAt.After(end)
}

// handIn merges one client's records of a slot (nil: none) into the slot's
// aggregate. The last client to hand a slot in announces it on done; since
// every client hands its slots in order, slots are announced in order.
func (d *driver) handIn(slot int, h roundHists) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if h != nil && h.calls() > 0 {
		agg := d.aggs[slot]
		if agg == nil {
			if n := len(d.retired); n > 0 {
				agg, d.retired = d.retired[n-1], d.retired[:n-1]
			} else {
				agg = newRoundAgg(len(d.tools))
			}
			d.aggs[slot] = agg
		}
		for i := range agg {
			agg[i].merge(h[i])
		}
	}
	d.handed[slot]++
	if d.handed[slot] == d.cfg.Clients {
		delete(d.handed, slot)
		d.done <- slot
	}
}

// take removes a slot's aggregate (nil without calls) and returns it as a
// Round; the aggregate is then reused for a later slot.
func (d *driver) take(slot, index int, dur time.Duration) Round {
	d.mu.Lock()
	agg := d.aggs[slot]
	delete(d.aggs, slot)
	d.mu.Unlock()

	r := Round{Index: index, Duration: dur, Tools: make([]ToolStats, len(d.tools))}
	for i, t := range d.tools {
		if agg == nil {
			r.Tools[i] = ToolStats{Tool: t}
			continue
		}
		r.Tools[i] = agg[i].stats(t, dur)
	}
	if agg != nil {
		agg.reset()
		d.mu.Lock()
		d.retired = append(d.retired, agg)
		d.mu.Unlock()
	}
	return r
}

// client is one client: it starts at its place in the ramp, starts a
// session, and calls until the last round ends or ctx is canceled,
// recording each call in the slot it started in.
func (d *driver) client(ctx context.Context, i int) {
	cfg := d.cfg
	rng := NewRand(cfg.Seed, i)
	hists := newRoundHists(len(d.tools))
	slot := 0
	defer func() {
		// Hand in the current slot and every later one, so the slots
		// complete even when this client stops early.
		for ; slot <= cfg.Rounds; slot++ {
			d.handIn(slot, hists)
			hists = nil
		}
	}()

	// Until this client is past its first session attempt, the rounds
	// wait for it.
	tried := false
	triedFirst := func() {
		if !tried {
			tried = true
			d.triedFirst()
		}
	}
	defer triedFirst()

	startAt := d.start.Add(time.Duration(int64(cfg.Ramp) * int64(i) / int64(cfg.Clients)))
	timer := time.NewTimer(time.Until(startAt))
	defer timer.Stop()
	if !wait(ctx, timer) {
		return
	}
	s := d.connect(ctx, i, timer, triedFirst)
	if s == nil {
		return
	}
	defer func() { s.close() }()

	for {
		now := time.Now()
		for at := d.slotAt(now); slot < at; slot++ {
			d.handIn(slot, hists)
			hists.reset()
		}
		if slot > cfg.Rounds {
			return
		}
		call := cfg.Scenario.Next(rng)
		ti, ok := d.toolIdx[call.Tool]
		if !ok {
			panic(fmt.Sprintf("load: scenario %s picked tool %q, not in its Tools", cfg.Scenario.Name(), call.Tool))
		}
		cctx, cancel := context.WithTimeout(ctx, cfg.CallTimeout)
		out, err := s.call(cctx, call.Tool, call.Args)
		cancel()
		lat := time.Since(now)
		if ctx.Err() != nil {
			return // interrupted, not measured
		}
		hists[ti].record(lat, err != nil || out.IsError)
		if errors.Is(err, transport.ErrSessionTerminated) {
			// A server with sessions forgot this one (e.g. it restarted).
			s.close()
			if s = d.connect(ctx, i, timer, func() {}); s == nil {
				return
			}
		}

		think := cfg.Think.Min
		if span := cfg.Think.Max - cfg.Think.Min; span > 0 {
			think += time.Duration(rng.Int64N(int64(span) + 1))
		}
		if think == 0 {
			continue
		}
		if end, ok := d.roundEnd(cfg.Rounds - 1); ok && time.Now().Add(think).After(end) {
			return // no call would start before the end
		}
		timer.Reset(think)
		if !wait(ctx, timer) {
			return
		}
	}
}

// NewRand is the random source of client i of a run seeded with seed: its
// sequence of calls and think times.
func NewRand(seed uint64, client int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(client)))
}

// reconnectPause is how long a client waits before retrying a failed
// session start.
const reconnectPause = 250 * time.Millisecond

// connect starts client i's session, retrying until it succeeds, the run
// ends or ctx is canceled (nil). It calls attempted after the first
// attempt.
func (d *driver) connect(ctx context.Context, i int, timer *time.Timer, attempted func()) *session {
	for {
		cctx, cancel := context.WithTimeout(ctx, d.cfg.ConnectTimeout)
		s, err := dial(cctx, d.cfg.URL, d.cfg.Token)
		cancel()
		attempted()
		if err == nil {
			return s
		}
		if ctx.Err() != nil {
			return nil
		}
		if n := d.sessionErrors.Add(1); n == 1 {
			d.cfg.Logger.Warn("a client could not start its session; retrying", "client", i, "err", err)
		} else {
			d.cfg.Logger.Debug("a client could not start its session; retrying", "client", i, "err", err)
		}
		if end, ok := d.roundEnd(d.cfg.Rounds - 1); ok && time.Now().Add(reconnectPause).After(end) {
			return nil
		}
		timer.Reset(reconnectPause)
		if !wait(ctx, timer) {
			return nil
		}
	}
}

// wait waits for timer, or ctx; it reports whether the timer fired.
func wait(ctx context.Context, timer *time.Timer) bool {
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
