package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/codebase/index"
)

// CreateJob stores a new job, setting its ID and CreatedAt, and forgets
// the project's oldest finished jobs past the newest Config.KeepJobs (in
// the same statement: the table stays as small as the retention, and no
// background sweeper is needed). Queued and running jobs are never
// forgotten.
func (s *Store) CreateJob(ctx context.Context, j *index.Job) error {
	counts, timings, warnings, err := jobJSON(j)
	if err != nil {
		return err
	}
	return s.db.Do(ctx, func(conn *pgxpool.Conn) error {
		err := conn.QueryRow(ctx, `WITH old AS (
				DELETE FROM codebase.jobs WHERE id IN (
					SELECT id FROM codebase.jobs WHERE project = $1 AND state IN ('succeeded', 'failed', 'cancelled')
					ORDER BY created_at DESC, id DESC OFFSET $9))
			INSERT INTO codebase.jobs (project, repository, force, state, counts, timings, warnings, error)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text, created_at`,
			j.Project, j.Repository, j.Force, string(j.State), counts, timings, warnings, j.Error, s.cfg.KeepJobs).Scan(&j.ID, &j.CreatedAt)
		if err != nil {
			return fmt.Errorf("create job: %w", err)
		}
		return nil
	})
}

// SaveJob stores a job's state, counts, timings, error and warnings, and
// its heartbeat, and reports whether its cancellation was requested. A job
// in a final state is not changed any more, and a running one is not put
// back to queued: saves of one job from several goroutines may land out of
// order.
func (s *Store) SaveJob(ctx context.Context, j *index.Job) (bool, error) {
	counts, timings, warnings, err := jobJSON(j)
	if err != nil {
		return false, err
	}
	var cancel bool
	err = s.db.Do(ctx, func(conn *pgxpool.Conn) error {
		err := conn.QueryRow(ctx, `UPDATE codebase.jobs SET state = $2, counts = $3, timings = $4, warnings = $5, error = $6,
				started_at = $7, finished_at = $8, heartbeat_at = now()
			WHERE id = $1 AND state NOT IN ('succeeded', 'failed', 'cancelled') AND NOT ($2 = 'queued' AND state <> 'queued')
			RETURNING cancel_requested, heartbeat_at`,
			j.ID, string(j.State), counts, timings, warnings, j.Error, nullTime(j.StartedAt), nullTime(j.FinishedAt)).Scan(&cancel, &j.HeartbeatAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // finished already, or saved later than this
		}
		if err != nil {
			return fmt.Errorf("save job %s: %w", j.ID, err)
		}
		return nil
	})
	return cancel, err
}

// RequestCancel marks a queued or running job for cancellation; the server
// running it reads the mark at its next SaveJob.
func (s *Store) RequestCancel(ctx context.Context, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return fmt.Errorf("%w: %q is not a job id", index.ErrJobNotFound, id)
	}
	return s.db.Do(ctx, func(conn *pgxpool.Conn) error {
		if _, err := conn.Exec(ctx, "UPDATE codebase.jobs SET cancel_requested = true WHERE id = $1 AND state IN ('queued', 'running')", id); err != nil {
			return fmt.Errorf("cancel job %s: %w", id, err)
		}
		return nil
	})
}

// Job returns a job, or index.ErrJobNotFound.
func (s *Store) Job(ctx context.Context, id string) (index.Job, error) {
	if _, err := uuid.Parse(id); err != nil {
		return index.Job{}, fmt.Errorf("%w: %q is not a job id", index.ErrJobNotFound, id)
	}
	var j index.Job
	err := s.db.Do(ctx, func(conn *pgxpool.Conn) error {
		var state string
		var counts, timings, warnings []byte
		var started, finished *time.Time
		err := conn.QueryRow(ctx, `SELECT id::text, project, repository, force, state, counts, timings, warnings, error,
				created_at, started_at, finished_at, heartbeat_at
			FROM codebase.jobs WHERE id = $1`, id).Scan(&j.ID, &j.Project, &j.Repository, &j.Force, &state,
			&counts, &timings, &warnings, &j.Error, &j.CreatedAt, &started, &finished, &j.HeartbeatAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %s", index.ErrJobNotFound, id)
		}
		if err != nil {
			return fmt.Errorf("read job %s: %w", id, err)
		}
		j.State = index.JobState(state)
		if started != nil {
			j.StartedAt = *started
		}
		if finished != nil {
			j.FinishedAt = *finished
		}
		if err := json.Unmarshal(counts, &j.Counts); err != nil {
			return fmt.Errorf("job %s counts: %w", id, err)
		}
		if err := json.Unmarshal(timings, &j.Timings); err != nil {
			return fmt.Errorf("job %s timings: %w", id, err)
		}
		if err := json.Unmarshal(warnings, &j.Warnings); err != nil {
			return fmt.Errorf("job %s warnings: %w", id, err)
		}
		return nil
	})
	return j, err
}

// FailStaleJobs marks failed, with reason, every queued or running job not
// saved for longer than staleAfter.
func (s *Store) FailStaleJobs(ctx context.Context, staleAfter time.Duration, reason string) (int, error) {
	var n int64
	err := s.db.Do(ctx, func(conn *pgxpool.Conn) error {
		tag, err := conn.Exec(ctx, `UPDATE codebase.jobs SET state = 'failed', error = $2, finished_at = now()
			WHERE state IN ('queued', 'running') AND heartbeat_at < now() - $1::interval`,
			fmt.Sprintf("%d milliseconds", staleAfter.Milliseconds()), reason)
		if err != nil {
			return fmt.Errorf("fail stale jobs: %w", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return int(n), err
}

func jobJSON(j *index.Job) (counts, timings, warnings []byte, err error) {
	if counts, err = json.Marshal(j.Counts); err != nil {
		return nil, nil, nil, err
	}
	if timings, err = json.Marshal(j.Timings); err != nil {
		return nil, nil, nil, err
	}
	w := j.Warnings
	if w == nil {
		w = []string{}
	}
	if warnings, err = json.Marshal(w); err != nil {
		return nil, nil, nil, err
	}
	return counts, timings, warnings, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
