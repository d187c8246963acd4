package github

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/gate"
)

const prNumber = 42 // testdata/events/pull_request.json

func TestPublishKeepsOneCommentAcrossRunsAndPages(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t, testToken, 2)
	for i := range 5 {
		f.seed(prNumber, humanUser, fmt.Sprintf("review note %d", i))
	}
	// Someone quoting the marker mid-comment is not the gate's comment.
	f.seed(prNumber, humanUser, "as the bot said:\n"+Marker+"\nlooks slow")
	ctx := context.Background()

	for run := range 5 {
		env := newActionsEnv(t, "pull_request", "pull_request.json", f.URL())
		body := fmt.Sprintf("%s\n## perfgate: pass (run %d)\n", Marker, run)
		res, err := Publish(ctx, quietReport(), body, env.options(gate.CommentAlways))
		if err != nil {
			t.Fatalf("run %d: Publish: %v", run, err)
		}
		want := OutcomeUpdated
		if run == 0 {
			want = OutcomeCreated
		}
		if res.Comment != want {
			t.Errorf("run %d: outcome %s, want %s", run, res.Comment, want)
		}
		ours := f.ours(prNumber)
		if len(ours) != 1 {
			t.Fatalf("run %d: %d perfgate comments, want exactly 1", run, len(ours))
		}
		if ours[0].Body != body {
			t.Errorf("run %d: comment body %q, want %q", run, ours[0].Body, body)
		}
		if res.CommentURL != ours[0].HTMLURL {
			t.Errorf("run %d: CommentURL %q, want %q", run, res.CommentURL, ours[0].HTMLURL)
		}
		calls := f.calls()
		var pages, creates, updates int
		for _, c := range calls {
			switch {
			case strings.HasPrefix(c, "GET /repos/perfgate/perfgate/issues/42/comments"):
				pages++
			case c == "POST /repos/perfgate/perfgate/issues/42/comments":
				creates++
			case strings.HasPrefix(c, "PATCH /repos/perfgate/perfgate/issues/comments/"):
				updates++
			default:
				t.Errorf("run %d: unexpected request %s", run, c)
			}
		}
		// The first run reads all three pages and finds nothing; later
		// runs stop at page 4, where the seventh comment, the gate's, is.
		wantPages := 4
		if run == 0 {
			wantPages = 3
		}
		if pages != wantPages {
			t.Errorf("run %d: listed %d pages, want %d: %q", run, pages, wantPages, calls)
		}
		if run == 0 && (creates != 1 || updates != 0) || run > 0 && (creates != 0 || updates != 1) {
			t.Errorf("run %d: %d creates and %d updates: %q", run, creates, updates, calls)
		}
		// The discussion goes on below the gate's comment.
		f.seed(prNumber, humanUser, fmt.Sprintf("reply after run %d", run))
	}
	if got := f.count(prNumber); got != 6+1+5 {
		t.Errorf("%d comments in all, want 12", got)
	}
}

func TestPublishCommentModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mode   gate.CommentMode
		report *gate.Report
		exists bool
		want   Outcome
		writes []string // POST or PATCH requests expected
	}{
		{"always creates", gate.CommentAlways, quietReport(), false, OutcomeCreated, []string{"POST"}},
		{"always updates", gate.CommentAlways, quietReport(), true, OutcomeUpdated, []string{"PATCH"}},
		{"changed skips a quiet report", gate.CommentChanged, quietReport(), false, OutcomeSkipped, nil},
		{"changed creates on an improvement", gate.CommentChanged, improvedReport(), false, OutcomeCreated, []string{"POST"}},
		{"changed updates a quiet report", gate.CommentChanged, quietReport(), true, OutcomeUpdated, []string{"PATCH"}},
		{"empty mode is changed", "", quietReport(), false, OutcomeSkipped, nil},
		{"alert skips a pass", gate.CommentAlert, improvedReport(), false, OutcomeSkipped, nil},
		{"alert creates on a failure", gate.CommentAlert, failingReport(), false, OutcomeCreated, []string{"POST"}},
		{"alert updates a pass", gate.CommentAlert, quietReport(), true, OutcomeUpdated, []string{"PATCH"}},
		{"never touches nothing", gate.CommentNever, failingReport(), true, OutcomeNone, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t, testToken, 2)
			f.seed(prNumber, humanUser, "lgtm")
			if tt.exists {
				f.seed(prNumber, botUser, Marker+"\nold report")
			}
			env := newActionsEnv(t, "pull_request", "pull_request.json", f.URL())
			res, err := Publish(context.Background(), tt.report, Marker+"\nnew report", env.options(tt.mode))
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if res.Comment != tt.want {
				t.Errorf("outcome %s, want %s", res.Comment, tt.want)
			}
			calls := f.calls()
			var writes []string
			for _, c := range calls {
				if m, _, _ := strings.Cut(c, " "); m != "GET" {
					writes = append(writes, m)
				}
			}
			if !slices.Equal(writes, tt.writes) {
				t.Errorf("writes %q, want %q (all requests %q)", writes, tt.writes, calls)
			}
			if tt.mode == gate.CommentNever && len(calls) != 0 {
				t.Errorf("mode never made requests: %q", calls)
			}
			wantOurs := 0
			if tt.exists || tt.want == OutcomeCreated {
				wantOurs = 1
			}
			if n := len(f.ours(prNumber)); n != wantOurs {
				t.Errorf("%d perfgate comments, want %d", n, wantOurs)
			}
		})
	}
}

