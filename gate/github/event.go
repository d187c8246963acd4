package github

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// PullRequest is the pull request a workflow run is about.
type PullRequest struct {
	// Owner and Repo name the base repository, where the comment goes.
	Owner, Repo string
	Number      int
	HeadSHA     string
	BaseSHA     string
	// HeadRepo is the full name (owner/name) of the repository the changes
	// come from; empty when that repository was deleted.
	HeadRepo string
	// Fork is set when the head repository is not the base repository. On
	// a pull_request event the token of such a run is read-only.
	Fork bool
	// Event is the event name: pull_request or pull_request_target.
	Event string
	// APIURL is the REST API root (GITHUB_API_URL).
	APIURL string
}

// pullRequestEvent is the part of a pull_request or pull_request_target
// payload the gate reads.
type pullRequestEvent struct {
	Number      int `json:"number"`
	PullRequest *struct {
		Number int `json:"number"`
		Head   struct {
			SHA  string     `json:"sha"`
			Repo *eventRepo `json:"repo"`
		} `json:"head"`
		Base struct {
			SHA  string     `json:"sha"`
			Repo *eventRepo `json:"repo"`
		} `json:"base"`
	} `json:"pull_request"`
}

type eventRepo struct {
	FullName string `json:"full_name"`
	Fork     bool   `json:"fork"`
}

// DetectPullRequest reads the pull request of the current run from
// GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY and
// GITHUB_API_URL, through go-githubactions. It returns nil and no error
// when the run is not about a pull request (a push, a schedule, a local run).
func DetectPullRequest(getenv func(string) string) (*PullRequest, error) {
	act := newAction(getenv, nil)
	// Context reports unparsable optional variables (GITHUB_RUN_ID...) as
	// an error beside a usable context; only the fields below matter.
	ghctx, err := act.Context()
	if ghctx == nil {
		return nil, fmt.Errorf("read the GitHub context: %w", err)
	}
	switch ghctx.EventName {
	case "pull_request", "pull_request_target":
	default:
		return nil, nil
	}
	if ghctx.EventPath == "" {
		return nil, fmt.Errorf("event %s: GITHUB_EVENT_PATH is not set", ghctx.EventName)
	}
	data, err := os.ReadFile(ghctx.EventPath)
	if err != nil {
		return nil, fmt.Errorf("read event payload: %w", err)
	}
	var ev pullRequestEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, fmt.Errorf("parse event payload %s: %w", ghctx.EventPath, err)
	}
	if ev.PullRequest == nil {
		return nil, fmt.Errorf("event %s: payload %s has no pull_request", ghctx.EventName, ghctx.EventPath)
	}
	pr := &PullRequest{
		Number:  ev.Number,
		HeadSHA: ev.PullRequest.Head.SHA,
		BaseSHA: ev.PullRequest.Base.SHA,
		Event:   ghctx.EventName,
		APIURL:  ghctx.APIURL,
	}
	if pr.Number == 0 {
		pr.Number = ev.PullRequest.Number
	}
	if pr.Number <= 0 {
		return nil, fmt.Errorf("event %s: payload %s has no pull request number", ghctx.EventName, ghctx.EventPath)
	}
	var base string
	if r := ev.PullRequest.Base.Repo; r != nil {
		base = r.FullName
	}
	if r := ev.PullRequest.Head.Repo; r != nil {
		pr.HeadRepo = r.FullName
	}
	// A head repository that differs from the base (or was deleted) is a
	// fork. head.repo.fork alone is not enough: it is also true for a
	// branch of a repository that is itself a fork.
	pr.Fork = pr.HeadRepo == "" || !strings.EqualFold(pr.HeadRepo, base)
	full := ghctx.Repository
	if full == "" {
		full = base
	}
	owner, repo, ok := strings.Cut(full, "/")
	if !ok || owner == "" || repo == "" {
		return nil, fmt.Errorf("event %s: no repository (GITHUB_REPOSITORY=%q)", ghctx.EventName, ghctx.Repository)
	}
	pr.Owner, pr.Repo = owner, repo
	return pr, nil
}
