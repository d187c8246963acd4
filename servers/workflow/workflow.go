package workflow

import (
	"context"
	"time"
)

// Project is a named workspace: every entity, work item, deployment and
// code reference belongs to one.
type Project struct {
	ID          int64
	Name        string
	Description string
	CreatedAt   time.Time
	// Active reports whether it is the server's active project.
	Active bool
}

// EntityType is a kind of entity in a project, with the JSON Schema its
// entities' data must satisfy. Version counts schema changes.
type EntityType struct {
	ID        int64
	Name      string
	Schema    map[string]any
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
	// Revalidated is how many existing entities were checked against the
	// schema when it was registered (zero unless asked for).
	Revalidated int
}

// Entity is a typed JSON record. Version starts at 1 and grows by one with
// every change.
type Entity struct {
	ID        int64
	Type      string
	Name      string
	Data      map[string]any
	Tags      []string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewEntity is what CreateEntity needs.
type NewEntity struct {
	Type string
	Name string
	Data map[string]any
	Tags []string
}

// EntityUpdate replaces an entity's data, and its tags when Tags is not
// nil, provided its version is still ExpectedVersion.
type EntityUpdate struct {
	ID              int64
	ExpectedVersion int
	Data            map[string]any
	Tags            *[]string
}

// EntityQuery selects entities, oldest first.
type EntityQuery struct {
	Type   string         // "" for every type
	Filter map[string]any // JSONB containment: data @> Filter; nil for none
	Tags   []string       // entities carrying every one of these
	Limit  int
	After  int64 // keyset cursor: ids above this one
}

// WorkItemType is the kind of a work item.
type WorkItemType string

// The work item types.
const (
	TypeProject  WorkItemType = "project"
	TypeSession  WorkItemType = "session"
	TypeTask     WorkItemType = "task"
	TypeResearch WorkItemType = "research"
	TypeSubtask  WorkItemType = "subtask"
)

// WorkItemTypes lists the valid types.
var WorkItemTypes = []WorkItemType{TypeProject, TypeSession, TypeTask, TypeResearch, TypeSubtask}

// Status is where a work item stands.
type Status string

// The statuses. Completed and cancelled items are finished: they block
// nothing.
const (
	StatusPlanned   Status = "planned"
	StatusActive    Status = "active"
	StatusBlocked   Status = "blocked"
	StatusCompleted Status = "completed"
	StatusCancelled Status = "cancelled"
)

// Statuses lists the valid statuses.
var Statuses = []Status{StatusPlanned, StatusActive, StatusBlocked, StatusCompleted, StatusCancelled}

// MaxDepth is the deepest level of the work item hierarchy: an item
// without a parent is at level 1.
const MaxDepth = 5

// WorkItem is a unit of work in a hierarchy. Version counts changes of its
// fields; claiming and releasing it do not change the version.
type WorkItem struct {
	ID         int64
	Type       WorkItemType
	Title      string
	Status     Status
	ParentID   int64 // 0 for a top-level item
	Depth      int   // 1 for a top-level item
	Metadata   map[string]any
	Owner      string     // "" when unclaimed
	LeaseUntil *time.Time // when the owner's claim lapses; nil when unclaimed
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// NewWorkItem is what CreateWorkItem needs.
type NewWorkItem struct {
	Type     WorkItemType
	Title    string
	ParentID int64 // 0 for a top-level item
	Metadata map[string]any
}

// WorkItemUpdate changes the non-nil fields of a work item, provided its
// version is still ExpectedVersion.
type WorkItemUpdate struct {
	ID              int64
	ExpectedVersion int
	Title           *string
	Status          *Status
	Metadata        map[string]any // replaces the metadata when not nil
}

// WorkItemQuery selects work items, oldest first.
type WorkItemQuery struct {
	Status Status       // "" for any
	Type   WorkItemType // "" for any
	Parent *int64       // children of this item; 0 for top-level items; nil for any
	// Ready: true selects unfinished items that nothing unfinished blocks,
	// directly or through an ancestor; false selects the unfinished others.
	Ready *bool
	Limit int
	After int64
}

// DependencyKind says how two work items relate.
type DependencyKind string

// The dependency kinds. From blocks To: To is not ready until From is
// finished. Relates is informational and may form cycles.
const (
	KindBlocks  DependencyKind = "blocks"
	KindRelates DependencyKind = "relates"
)

// Dependency is an edge between two work items of a project.
type Dependency struct {
	From, To int64
	Kind     DependencyKind
	// FromStatus and ToStatus are the statuses of the two items when read.
	FromTitle, ToTitle   string
	FromStatus, ToStatus Status
}

// WorkItemDetail is a work item with its surroundings.
type WorkItemDetail struct {
	Item      WorkItem
	Ancestors []WorkItem // root first
	Children  []WorkItem
	// BlockedBy and Blocks are the blocks edges into and out of the item;
	// Related the relates edges either way.
	BlockedBy []Dependency
	Blocks    []Dependency
	Related   []Dependency
}

// DeploymentStatus is the outcome of a deployment.
type DeploymentStatus string

// The deployment statuses.
const (
	DeployStarted    DeploymentStatus = "started"
	DeploySucceeded  DeploymentStatus = "succeeded"
	DeployFailed     DeploymentStatus = "failed"
	DeployRolledBack DeploymentStatus = "rolled_back"
)

// DeploymentStatuses lists the valid deployment statuses.
var DeploymentStatuses = []DeploymentStatus{DeployStarted, DeploySucceeded, DeployFailed, DeployRolledBack}

// Deployment records that a commit went to an environment.
type Deployment struct {
	ID          int64
	Environment string
	Commit      string
	Status      DeploymentStatus
	Notes       string
	WorkItems   []int64
	Entities    []int64
	DeployedAt  time.Time
}

// NewDeployment is what RecordDeployment needs.
type NewDeployment struct {
	Environment string
	Commit      string
	Status      DeploymentStatus
	Notes       string
	WorkItems   []int64
	Entities    []int64
}

// DeploymentQuery selects deployments, newest first.
type DeploymentQuery struct {
	Environment string // "" for every environment
	Limit       int
	Before      int64 // keyset cursor: ids below this one; 0 for the newest
}

// CodeRef points a work item at a span of code, as a codebase-mcp
// search_code hit describes it.
type CodeRef struct {
	ID         int64
	WorkItemID int64
	// CodeProject is the codebase-mcp project the hit came from (the
	// project of its search_code answer); "" means codebase-mcp's default.
	// It is not the workflow project.
	CodeProject string
	Repository  string
	Path        string
	Symbol      string
	StartLine   int
	EndLine     int
	ContentHash string
	CreatedAt   time.Time
}

// CodeRefQuery selects code references, oldest first.
type CodeRefQuery struct {
	WorkItemID int64 // 0 for every work item of the project
	Limit      int
	After      int64
}

// Page is one page of a keyset-paginated listing. Next is the cursor of
// the following page, 0 when this is the last.
type Page[T any] struct {
	Items []T
	Next  int64
}

// Store keeps the workflow data. Every method that changes a record does it
// with one conditional statement: a change based on a stale version fails
// with a *ConflictError and changes nothing. Methods taking a project id
// expect one from ResolveProject.
type Store interface {
	ProjectStore
	EntityStore
	WorkItemStore
	DeploymentStore
	CodeRefStore
}

// ProjectStore keeps projects and the server's active project.
type ProjectStore interface {
	// CreateProject creates a project and makes it the active one when
	// activate is true, or nil and no project is active. A taken name is a
	// *ExistsError.
	CreateProject(ctx context.Context, name, description string, activate *bool) (Project, error)
	ListProjects(ctx context.Context) ([]Project, error)
	// SwitchProject makes the project named or numbered ref the active one.
	SwitchProject(ctx context.Context, ref string) (Project, error)
	// ResolveProject finds the project named or numbered ref, or the active
	// project when ref is "" (only then is Active set). It fails with
	// *UnknownProjectError or ErrNoActiveProject.
	ResolveProject(ctx context.Context, ref string) (Project, error)
}

// EntityStore keeps entity types and entities.
type EntityStore interface {
	// RegisterEntityType creates a type or replaces its schema. With
	// revalidate, every existing entity of the type must satisfy the new
	// schema or nothing changes (*InvalidEntitiesError).
	RegisterEntityType(ctx context.Context, project int64, name string, schema map[string]any, revalidate bool) (EntityType, error)
	CreateEntity(ctx context.Context, project int64, e NewEntity) (Entity, error)
	QueryEntities(ctx context.Context, project int64, q EntityQuery) (Page[Entity], error)
	UpdateEntity(ctx context.Context, project int64, u EntityUpdate) (Entity, error)
	DeleteEntity(ctx context.Context, project, id int64, expectedVersion int) error
}

// WorkItemStore keeps work items, their dependencies and their claims.
type WorkItemStore interface {
	CreateWorkItem(ctx context.Context, project int64, w NewWorkItem) (WorkItem, error)
	UpdateWorkItem(ctx context.Context, project int64, u WorkItemUpdate) (WorkItem, error)
	GetWorkItem(ctx context.Context, project, id int64) (WorkItemDetail, error)
	QueryWorkItems(ctx context.Context, project int64, q WorkItemQuery) (Page[WorkItem], error)
	// AddDependency adds an edge; a blocks edge that would close a cycle is
	// a *CycleError, even against a concurrent AddDependency.
	AddDependency(ctx context.Context, project, from, to int64, kind DependencyKind) (Dependency, error)
	// ClaimWorkItem gives the item to owner for lease, unless another owner
	// holds an unexpired lease (*ClaimedError). The owner renews by
	// claiming again.
	ClaimWorkItem(ctx context.Context, project, id int64, owner string, lease time.Duration) (WorkItem, error)
	// ReleaseWorkItem ends owner's claim.
	ReleaseWorkItem(ctx context.Context, project, id int64, owner string) (WorkItem, error)
}

// DeploymentStore keeps deployments.
type DeploymentStore interface {
	RecordDeployment(ctx context.Context, project int64, d NewDeployment) (Deployment, error)
	ListDeployments(ctx context.Context, project int64, q DeploymentQuery) (Page[Deployment], error)
}

// CodeRefStore keeps code references.
type CodeRefStore interface {
	LinkCode(ctx context.Context, project int64, r CodeRef) (CodeRef, error)
	ListCodeRefs(ctx context.Context, project int64, q CodeRefQuery) (Page[CodeRef], error)
}
