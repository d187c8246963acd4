package workflow

import "context"

// CodeStatus says whether the code a CodeRef points at is as it was linked.
type CodeStatus string

// The code reference statuses.
const (
	// CodeCurrent: the indexed code still has the linked content hash.
	CodeCurrent CodeStatus = "current"
	// CodeChanged: the file or symbol is still indexed, with other content.
	CodeChanged CodeStatus = "changed"
	// CodeMissing: the file or symbol is no longer in the index.
	CodeMissing CodeStatus = "missing"
	// CodeUnknown: codebase-mcp could not be asked.
	CodeUnknown CodeStatus = "unknown"
)

// CodeChecker asks the code index about references. Check returns one
// status per reference, in order; an error means the index could not be
// asked at all (then callers report every status as CodeUnknown).
type CodeChecker interface {
	Check(ctx context.Context, refs []CodeRef) ([]CodeStatus, error)
}
