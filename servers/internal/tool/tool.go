package tool

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var printer = message.NewPrinter(language.English)

// Spec describes a tool: its name, its documentation and its behaviour
// hints. The input and output schemas come from Add's type parameters.
type Spec struct {
	// Name is a snake_case verb phrase, e.g. "search_code".
	Name string
	// Title is a short human-readable name. Optional.
	Title string
	// Description says what the tool does and when to use it. Required.
	Description string

	// ReadOnly: the tool does not modify its environment.
	ReadOnly bool
	// Destructive: the tool may delete or overwrite data (ignored when
	// ReadOnly).
	Destructive bool
	// Idempotent: repeating a call with the same arguments has no further
	// effect.
	Idempotent bool
	// OpenWorld: the tool reaches beyond the server's own data (the
	// network, a user's file system).
	OpenWorld bool
}

// Handler is a typed tool handler. A returned error becomes a tool error
// result (isError): a *UserError, or any error with a UserMessage method,
// shows its message; a retryable error (pgdb.ErrBusy, pgdb.ErrUnavailable)
// shows its message and is counted as such; anything else is an internal
// error, logged with its cause and shown as "internal error (request id X)".
type Handler[In, Out any] func(ctx context.Context, in In) (Out, error)

// Registrar is where tools are added: *server.MCPServer.
type Registrar interface {
	AddTool(tool mcp.Tool, handler server.ToolHandlerFunc)
}

var _ Registrar = (*server.MCPServer)(nil)

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// Add registers a tool whose arguments decode into In and whose result is
// Out, a struct (or pointer to one): the input schema is derived from In and
// enforced before h runs, the output schema from Out, and the result is
// returned as structured content with its JSON as the text content.
//
// Struct tags shape the schemas: `json:"name,omitempty"` makes a field
// optional, `jsonschema:"a description"` documents it.
//
// Add panics when spec or the types cannot make a valid tool, as
// regexp.MustCompile does: registration happens at start-up, and the
// mistake is the program's.
func Add[In, Out any](r Registrar, spec Spec, h Handler[In, Out]) {
	if !namePattern.MatchString(spec.Name) {
		panic(fmt.Sprintf("tool.Add: name %q is not snake_case", spec.Name))
	}
	if strings.TrimSpace(spec.Description) == "" {
		panic(fmt.Sprintf("tool.Add: tool %s has no description", spec.Name))
	}
	if k := structKind(reflect.TypeFor[In]()); k != reflect.Struct {
		panic(fmt.Sprintf("tool.Add: tool %s: input type %v is not a struct", spec.Name, reflect.TypeFor[In]()))
	}
	if k := structKind(reflect.TypeFor[Out]()); k != reflect.Struct {
		panic(fmt.Sprintf("tool.Add: tool %s: output type %v is not a struct", spec.Name, reflect.TypeFor[Out]()))
	}

	t := mcp.NewTool(spec.Name,
		mcp.WithDescription(spec.Description),
		mcp.WithInputSchema[In](),
		mcp.WithOutputSchema[Out](),
		mcp.WithToolAnnotation(mcp.ToolAnnotation{
			Title:           spec.Title,
			ReadOnlyHint:    mcp.ToBoolPtr(spec.ReadOnly),
			DestructiveHint: mcp.ToBoolPtr(spec.Destructive && !spec.ReadOnly),
			IdempotentHint:  mcp.ToBoolPtr(spec.Idempotent || spec.ReadOnly),
			OpenWorldHint:   mcp.ToBoolPtr(spec.OpenWorld),
		}),
	)
	if spec.Title != "" {
		t.Title = spec.Title
	}
	if len(t.RawInputSchema) == 0 || t.OutputSchema.Type == "" {
		panic(fmt.Sprintf("tool.Add: tool %s: no JSON schema for %v or %v", spec.Name, reflect.TypeFor[In](), reflect.TypeFor[Out]()))
	}
	schema, err := compileSchema(spec.Name, t.RawInputSchema)
	if err != nil {
		panic(fmt.Sprintf("tool.Add: %v", err))
	}

	r.AddTool(t, func(ctx context.Context, req mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
		c := callFrom(ctx)
		if c == nil {
			c = &call{id: newRequestID()}
			ctx = context.WithValue(ctx, callKey{}, c)
		}
		c.request = &req
		defer func() {
			if p := recover(); p != nil {
				res, err = c.fail(ctx, fmt.Errorf("panic: %v\n%s", p, debug.Stack())), nil
			}
		}()

		in, err := decode[In](schema, req.Params.RawArguments, req.Params.Arguments)
		if err != nil {
			c.outcome, c.err = OutcomeInvalid, err
			return mcp.NewToolResultError(fmt.Sprintf("invalid arguments for %s: %v; see its inputSchema (tools/list)", spec.Name, err)), nil
		}
		out, err := h(ctx, in)
		if err != nil {
			return c.fail(ctx, err), nil
		}
		text, err := json.Marshal(out)
		if err != nil {
			return c.fail(ctx, fmt.Errorf("encode result: %w", err)), nil
		}
		c.outcome = OutcomeOK
		return &mcp.CallToolResult{
			StructuredContent: out,
			// The same bytes go on the wire as structuredContent: the
			// result is encoded once, not again from out.
			RawStructuredContent: text,
			Content:              []mcp.Content{mcp.NewTextContent(string(text))},
		}, nil
	})
}

// structKind is the kind of t, or of its element when t is a pointer.
func structKind(t reflect.Type) reflect.Kind {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind()
}

func compileSchema(name string, raw json.RawMessage) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("tool %s: decode input schema: %w", name, err)
	}
	url := "mem:///tools/" + name + "/input.json"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("tool %s: input schema: %w", name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("tool %s: compile input schema: %w", name, err)
	}
	return s, nil
}

// decode validates the arguments against the schema and decodes them into
// an In. It prefers the arguments' bytes off the wire, when the transport
// kept them, to decoded values. Missing arguments are an empty object.
func decode[In any](schema *jsonschema.Schema, raw json.RawMessage, args any) (In, error) {
	var in In
	if len(bytes.TrimSpace(raw)) == 0 {
		var err error
		if raw, err = json.Marshal(args); err != nil {
			return in, fmt.Errorf("arguments are not JSON: %w", err)
		}
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		raw = []byte("{}")
	}
	value, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return in, fmt.Errorf("arguments are not JSON: %w", err)
	}
	if err := schema.Validate(value); err != nil {
		return in, validationMessage(err)
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return in, err
	}
	return in, nil
}

// validationMessage flattens a validation error into one line naming each
// violation and where it is, e.g. `/limit: minimum: got 0, want 1`.
func validationMessage(err error) error {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var parts []string
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			where := "/" + strings.Join(e.InstanceLocation, "/")
			parts = append(parts, where+": "+e.ErrorKind.LocalizedString(printer))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return errors.New(strings.Join(parts, "; "))
}

// fail records err on the call and returns the result the caller sees.
func (c *call) fail(ctx context.Context, err error) *mcp.CallToolResult {
	outcome, message := classify(ctx, err, c.id)
	c.outcome, c.err = outcome, err
	return mcp.NewToolResultError(message)
}
