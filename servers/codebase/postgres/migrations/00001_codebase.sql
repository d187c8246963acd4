-- +goose Up
-- The shared schema of codebase-mcp: the projects and the indexing jobs.
-- Each project's repositories, files and chunks live in a schema of their
-- own (projects.schema_name), created by the store, not by migrations.
CREATE SCHEMA IF NOT EXISTS codebase;

CREATE TABLE codebase.projects (
    name         text PRIMARY KEY,
    -- The schema holding the project's tables; a rebuild (force) writes a
    -- new one and swaps it in.
    schema_name  text NOT NULL UNIQUE,
    -- The embedder that made the vectors; another one is refused.
    model        text NOT NULL,
    dimension    integer NOT NULL CHECK (dimension > 0),
    -- halfvec up to 4000 dimensions, vector beyond (no vector index then).
    vector_type  text NOT NULL CHECK (vector_type IN ('halfvec', 'vector')),
    -- The IVFFlat index: its lists, and the chunk rows it was built over
    -- (0: no index, searches scan exactly).
    ivf_lists    integer NOT NULL DEFAULT 0,
    ivf_rows     bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE codebase.jobs (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project      text NOT NULL,
    repository   text NOT NULL,
    force        boolean NOT NULL DEFAULT false,
    state        text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    counts       jsonb NOT NULL DEFAULT '{}',
    timings      jsonb NOT NULL DEFAULT '{}',
    warnings     jsonb NOT NULL DEFAULT '[]',
    error        text NOT NULL DEFAULT '',
    -- Set by cancel_indexing in any server; the running server reads it
    -- back when it saves the job.
    cancel_requested boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    -- Saved by the running server every few seconds: a queued or running
    -- job not saved for long belongs to a server that is gone.
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX jobs_active ON codebase.jobs (heartbeat_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_created ON codebase.jobs (created_at);

-- +goose Down
DROP SCHEMA codebase CASCADE;
