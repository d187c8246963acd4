package workflow

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors callers branch on. The typed errors below match them with
// errors.Is and carry what a caller needs to recover.
var (
	ErrNotFound        = errors.New("not found")
	ErrNoActiveProject = errors.New("no active project")
	ErrUnknownProject  = errors.New("unknown project")
	ErrUnknownType     = errors.New("unknown entity type")
	ErrVersionConflict = errors.New("version conflict")
	ErrInvalid         = errors.New("invalid")
	ErrExists          = errors.New("already exists")
	ErrTooDeep         = errors.New("hierarchy too deep")
	ErrCycle           = errors.New("dependency cycle")
	ErrClaimed         = errors.New("claimed by another owner")
)

// NotFoundError: no record What with ID in the project.
type NotFoundError struct {
	What string // "entity", "work item", ...
	ID   int64
}

func (e *NotFoundError) Error() string        { return fmt.Sprintf("%s %d not found", e.What, e.ID) }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// UnknownProjectError: no project is named or numbered Ref.
type UnknownProjectError struct {
	Ref   string
	Known []string // the names of the projects that exist
}

func (e *UnknownProjectError) Error() string        { return fmt.Sprintf("unknown project %q", e.Ref) }
func (e *UnknownProjectError) Is(target error) bool { return target == ErrUnknownProject }

// UnknownTypeError: the project has no entity type Name.
type UnknownTypeError struct {
	Name  string
	Known []string // the project's entity types
}

func (e *UnknownTypeError) Error() string        { return fmt.Sprintf("unknown entity type %q", e.Name) }
func (e *UnknownTypeError) Is(target error) bool { return target == ErrUnknownType }

// ConflictError: a change expected version Expected of a record whose
// version is Current. Nothing was changed. Record is the current record
// (Entity or WorkItem).
type ConflictError struct {
	What     string
	ID       int64
	Expected int
	Current  int
	Record   any
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %d: expected version %d, current version %d", e.What, e.ID, e.Expected, e.Current)
}
func (e *ConflictError) Is(target error) bool { return target == ErrVersionConflict }

// Violation is one way a JSON value breaks a schema.
type Violation struct {
	// Field is the JSON pointer of the offending value, "" for the root.
	Field string
	// Rule is the schema keyword that failed, with what it wanted.
	Rule string
}

func (v Violation) String() string {
	f := v.Field
	if f == "" {
		f = "(root)"
	}
	return f + ": " + v.Rule
}

// ValidationError: entity data that breaks its type's schema.
type ValidationError struct {
	Type       string
	Violations []Violation
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("data breaks the schema of %q: %s", e.Type, joinViolations(e.Violations))
}
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func joinViolations(vs []Violation) string {
	s := ""
	for i, v := range vs {
		if i > 0 {
			s += "; "
		}
		s += v.String()
	}
	return s
}

// InvalidSchemaError: a JSON Schema that does not compile.
type InvalidSchemaError struct {
	Reason string
}

func (e *InvalidSchemaError) Error() string        { return "invalid JSON Schema: " + e.Reason }
func (e *InvalidSchemaError) Is(target error) bool { return target == ErrInvalid }

// InvalidEntity is an existing entity that breaks a new schema.
type InvalidEntity struct {
	ID         int64
	Name       string
	Violations []Violation
}

// InvalidEntitiesError: re-validation found entities that break the new
// schema, so the schema was not changed. Entities holds the first few;
// Count is how many there are.
type InvalidEntitiesError struct {
	Type     string
	Count    int
	Entities []InvalidEntity
}

func (e *InvalidEntitiesError) Error() string {
	return fmt.Sprintf("%d entities of %q break the new schema", e.Count, e.Type)
}
func (e *InvalidEntitiesError) Is(target error) bool { return target == ErrInvalid }

// InputError: an argument that cannot be used, e.g. a malformed name.
type InputError struct {
	Field  string
	Reason string
}

func (e *InputError) Error() string        { return e.Field + ": " + e.Reason }
func (e *InputError) Is(target error) bool { return target == ErrInvalid }

// ExistsError: a record What named Name exists already, as ID.
type ExistsError struct {
	What string
	Name string
	ID   int64
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s %q already exists (id %d)", e.What, e.Name, e.ID)
}
func (e *ExistsError) Is(target error) bool { return target == ErrExists }

// DepthError: a child of Parent, which is at MaxDepth, would be too deep.
type DepthError struct {
	Parent      int64
	ParentDepth int
}

func (e *DepthError) Error() string {
	return fmt.Sprintf("work item %d is at level %d: a child would exceed the maximum depth %d", e.Parent, e.ParentDepth, MaxDepth)
}
func (e *DepthError) Is(target error) bool { return target == ErrTooDeep }

// CycleError: From blocks To would close a cycle, because To already
// blocks From. Path is that cycle: To, the items between, From, To.
type CycleError struct {
	From, To int64
	Path     []int64
}

func (e *CycleError) Error() string {
	return fmt.Sprintf("%d blocks %d would close the cycle %v", e.From, e.To, e.Path)
}
func (e *CycleError) Is(target error) bool { return target == ErrCycle }

// ClaimedError: work item ID is held by Owner until Until. For a release,
// Owner is "" when nobody holds it.
type ClaimedError struct {
	ID    int64
	Owner string
	Until time.Time
}

func (e *ClaimedError) Error() string {
	if e.Owner == "" {
		return fmt.Sprintf("work item %d is not claimed", e.ID)
	}
	return fmt.Sprintf("work item %d is claimed by %q until %s", e.ID, e.Owner, e.Until.Format(time.RFC3339))
}
func (e *ClaimedError) Is(target error) bool { return target == ErrClaimed }
