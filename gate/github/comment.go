package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v93/github"
	"github.com/perfgate/perfgate/gate"
)

// Marker is the hidden line by which the gate finds its own PR comment to
// update it in place. gate/report puts it in the markdown it renders; the
// comment functions add it when a body lacks it.
const Marker = gate.CommentMarker

// maxCommentBody is GitHub's limit on the length of a comment body.
const maxCommentBody = 65536

// Outcome says what happened to the PR comment.
type Outcome string

const (
	// OutcomeNone: nothing was attempted (not a pull request, no token,
	// comment mode never, or not running in Actions).
	OutcomeNone Outcome = "none"
	// OutcomeSkipped: the comment mode said not to comment.
	OutcomeSkipped Outcome = "skipped"
	OutcomeCreated Outcome = "created"
	OutcomeUpdated Outcome = "updated"
	// OutcomeNoAccess: GitHub refused the token (a fork's read-only token);
	// a notice says what to do instead.
	OutcomeNoAccess Outcome = "no-access"
	// OutcomeStale: the pull request's head moved on since the report was
	// made; the newer run will comment.
	OutcomeStale Outcome = "stale"
	// OutcomeFailed: the API failed; the error says why.
	OutcomeFailed Outcome = "failed"
)

// defaultTimeout bounds each GitHub API request when Options.HTTPClient is nil.
const defaultTimeout = 30 * time.Second

// client finds, creates and updates the gate's comment on a pull request.
type client struct {
	gh    *gh.Client
	token string
	retry Retry
}

// newClient returns a client for the REST API at apiURL ("" is
// api.github.com) authenticated with token.
func newClient(apiURL, token string, hc *http.Client, retry Retry) (*client, error) {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	opts := []gh.ClientOptionsFunc{gh.WithHTTPClient(hc), gh.WithUserAgent("perfgate")}
	if token != "" {
		opts = append(opts, gh.WithAuthToken(token))
	}
	if apiURL != "" {
		opts = append(opts, gh.WithURLs(&apiURL, nil))
	}
	c, err := gh.NewClient(opts...)
	if err != nil {
		return nil, scrub(fmt.Errorf("github client: %w", err), token)
	}
	return &client{gh: c, token: token, retry: retry}, nil
}

// find returns the gate's comment on issue or pull request number, or nil.
// It reads every page of comments. The gate's comments start with the
// marker (withMarker sees to it); among them, one written by a bot (the
// Actions token's github-actions[bot]) is preferred over one written with a
// person's token, so someone pasting the marker cannot capture the comment.
func (c *client) find(ctx context.Context, owner, repo string, number int) (*gh.IssueComment, error) {
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	var first *gh.IssueComment
	for {
		var page []*gh.IssueComment
		var resp *gh.Response
		err := c.retry.do(ctx, func() (err error) {
			page, resp, err = c.gh.Issues.ListComments(ctx, owner, repo, number, opts)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list comments of %s/%s#%d: %w", owner, repo, number, err)
		}
		for _, cm := range page {
			if !isOurs(cm.GetBody()) {
				continue
			}
			if cm.GetUser().GetType() == "Bot" {
				return cm, nil
			}
			if first == nil {
				first = cm
			}
		}
		if resp.NextPage == 0 {
			return first, nil
		}
		opts.Page = resp.NextPage
	}
}

// upsert updates the gate's comment, or creates it, when should says so
// given whether it exists. A create that fails transiently is retried from
// the search, so a comment GitHub made despite a 502 is updated, not doubled.
func (c *client) upsert(ctx context.Context, owner, repo string, number int, body string, should func(exists bool) bool) (Outcome, string, error) {
	body = withMarker(body)
	var (
		outcome Outcome
		url     string
	)
	err := c.retry.do(ctx, func() error {
		once := *c
		once.retry = Retry{Attempts: 1}
		existing, err := once.find(ctx, owner, repo, number)
		if err != nil {
			return err
		}
		if !should(existing != nil) {
			outcome = OutcomeSkipped
			return nil
		}
		req := gh.IssueCommentRequest{Body: body}
		var cm *gh.IssueComment
		if existing != nil {
			cm, _, err = c.gh.Issues.UpdateComment(ctx, owner, repo, existing.GetID(), req)
			if err != nil {
				return fmt.Errorf("update comment %d on %s/%s#%d: %w", existing.GetID(), owner, repo, number, err)
			}
			outcome, url = OutcomeUpdated, cm.GetHTMLURL()
			return nil
		}
		cm, _, err = c.gh.Issues.CreateComment(ctx, owner, repo, number, req)
		if err != nil {
			return fmt.Errorf("create comment on %s/%s#%d: %w", owner, repo, number, err)
		}
		outcome, url = OutcomeCreated, cm.GetHTMLURL()
		return nil
	})
	if err != nil {
		if noAccess(err) {
			return OutcomeNoAccess, "", scrub(fmt.Errorf("%w: %w", ErrNoWriteAccess, err), c.token)
		}
		return OutcomeFailed, "", scrub(err, c.token)
	}
	return outcome, url, nil
}

// headSHA returns the current head commit of pull request number.
func (c *client) headSHA(ctx context.Context, owner, repo string, number int) (string, error) {
	var pr *gh.PullRequest
	err := c.retry.do(ctx, func() (err error) {
		pr, _, err = c.gh.PullRequests.Get(ctx, owner, repo, number)
		return err
	})
	if err != nil {
		err = fmt.Errorf("get pull request %s/%s#%d: %w", owner, repo, number, err)
		return "", scrub(err, c.token)
	}
	return pr.GetHead().GetSHA(), nil
}

// withMarker returns body cut to GitHub's size limit and starting with the
// marker line.
func withMarker(body string) string {
	const note = "\n\n…(truncated: the full report is in the job's step summary and report.json)\n"
	if limit := maxCommentBody - len(Marker) - 1; len(body) > limit {
		cut := limit - len(note)
		for cut > 0 && !utf8Start(body[cut]) {
			cut--
		}
		body = body[:cut] + note
	}
	if !isOurs(body) {
		body = Marker + "\n" + body
	}
	return body
}

// isOurs reports whether a comment body is the gate's: it starts with the
// marker.
func isOurs(body string) bool {
	return strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), Marker)
}

// utf8Start reports whether b begins a UTF-8 sequence.
func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
