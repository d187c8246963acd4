// Package wfmcp is workflow-mcp's MCP tools, registered with the runtime's
// tool.Add: typed input and output schemas, explicit hints, and domain
// errors turned into tool errors (isError) that say what to do.
//
// The tools (20, under 6,000 tokens of definitions, pinned by
// testdata/tools.golden.json):
//
//   - projects: create_project, list_projects, switch_project,
//     get_active_project;
//   - entities: register_entity_type, create_entity, query_entities,
//     update_entity, delete_entity;
//   - work items: create_work_item, update_work_item, get_work_item,
//     query_work_items, add_dependency, claim_work_item,
//     release_work_item;
//   - deployments: record_deployment, list_deployments;
//   - code: link_code, check_code_references.
//
// Every tool but the project tools takes an optional project (name or id)
// and otherwise uses the server's active project. Listings return
// next_cursor, an opaque keyset cursor.
//
// # Example
//
//	srv, err := mcpserver.New(cfg, mcpserver.Options{Logger: logger, Instructions: wfmcp.Instructions})
//	if err != nil {
//		return err
//	}
//	wfmcp.Register(srv.MCP(), wfmcp.Options{
//		Store: postgres.New(srv.DB(), postgres.Config{}),
//		Code:  codeclient.New(codeclient.Config{URL: "http://127.0.0.1:8731/mcp"}),
//	})
//	return srv.Run(ctx)
package wfmcp
