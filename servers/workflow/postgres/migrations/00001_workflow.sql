-- +goose Up
CREATE TABLE projects (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The active project of each server instance.
CREATE TABLE active_projects (
    server      text PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    switched_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE entity_types (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       text NOT NULL,
    schema     jsonb NOT NULL,
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, name)
);

CREATE TABLE entities (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    type_id    bigint NOT NULL REFERENCES entity_types (id) ON DELETE CASCADE,
    name       text NOT NULL,
    data       jsonb NOT NULL,
    tags       text[] NOT NULL DEFAULT '{}',
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (type_id, name),
    UNIQUE (project_id, id)
);
-- Keyset pages by type; UNIQUE (project_id, id) serves those without.
CREATE INDEX entities_type_id ON entities (type_id, id);
-- Containment filters (data @> ...) and tag filters (tags @> ...). Without
-- fastupdate, writes update the index at once instead of growing a pending
-- list that every query must scan until the next vacuum: steadier reads.
CREATE INDEX entities_data ON entities USING gin (data jsonb_path_ops) WITH (fastupdate = off);
CREATE INDEX entities_tags ON entities USING gin (tags) WITH (fastupdate = off);

CREATE TABLE work_items (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id   bigint,
    -- depth is the parent's depth + 1, fixed at insert: the limit of five
    -- levels is this constraint.
    depth       smallint NOT NULL CONSTRAINT work_items_depth_limit CHECK (depth BETWEEN 1 AND 5),
    type        text NOT NULL CHECK (type IN ('project', 'session', 'task', 'research', 'subtask')),
    title       text NOT NULL,
    status      text NOT NULL DEFAULT 'planned'
                CHECK (status IN ('planned', 'active', 'blocked', 'completed', 'cancelled')),
    metadata    jsonb NOT NULL DEFAULT '{}',
    owner       text,
    lease_until timestamptz,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- Also the index of keyset pages, and the target of composite foreign
    -- keys that keep links within one project.
    UNIQUE (project_id, id),
    FOREIGN KEY (project_id, parent_id) REFERENCES work_items (project_id, id) ON DELETE CASCADE
);
CREATE INDEX work_items_parent ON work_items (parent_id, id);
CREATE INDEX work_items_status ON work_items (project_id, status, id);

-- from_id blocks (or relates to) to_id.
CREATE TABLE dependencies (
    project_id bigint NOT NULL,
    from_id    bigint NOT NULL,
    to_id      bigint NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('blocks', 'relates')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (from_id, to_id, kind),
    CHECK (from_id <> to_id),
    FOREIGN KEY (project_id, from_id) REFERENCES work_items (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, to_id) REFERENCES work_items (project_id, id) ON DELETE CASCADE
);
CREATE INDEX dependencies_to ON dependencies (to_id);
CREATE INDEX dependencies_project ON dependencies (project_id, kind);

CREATE TABLE deployments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    environment text NOT NULL,
    git_commit  text NOT NULL,
    status      text NOT NULL CHECK (status IN ('started', 'succeeded', 'failed', 'rolled_back')),
    notes       text NOT NULL DEFAULT '',
    -- The ids are checked against the project when recorded, and kept as
    -- history when the records are deleted later.
    work_items  bigint[] NOT NULL DEFAULT '{}',
    entities    bigint[] NOT NULL DEFAULT '{}',
    deployed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deployments_project ON deployments (project_id, id DESC);
CREATE INDEX deployments_environment ON deployments (project_id, environment, id DESC);

CREATE TABLE code_references (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id   bigint NOT NULL,
    work_item_id bigint NOT NULL,
    repository   text NOT NULL,
    path         text NOT NULL,
    symbol       text NOT NULL DEFAULT '',
    start_line   integer NOT NULL CHECK (start_line >= 1),
    end_line     integer NOT NULL,
    content_hash text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (end_line >= start_line),
    FOREIGN KEY (project_id, work_item_id) REFERENCES work_items (project_id, id) ON DELETE CASCADE
);
CREATE INDEX code_references_work_item ON code_references (project_id, work_item_id, id);

-- +goose Down
DROP TABLE code_references, deployments,
    dependencies, work_items, entities, entity_types, active_projects, projects;