func TestPublishForkTokenGetsNoticeNotError(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t, testToken, 2)
	f.set(func(f *fakeGitHub) { f.forbidWrites = true })
	env := newActionsEnv(t, "pull_request", "pull_request_fork.json", f.URL())
	res, err := Publish(context.Background(), failingReport(), Marker+"\nreport", env.options(gate.CommentAlways))
	if err != nil {
		t.Fatalf("Publish returned %v; a fork's read-only token must not be an error", err)
	}
	if res.Comment != OutcomeNoAccess || res.PullRequest == nil || !res.PullRequest.Fork || res.PullRequest.Number != 43 {
		t.Errorf("result %+v (pr %+v), want no-access on fork PR 43", res, res.PullRequest)
	}
	out := env.stdout.String()
	if !strings.Contains(out, "::notice title=perfgate%3A no PR comment from a fork::") || !strings.Contains(out, "workflow_run") {
		t.Errorf("no fork notice in output:\n%s", out)
	}
	if strings.Contains(out, "::warning title=perfgate%3A report not fully published") {
		t.Errorf("a fork's refusal was reported as a warning:\n%s", out)
	}
	// The summary and outputs are written all the same.
	if s := env.read(t, env.summary); s != Marker+"\nreport\n" {
		t.Errorf("step summary %q", s)
	}
	if o := env.read(t, env.output); !strings.Contains(o, "verdict<<") || !strings.Contains(o, "\nfail\n") {
		t.Errorf("outputs %q", o)
	}
	if n := len(f.ours(43)); n != 0 {
		t.Errorf("%d comments on the fork PR", n)
	}
}

func TestPublishForbiddenOnOwnBranchIsAWarning(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t, testToken, 2)
	f.set(func(f *fakeGitHub) { f.forbidWrites = true })
	env := newActionsEnv(t, "pull_request", "pull_request.json", f.URL())
	res, err := Publish(context.Background(), failingReport(), "report", env.options(gate.CommentAlways))
	if !errors.Is(err, ErrNoWriteAccess) || !strings.Contains(err.Error(), "pull-requests: write") {
		t.Fatalf("Publish error %v, want ErrNoWriteAccess saying which permission", err)
	}
	if res.Comment != OutcomeNoAccess {
		t.Errorf("outcome %s, want no-access", res.Comment)
	}
	if out := env.stdout.String(); !strings.Contains(out, "::warning title=perfgate%3A report not fully published::") {
		t.Errorf("no warning annotation:\n%s", out)
	}
}

func TestPublishRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		inject func(f *fakeGitHub)
		// calls is the expected sequence of requests, queries dropped.
		calls []string
	}{
		{"502 once then success", func(f *fakeGitHub) { f.fail502 = 1 }, []string{
			"GET /repos/perfgate/perfgate/issues/42/comments",
			"GET /repos/perfgate/perfgate/issues/42/comments",
			"POST /repos/perfgate/perfgate/issues/42/comments",
		}},
		{"connection dropped once", func(f *fakeGitHub) { f.drop = 1 }, []string{
			"GET /repos/perfgate/perfgate/issues/42/comments",
			"GET /repos/perfgate/perfgate/issues/42/comments",
			"POST /repos/perfgate/perfgate/issues/42/comments",
		}},
		// GitHub created the comment but the gateway answered 502: the
		// retry finds it and updates it instead of creating a second one.
		{"create answered 502", func(f *fakeGitHub) { f.createThen502 = 1 }, []string{
			"GET /repos/perfgate/perfgate/issues/42/comments",
			"POST /repos/perfgate/perfgate/issues/42/comments",
			"GET /repos/perfgate/perfgate/issues/42/comments",
			"PATCH /repos/perfgate/perfgate/issues/comments/1001",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t, testToken, 2)
			f.set(tt.inject)
			env := newActionsEnv(t, "pull_request", "pull_request.json", f.URL())
			res, err := Publish(context.Background(), failingReport(), "report", env.options(gate.CommentAlways))
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if res.Comment != OutcomeCreated && res.Comment != OutcomeUpdated {
				t.Errorf("outcome %s", res.Comment)
			}
			var got []string
			for _, c := range f.calls() {
				got = append(got, pathOf(c))
			}
			if !slices.Equal(got, tt.calls) {
				t.Errorf("requests\n%q\nwant\n%q", got, tt.calls)
			}
			if n := len(f.ours(prNumber)); n != 1 {
				t.Errorf("%d perfgate comments, want 1", n)
			}
		})
	}
}

