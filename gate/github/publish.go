package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/perfgate/perfgate/gate"
)

// Options configure Publish and PostComment. The zero value reads the real
// environment and writes workflow commands to os.Stdout.
type Options struct {
	// Token authenticates the PR comment; without one nothing is posted.
	// It is masked before anything else is written and never printed.
	Token string
	// Mode is the effective comment mode (the action input, else
	// perfgate.yml's). Empty means gate.DefaultCommentMode.
	Mode gate.CommentMode
	// ReportPath is the absolute path of report.json, the report-path
	// output.
	ReportPath string
	// Dir is the directory perfgate runs in, used to place failing tests'
	// file:line in the repository. Default ".".
	Dir string
	// Getenv reads the Actions environment. Default os.Getenv.
	Getenv func(string) string
	// Stdout receives workflow commands (annotations, masks). Default
	// os.Stdout.
	Stdout io.Writer
	// HTTPClient talks to the GitHub API. Default: a client with a 30s
	// timeout per request.
	HTTPClient *http.Client
	// Retry bounds retries of 5xx responses and network errors.
	// Default DefaultRetry.
	Retry Retry
}

// Result says what Publish or PostComment did.
type Result struct {
	// InActions is set when the run is a GitHub Actions step: outputs,
	// summary and annotations were written.
	InActions bool
	// PullRequest is the run's pull request, nil when there is none.
	PullRequest *PullRequest
	Comment     Outcome
	// CommentURL is the created or updated comment's address.
	CommentURL string
}

// Publish makes a report visible on GitHub: in an Actions step it masks the
// token, sets the verdict, regressions and report-path outputs, appends
// markdown to the step summary and writes one error annotation per
// regression, breach and failing test; on a pull request with a token it
// then creates or updates the gate's single PR comment as
// r.ShouldComment(opts.Mode, exists) says. Outside Actions it only
// comments (when the environment names a pull request and a token is given).
//
// Contract: publishing never decides the job. A non-nil error means some of
// it was not published (a write to an environment file failed, or the
// GitHub API did after retries); it has already been written as a warning
// annotation and its message holds no token. The caller logs it and exits
// with the code the verdict says, whatever Publish returned. A fork's
// read-only token is not an error: Publish writes a notice that explains the
// fork-safe two-workflow pattern and returns Result.Comment OutcomeNoAccess.
// The same refusal on the repository's own branch is an error wrapping
// ErrNoWriteAccess that names the missing permission.
func Publish(ctx context.Context, r *gate.Report, markdown string, opts Options) (Result, error) {
	rt := newRuntime(opts.Getenv, opts.Stdout)
	res := Result{InActions: rt.inActions(), Comment: OutcomeNone}
	var errs []error
	if res.InActions {
		if opts.Token != "" {
			if err := mask(rt.act, opts.Token); err != nil {
				// Unmasked, the token must not reach the API's error
				// messages and the log: give up on commenting.
				return res, err
			}
		}
		errs = append(errs,
			rt.setOutputs(r, opts.ReportPath),
			rt.addSummary(markdown),
			rt.emit(annotations(r, newLocator(dirOr(opts.Dir), rt.getenv("GITHUB_WORKSPACE")))),
		)
	}
	if err := publishComment(ctx, rt, r, markdown, opts, &res); err != nil {
		errs = append(errs, err)
	}
	err := scrub(errors.Join(errs...), opts.Token)
	if err != nil && res.InActions {
		_ = rt.warning("perfgate: report not fully published", err.Error())
	}
	return res, err
}

// publishComment creates or updates the PR comment of the current run.
func publishComment(ctx context.Context, rt *runtime, r *gate.Report, markdown string, opts Options, res *Result) error {
	mode := opts.Mode
	if mode == "" {
		mode = gate.DefaultCommentMode
	}
	if mode == gate.CommentNever {
		return nil
	}
	pr, err := DetectPullRequest(rt.getenv)
	if err != nil {
		return fmt.Errorf("pull request comment: %w", err)
	}
	res.PullRequest = pr
	if pr == nil || opts.Token == "" {
		return nil
	}
	c, err := newClient(pr.APIURL, opts.Token, opts.HTTPClient, opts.Retry)
	if err != nil {
		return err
	}
	should := func(exists bool) bool { return r.ShouldComment(mode, exists) }
	res.Comment, res.CommentURL, err = c.upsert(ctx, pr.Owner, pr.Repo, pr.Number, markdown, should)
	if res.Comment == OutcomeNoAccess && pr.Fork && pr.Event == "pull_request" {
		// Expected: GitHub gives a fork's pull_request run a read-only
		// token. Explain, don't warn.
		if res.InActions {
			_ = rt.notice("perfgate: no PR comment from a fork", forkNotice)
		}
		return nil
	}
	if res.Comment == OutcomeNoAccess {
		return fmt.Errorf("%w; give the job `permissions: pull-requests: write`", err)
	}
	return err
}

