-- The codebase-mcp project a code reference points into, so that
-- check_code_references asks that project rather than codebase-mcp's
-- default. '' means codebase-mcp's default project (links made before).
-- +goose Up
ALTER TABLE code_references ADD COLUMN code_project text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE code_references DROP COLUMN code_project;