func TestPublishGivesUpAsAWarningAndKeepsTheVerdict(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t, testToken, 2)
	f.set(func(f *fakeGitHub) { f.fail502 = 100 })
	env := newActionsEnv(t, "pull_request", "pull_request.json", f.URL())
	r := quietReport()
	res, err := Publish(context.Background(), r, "report", env.options(gate.CommentAlways))
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("Publish error %v, want the 502 after retries", err)
	}
	if res.Comment != OutcomeFailed {
		t.Errorf("outcome %s, want failed", res.Comment)
	}
	if n := len(f.calls()); n != fastRetry.Attempts {
		t.Errorf("%d requests, want %d attempts", n, fastRetry.Attempts)
	}
	if r.Verdict != gate.Pass {
		t.Errorf("verdict changed to %s", r.Verdict)
	}
	if o := env.read(t, env.output); !strings.Contains(o, "verdict<<_GitHubActionsFileCommandDelimeter_\npass\n") {
		t.Errorf("outputs %q", o)
	}
	out := env.stdout.String()
	if !strings.Contains(out, "::warning title=perfgate%3A report not fully published::") {
		t.Errorf("no warning annotation:\n%s", out)
	}
	if strings.Contains(out, "::error") {
		t.Errorf("a publishing failure became an error annotation:\n%s", out)
	}
}

func TestPublishRetryStopsWithContext(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t, testToken, 2)
	f.set(func(f *fakeGitHub) { f.fail502 = 100 })
	env := newActionsEnv(t, "pull_request", "pull_request.json", f.URL())
	opts := env.options(gate.CommentAlways)
	opts.Retry = Retry{Attempts: 5, Delay: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Publish(ctx, quietReport(), "report", opts)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Publish error %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Publish took %s after the context ended", d)
	}
	if n := len(f.calls()); n != 1 {
		t.Errorf("%d requests, want 1 before the backoff was cut short", n)
	}
}

func TestTokenNeverPrinted(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t, testToken, 2)
	// The server quotes the Authorization header back in its error.
	f.set(func(f *fakeGitHub) { f.fail500Echo = true })
	env := newActionsEnv(t, "pull_request", "pull_request.json", f.URL())
	res, err := Publish(context.Background(), failingReport(), "report", env.options(gate.CommentAlways))
	if err == nil {
		t.Fatal("Publish succeeded against a failing server")
	}
	if res.Comment != OutcomeFailed {
		t.Errorf("outcome %s", res.Comment)
	}
	if strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "Bearer ***") {
		t.Errorf("error not scrubbed: %v", err)
	}
	// The token appears once: in the add-mask command that makes the
	// runner hide it, written before anything else.
	out := env.stdout.String()
	if first, _, _ := strings.Cut(out, "\n"); first != "::add-mask::"+testToken {
		t.Errorf("first line %q, want the mask", first)
	}
	if n := strings.Count(out, testToken); n != 1 {
		t.Errorf("token appears %d times in output, want once (the mask):\n%s", n, out)
	}
	for _, file := range []string{env.output, env.summary} {
		if strings.Contains(env.read(t, file), testToken) {
			t.Errorf("token written to %s", file)
		}
	}
}

func TestPublishWithoutTokenOrPullRequestPostsNothing(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t, testToken, 2)
	for _, tt := range []struct {
		name, event, payload, token string
	}{
		{"no token", "pull_request", "pull_request.json", ""},
		{"push event", "push", "", testToken},
	} {
		env := newActionsEnv(t, tt.event, tt.payload, f.URL())
		opts := env.options(gate.CommentAlways)
		opts.Token = tt.token
		res, err := Publish(context.Background(), failingReport(), "report", opts)
		if err != nil || res.Comment != OutcomeNone {
			t.Errorf("%s: Publish = %+v, %v; want nothing posted and no error", tt.name, res, err)
		}
	}
	if calls := f.calls(); len(calls) != 0 {
		t.Errorf("requests made: %q", calls)
	}
}

