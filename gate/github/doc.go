// Package github publishes a gate.Report on GitHub: the Actions runtime
// (inputs, masking, outputs, step summary, annotations) through
// github.com/sethvargo/go-githubactions, and the single PR comment through
// github.com/google/go-github/v93.
//
// `perfgate run` reads the action's inputs with ReadInputs (which masks the
// token first), runs the gate, renders the markdown with gate/report and
// hands both to Publish:
//
//	in, err := github.ReadInputs(getenv, stdout)
//	if err != nil {
//		return usageError(err) // exit 2
//	}
//	// ... run the suites, compare, r.Decide(failOn), render markdown ...
//	res, err := github.Publish(ctx, r, markdown, github.Options{
//		Token:      in.Token,
//		Mode:       mode, // in.Comment, else perfgate.yml's
//		ReportPath: reportPath,
//		Getenv:     getenv,
//		Stdout:     stdout,
//	})
//	if err != nil {
//		logger.Warn("publish report", "err", err) // never changes the exit code
//	}
//	_ = res.Comment // created, updated, skipped, no-access, ...
//
// The comment is found by the Marker its body starts with, on any page of the pull
// request's comments, and updated in place; it is created only when
// gate.Report.ShouldComment says so. GitHub API calls are retried on 5xx
// responses and network errors (Retry). A fork's read-only token yields a
// notice, not an error. Publishing never fails the gate: its errors are
// warnings, and their messages never contain the token.
//
// For pull requests from forks, the gate's workflow uploads report.json and
// comment.md as an artifact, and a workflow_run workflow with
// `pull-requests: write` posts them with PostComment (`perfgate comment`),
// which checks that the pull request's head is still the commit the report
// was made for:
//
//	res, err := github.PostComment(ctx, github.CommentRequest{
//		Number:  pr,      // --pr
//		HeadSHA: headSHA, // --head-sha
//		Body:    body,    // --body-file
//		Report:  rep,     // --report, read with report.ReadJSON; may be nil
//	}, github.Options{Token: getenv("GITHUB_TOKEN"), Mode: mode, Getenv: getenv, Stdout: stdout})
//	switch {
//	case errors.Is(err, github.ErrInvalidRequest):
//		return usageError(err) // exit 2
//	case err != nil:
//		return err // exit 3: refused or failed after retries
//	}
//	_ = res.Comment // created, updated, skipped or stale
//
// docs/github-action.md shows both workflows.
package github
