package chunk

// One query per grammar finds every declaration worth a chunk of its own and
// every comment or attribute that may document one. Capture names:
//
//	@function @method @class @type  the declaration, and what it is
//	@impl @module                   a container that is not a type itself
//	                                (a Rust impl block, a Rust mod, a TS namespace)
//	@name                           the name that becomes the chunk's symbol
//	@body                           the node whose named children are the
//	                                statements or members to split a long one at
//	@receiver                       a Go method's receiver
//	@doc                            a comment or attribute before a declaration
//
// A declaration nested in a function or method stays part of it; one nested
// in a class, type, impl or module is chunked on its own, its symbol
// qualified by the container's ("Server.Start"), and a function there is a
// method unless the container is a module.

const queryGo = `
(function_declaration name: (identifier) @name body: (block)? @body) @function
(method_declaration receiver: (parameter_list) @receiver name: (field_identifier) @name body: (block)? @body) @method
(type_declaration (type_spec name: (type_identifier) @name type: (_) @body)) @type
(type_declaration (type_alias name: (type_identifier) @name)) @type
(comment) @doc
`

const queryPython = `
(function_definition name: (identifier) @name body: (block) @body) @function
(decorated_definition definition: (function_definition name: (identifier) @name body: (block) @body)) @function
(class_definition name: (identifier) @name body: (block) @body) @class
(decorated_definition definition: (class_definition name: (identifier) @name body: (block) @body)) @class
(comment) @doc
`

// queryJSCommon holds the patterns JavaScript and TypeScript share.
const queryJSCommon = `
(function_declaration name: (identifier) @name body: (statement_block) @body) @function
(generator_function_declaration name: (identifier) @name body: (statement_block) @body) @function
(lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @function
(variable_declaration (variable_declarator name: (identifier) @name value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @function
(expression_statement (assignment_expression left: (member_expression property: (property_identifier) @name) right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @function
(class_declaration name: (_) @name body: (class_body) @body) @class
(class_body (method_definition name: (_) @name body: (statement_block) @body) @method)
(comment) @doc
(decorator) @doc
`

const queryJavaScript = queryJSCommon

const queryTypeScript = queryJSCommon + `
(abstract_class_declaration name: (_) @name body: (class_body) @body) @class
(interface_declaration name: (_) @name body: (interface_body) @body) @type
(type_alias_declaration name: (_) @name) @type
(enum_declaration name: (_) @name body: (enum_body) @body) @type
(internal_module name: (_) @name body: (statement_block) @body) @module
`

const queryRust = `
(function_item name: (identifier) @name body: (block) @body) @function
(struct_item name: (type_identifier) @name body: (_)? @body) @type
(union_item name: (type_identifier) @name body: (_) @body) @type
(enum_item name: (type_identifier) @name body: (enum_variant_list) @body) @type
(type_item name: (type_identifier) @name) @type
(trait_item name: (type_identifier) @name body: (declaration_list) @body) @type
(impl_item type: (_) @name body: (declaration_list) @body) @impl
(mod_item name: (identifier) @name body: (declaration_list) @body) @module
(macro_definition name: (identifier) @name) @function
(line_comment) @doc
(block_comment) @doc
(attribute_item) @doc
`

const queryJava = `
(class_declaration name: (identifier) @name body: (class_body) @body) @class
(enum_declaration name: (identifier) @name body: (enum_body) @body) @class
(record_declaration name: (identifier) @name body: (class_body) @body) @class
(interface_declaration name: (identifier) @name body: (interface_body) @body) @type
(annotation_type_declaration name: (identifier) @name body: (annotation_type_body) @body) @type
(method_declaration name: (identifier) @name body: (block) @body) @method
(constructor_declaration name: (identifier) @name body: (constructor_body) @body) @method
(compact_constructor_declaration name: (identifier) @name body: (block) @body) @method
(line_comment) @doc
(block_comment) @doc
`
