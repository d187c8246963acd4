// Package schema compiles the JSON Schemas of entity types with
// santhosh-tekuri/jsonschema and turns validation failures into
// workflow.Violations that name the field (a JSON pointer) and the rule.
//
// A schema may not reach outside itself: a $ref to a file or URL is
// refused, so registering a type can neither read the server's files nor
// call the network. Compiled schemas are cached by type id and version.
//
// # Example
//
//	s, err := schema.Compile(map[string]any{
//		"type":     "object",
//		"required": []any{"priority"},
//		"properties": map[string]any{
//			"priority": map[string]any{"type": "integer", "maximum": 5},
//		},
//	})
//	if err != nil {
//		return err // *workflow.InvalidSchemaError
//	}
//	for _, v := range s.Validate(map[string]any{"priority": 7.0}) {
//		fmt.Println(v) // /priority: maximum: must be <= 5 but found 7
//	}
package schema