// forkNotice explains why a fork's pull request gets no comment, and what
// to do about it.
const forkNotice = "This pull request comes from a fork, so this run's token is read-only and the gate cannot comment. " +
	"The verdict, step summary and report are unaffected. To comment on pull requests from forks, upload perfgate-out/ " +
	"as an artifact and post it from a workflow_run workflow with `pull-requests: write` (`perfgate comment`); " +
	"see docs/github-action.md, \"Pull requests from forks\"."

// CommentRequest is what `perfgate comment` posts: a saved comment body on a
// given pull request, typically from a workflow_run workflow that trusts
// nothing of the pull request but its number and the head commit GitHub
// reports for the triggering run.
type CommentRequest struct {
	// Repository is owner/name; empty means GITHUB_REPOSITORY.
	Repository string
	Number     int
	// HeadSHA, when set, must be the pull request's current head commit
	// (github.event.workflow_run.head_sha): a body made for another
	// commit, or a PR number forged in an artifact, is not posted.
	HeadSHA string
	// Body is the comment markdown (comment.md). The marker is added when
	// missing.
	Body string
	// Report, when set, lets Options.Mode (default gate.DefaultCommentMode)
	// decide through Report.ShouldComment. Without it the comment is
	// created or updated unconditionally unless Options.Mode is never.
	Report *gate.Report
}

// ErrInvalidRequest is returned by PostComment for a request it cannot
// send (no token, a bad number, repository or mode): a usage error.
var ErrInvalidRequest = errors.New("invalid comment request")

// PostComment creates or updates the gate's comment on a pull request from
// a saved body; it is the function behind `perfgate comment`. Like Publish
// it masks the token first, writes a notice rather than failing when the
// token may not write, and returns errors without the token in them. It
// returns OutcomeStale, without posting, when req.HeadSHA is not the pull
// request's head any more. Errors wrapping ErrInvalidRequest are usage
// errors; any other error means GitHub refused (ErrNoWriteAccess) or failed
// after retries.
func PostComment(ctx context.Context, req CommentRequest, opts Options) (Result, error) {
	rt := newRuntime(opts.Getenv, opts.Stdout)
	res := Result{InActions: rt.inActions(), Comment: OutcomeNone}
	if req.Number <= 0 {
		return res, fmt.Errorf("%w: pull request number %d: want a positive number", ErrInvalidRequest, req.Number)
	}
	if opts.Token == "" {
		return res, fmt.Errorf("%w: no token", ErrInvalidRequest)
	}
	if err := mask(rt.act, opts.Token); err != nil {
		return res, err
	}
	full := req.Repository
	if full == "" {
		full = rt.getenv("GITHUB_REPOSITORY")
	}
	owner, repo, ok := strings.Cut(full, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return res, fmt.Errorf("%w: repository %q: want owner/name", ErrInvalidRequest, full)
	}
	mode := opts.Mode
	switch {
	case mode == "" && req.Report != nil:
		mode = gate.DefaultCommentMode
	case mode == "":
		mode = gate.CommentAlways
	case !mode.Valid():
		return res, fmt.Errorf("%w: comment mode %q: want always, changed, alert or never", ErrInvalidRequest, mode)
	}
	if mode == gate.CommentNever {
		return res, nil
	}
	res.PullRequest = &PullRequest{Owner: owner, Repo: repo, Number: req.Number, HeadSHA: req.HeadSHA, APIURL: rt.getenv("GITHUB_API_URL")}
	c, err := newClient(res.PullRequest.APIURL, opts.Token, opts.HTTPClient, opts.Retry)
	if err != nil {
		return res, err
	}
	if req.HeadSHA != "" {
		head, err := c.headSHA(ctx, owner, repo, req.Number)
		if err != nil {
			res.Comment = OutcomeFailed
			return res, err
		}
		if !strings.EqualFold(head, req.HeadSHA) {
			res.Comment = OutcomeStale
			if res.InActions {
				_ = rt.notice("perfgate: comment not posted",
					fmt.Sprintf("%s/%s#%d is now at %s, not %s: the report is for an older commit; the run for the new head will comment.",
						owner, repo, req.Number, shortSHA(head), shortSHA(req.HeadSHA)))
			}
			return res, nil
		}
	}
	should := func(bool) bool { return true }
	if req.Report != nil {
		should = func(exists bool) bool { return req.Report.ShouldComment(mode, exists) }
	}
	res.Comment, res.CommentURL, err = c.upsert(ctx, owner, repo, req.Number, req.Body, should)
	if res.Comment == OutcomeNoAccess && res.InActions {
		_ = rt.warning("perfgate: no PR comment",
			"GitHub refused to let the token comment. The workflow that runs `perfgate comment` needs `permissions: pull-requests: write`.")
	}
	return res, err
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func dirOr(d string) string {
	if d == "" {
		return "."
	}
	return d
}