func TestPostComment(t *testing.T) {
	t.Parallel()
	const head = "9f3c2a7d41be8e06c5a1f4d2b7e90c3a6d8f1b25"
	newEnv := func(t *testing.T) (*fakeGitHub, *actionsEnv) {
		f := newFakeGitHub(t, testToken, 2)
		f.set(func(f *fakeGitHub) { f.heads[43] = head })
		f.seed(43, humanUser, "thanks!")
		return f, newActionsEnv(t, "workflow_run", "", f.URL())
	}
	t.Run("create then update", func(t *testing.T) {
		t.Parallel()
		f, env := newEnv(t)
		for i, want := range []Outcome{OutcomeCreated, OutcomeUpdated} {
			res, err := PostComment(context.Background(), CommentRequest{Number: 43, HeadSHA: head, Body: fmt.Sprintf("report %d", i)}, env.options(""))
			if err != nil || res.Comment != want {
				t.Fatalf("PostComment #%d = %s, %v; want %s", i, res.Comment, err, want)
			}
		}
		ours := f.ours(43)
		if len(ours) != 1 || ours[0].Body != Marker+"\nreport 1" {
			t.Errorf("comments %+v, want one with the marker and the last body", ours)
		}
	})
	t.Run("stale head", func(t *testing.T) {
		t.Parallel()
		f, env := newEnv(t)
		res, err := PostComment(context.Background(), CommentRequest{Repository: "perfgate/perfgate", Number: 43, HeadSHA: "0123456789abcdef", Body: "report"}, env.options(""))
		if err != nil || res.Comment != OutcomeStale {
			t.Fatalf("PostComment = %s, %v; want stale", res.Comment, err)
		}
		if calls := f.calls(); !slices.Equal(calls, []string{"GET /repos/perfgate/perfgate/pulls/43"}) {
			t.Errorf("requests %q", calls)
		}
		if !strings.Contains(env.stdout.String(), "::notice title=perfgate%3A comment not posted::") {
			t.Errorf("no notice:\n%s", env.stdout.String())
		}
	})
	t.Run("report and mode decide", func(t *testing.T) {
		t.Parallel()
		f, env := newEnv(t)
		for _, mode := range []gate.CommentMode{gate.CommentChanged, ""} {
			res, err := PostComment(context.Background(), CommentRequest{Number: 43, Body: "report", Report: quietReport()}, env.options(mode))
			if err != nil || res.Comment != OutcomeSkipped || len(f.ours(43)) != 0 {
				t.Errorf("mode %q: PostComment = %s, %v; want skipped", mode, res.Comment, err)
			}
		}
		res, err := PostComment(context.Background(), CommentRequest{Number: 43, Body: "report", Report: failingReport()}, env.options(gate.CommentAlert))
		if err != nil || res.Comment != OutcomeCreated {
			t.Errorf("alert on a failing report: PostComment = %s, %v; want created", res.Comment, err)
		}
	})
	t.Run("no write permission", func(t *testing.T) {
		t.Parallel()
		f, env := newEnv(t)
		f.set(func(f *fakeGitHub) { f.forbidWrites = true })
		res, err := PostComment(context.Background(), CommentRequest{Number: 43, Body: "report"}, env.options(""))
		if !errors.Is(err, ErrNoWriteAccess) || res.Comment != OutcomeNoAccess {
			t.Errorf("PostComment = %s, %v; want no-access", res.Comment, err)
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		t.Parallel()
		_, env := newEnv(t)
		for _, req := range []CommentRequest{{Number: 0, Body: "x"}, {Repository: "noslash", Number: 1, Body: "x"}} {
			if _, err := PostComment(context.Background(), req, env.options("")); !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("PostComment(%+v) = %v, want ErrInvalidRequest", req, err)
			}
		}
		if _, err := PostComment(context.Background(), CommentRequest{Number: 1}, env.options("sometimes")); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("PostComment with a bad mode = %v, want ErrInvalidRequest", err)
		}
		opts := env.options("")
		opts.Token = ""
		if _, err := PostComment(context.Background(), CommentRequest{Number: 1}, opts); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("PostComment without a token = %v, want ErrInvalidRequest", err)
		}
	})
}

func TestWithMarker(t *testing.T) {
	t.Parallel()
	if got := withMarker("hello"); got != Marker+"\nhello" {
		t.Errorf("withMarker added %q", got)
	}
	if got := withMarker(Marker + "\nhello"); got != Marker+"\nhello" {
		t.Errorf("withMarker doubled the marker: %q", got)
	}
	long := withMarker(strings.Repeat("é", maxCommentBody))
	if len(long) > maxCommentBody || !isOurs(long) || !strings.Contains(long, "truncated") || !strings.HasSuffix(long, "report.json)\n") {
		t.Errorf("long body: %d bytes, ours %v, tail %q", len(long), isOurs(long), long[len(long)-40:])
	}
	if !strings.Contains(long, "é…") && !strings.Contains(long, "é\n") {
		t.Errorf("cut inside a UTF-8 sequence")
	}
}
