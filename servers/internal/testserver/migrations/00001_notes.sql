-- +goose Up
CREATE TABLE notes (
    id         bigserial PRIMARY KEY,
    note       varchar(200) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE notes;
