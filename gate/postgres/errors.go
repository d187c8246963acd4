package postgres

import (
	"fmt"
	"strings"
)

// UnavailableError reports that no provider could supply a PostgreSQL with
// pgvector. Its message lists why each provider tried failed and names the
// three ways to fix it; the perfgate CLI maps it to exit code 3.
type UnavailableError struct {
	// Reasons holds one entry per provider tried, in the order tried.
	Reasons []Reason
}

// Reason is why one provider could not supply a server.
type Reason struct {
	Provider string
	Err      error
}

// Error returns a multi-line message: the reasons, then the fixes.
func (e *UnavailableError) Error() string {
	var b strings.Builder
	b.WriteString("no PostgreSQL with pgvector available:")
	for _, r := range e.Reasons {
		fmt.Fprintf(&b, "\n  %s: %v", r.Provider, r.Err)
	}
	b.WriteString("\nfix one of:" +
		"\n  - run scripts/setup.sh (installs PostgreSQL and pgvector) for the local provider" +
		"\n  - start Docker for the docker provider" +
		"\n  - set DATABASE_URL to a PostgreSQL server with pgvector for the url provider")
	return b.String()
}

// Unwrap returns the reasons' errors.
func (e *UnavailableError) Unwrap() []error {
	errs := make([]error, 0, len(e.Reasons))
	for _, r := range e.Reasons {
		errs = append(errs, r.Err)
	}
	return errs
}

// unavailable is a provider's "cannot serve here". When final is false, auto
// tries the next provider; when true (the provider was picked but lacks
// pgvector), auto gives up.
type unavailable struct {
	err   error
	final bool
}

func (u *unavailable) Error() string { return u.err.Error() }
func (u *unavailable) Unwrap() error { return u.err }
