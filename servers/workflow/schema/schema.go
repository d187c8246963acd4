package schema

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/perfgate/perfgate/servers/workflow"
)

// MaxViolations bounds how many violations one validation reports.
const MaxViolations = 10

const docURL = "mem:///entity-type.json"

var printer = message.NewPrinter(language.English)

// Schema is a compiled JSON Schema. It is safe for concurrent use.
type Schema struct {
	s *jsonschema.Schema
}

// noLoader refuses every $ref outside the document: a schema may not read
// files or reach the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("$ref %s is outside the schema: inline it under $defs", url)
}

// Compile compiles doc, a decoded JSON Schema (draft 2020-12 unless its
// $schema names another draft). A schema that does not compile is a
// *workflow.InvalidSchemaError saying why.
func Compile(doc map[string]any) (*Schema, error) {
	if doc == nil {
		return nil, &workflow.InvalidSchemaError{Reason: "the schema is empty: pass a JSON Schema object such as {\"type\":\"object\"}"}
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(docURL, doc); err != nil {
		return nil, &workflow.InvalidSchemaError{Reason: clean(err)}
	}
	s, err := c.Compile(docURL)
	if err != nil {
		return nil, &workflow.InvalidSchemaError{Reason: clean(err)}
	}
	return &Schema{s: s}, nil
}

// clean turns a compiler error into one line without the internal URL.
func clean(err error) string {
	msg := err.Error()
	var sve *jsonschema.SchemaValidationError
	if errors.As(err, &sve) {
		var ve *jsonschema.ValidationError
		if errors.As(sve.Err, &ve) {
			var parts []string
			for _, v := range Violations(ve) {
				parts = append(parts, v.String())
			}
			msg = "not a valid JSON Schema: " + strings.Join(parts, "; ")
		}
	}
	msg = strings.ReplaceAll(msg, `"`+docURL+`#`, `"#`)
	msg = strings.ReplaceAll(msg, docURL, "the schema")
	return strings.Join(strings.Fields(msg), " ")
}

// Validate checks v, decoded JSON, and returns the violations, at most
// MaxViolations, or nil when v satisfies the schema.
func (s *Schema) Validate(v any) []workflow.Violation {
	err := s.s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []workflow.Violation{{Rule: err.Error()}}
	}
	return Violations(ve)
}

// Violations flattens a validation error into its leaves: each names the
// field (a JSON pointer into the instance) and the rule it broke.
func Violations(ve *jsonschema.ValidationError) []workflow.Violation {
	var out []workflow.Violation
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(out) >= MaxViolations {
			return
		}
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		out = append(out, leaf(e)...)
	}
	walk(ve)
	if len(out) > MaxViolations {
		out = out[:MaxViolations]
	}
	return out
}

// leaf describes one failed keyword. Required and additionalProperties name
// the property they are about rather than the object holding it.
func leaf(e *jsonschema.ValidationError) []workflow.Violation {
	where := pointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		vs := make([]workflow.Violation, len(k.Missing))
		for i, m := range k.Missing {
			vs[i] = workflow.Violation{Field: where + "/" + escape(m), Rule: "required: the property is missing"}
		}
		return vs
	case *kind.AdditionalProperties:
		props := append([]string(nil), k.Properties...)
		sort.Strings(props)
		vs := make([]workflow.Violation, len(props))
		for i, p := range props {
			vs[i] = workflow.Violation{Field: where + "/" + escape(p), Rule: "additionalProperties: the schema allows no such property"}
		}
		return vs
	}
	rule := e.ErrorKind.LocalizedString(printer)
	if path := e.ErrorKind.KeywordPath(); len(path) > 0 {
		if kw := path[len(path)-1]; !strings.HasPrefix(rule, kw) {
			rule = kw + ": " + rule
		}
	}
	return []workflow.Violation{{Field: where, Rule: rule}}
}

func pointer(loc []string) string {
	var b strings.Builder
	for _, t := range loc {
		b.WriteByte('/')
		b.WriteString(escape(t))
	}
	return b.String()
}

func escape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// Cache holds compiled schemas by entity type id and schema version, so a
// schema is compiled once per version. It is safe for concurrent use.
type Cache struct {
	mu sync.RWMutex
	m  map[cacheKey]*Schema
}

type cacheKey struct {
	typeID  int64
	version int
}

// maxCached bounds the cache; past it, the cache starts over.
const maxCached = 4096

// Get returns the schema of type typeID at version, compiling what load
// returns on a miss.
func (c *Cache) Get(typeID int64, version int, load func() (map[string]any, error)) (*Schema, error) {
	k := cacheKey{typeID, version}
	c.mu.RLock()
	s := c.m[k]
	c.mu.RUnlock()
	if s != nil {
		return s, nil
	}
	doc, err := load()
	if err != nil {
		return nil, err
	}
	if s, err = Compile(doc); err != nil {
		return nil, err
	}
	c.Put(typeID, version, s)
	return s, nil
}

// Put stores a compiled schema.
func (c *Cache) Put(typeID int64, version int, s *Schema) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[cacheKey]*Schema)
	}
	c.m[cacheKey{typeID, version}] = s
}
