package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/config"
	"github.com/perfgate/perfgate/gate/github"
	"github.com/perfgate/perfgate/gate/report"
)

const commentUsage = `usage: perfgate comment --pr N --body-file comment.md [--report report.json] [--head-sha SHA] [--mode MODE] [--repo OWNER/NAME]

comment creates or updates perfgate's single comment on a pull request from a
saved report: the second half of the fork-safe pattern, run by a
workflow_run workflow with pull-requests: write. The token is read from
$GITHUB_TOKEN, never from a flag.
`

// commentVerb is `perfgate comment`.
func commentVerb(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "comment", commentUsage)
	pr := fs.Int("pr", 0, "pull request `number`")
	bodyFile := fs.String("body-file", "", "the comment markdown (comment.md)")
	reportFile := fs.String("report", "", "report.json, to apply the comment mode")
	headSHA := fs.String("head-sha", "", "post only if this is still the pull request's head commit")
	mode := fs.String("mode", "", "comment mode: always, changed, alert or never (default: changed with --report, else always)")
	repo := fs.String("repo", "", "`owner/name` (default $GITHUB_REPOSITORY)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("comment: unexpected arguments %q", fs.Args())
	}
	if *bodyFile == "" {
		return usageError("comment: --body-file is required")
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return usageError("comment: %w", err)
	}
	req := github.CommentRequest{Repository: *repo, Number: *pr, HeadSHA: *headSHA, Body: string(body)}
	m := gate.CommentAlways
	if *reportFile != "" {
		f, err := os.Open(*reportFile)
		if err != nil {
			return usageError("comment: %w", err)
		}
		req.Report, err = report.ReadJSON(f)
		f.Close()
		if err != nil {
			return usageError("comment: read %s: %w", *reportFile, err)
		}
		m = gate.DefaultCommentMode
	}
	if *mode != "" {
		if m, err = config.ParseCommentMode(*mode); err != nil {
			return usageError("comment: --mode: %w", err)
		}
	}
	res, err := github.PostComment(ctx, req, github.Options{Token: e.getenv("GITHUB_TOKEN"), Mode: m, Getenv: e.getenv, Stdout: e.stdout})
	if errors.Is(err, github.ErrInvalidRequest) {
		return usageError("comment: %w", err)
	}
	if err != nil {
		return infraError(fmt.Errorf("comment: %w", err))
	}
	fmt.Fprintf(e.stderr, "perfgate: comment %s %s\n", res.Comment, res.CommentURL)
	return nil
}
