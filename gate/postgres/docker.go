package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
	dockeropts "github.com/ory/dockertest/v3/docker/opts"
)

const (
	dockerRepository = "pgvector/pgvector"
	dockerTag        = "pg17"
	// dockerPingTimeout bounds the check for a daemon, so that machines
	// without one fall through to the next provider at once.
	dockerPingTimeout = time.Second
	// dockerLabel marks the containers the provider starts.
	dockerLabel = "org.perfgate.postgres"
)

// dockerEndpoint is $DOCKER_HOST, else $DOCKER_URL, else the platform's
// default socket.
func dockerEndpoint(getenv func(string) string) string {
	for _, k := range []string{"DOCKER_HOST", "DOCKER_URL"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return dockeropts.DefaultHost
}

// dockerPool connects a client to endpoint and pings the daemon.
func dockerPool(ctx context.Context, endpoint string) (*dockertest.Pool, error) {
	pool, err := dockertest.NewPool(endpoint)
	if err != nil {
		return nil, fmt.Errorf("docker client for %s: %w", endpoint, err)
	}
	pctx, cancel := context.WithTimeout(ctx, dockerPingTimeout)
	defer cancel()
	if err := pool.Client.PingWithContext(pctx); err != nil {
		return nil, fmt.Errorf("no Docker daemon answered at %s: %w", endpoint, err)
	}
	return pool, nil
}

func (i *Instance) startDocker(ctx context.Context, o Options) error {
	endpoint := dockerEndpoint(o.Getenv)
	pool, err := dockerPool(ctx, endpoint)
	if err != nil {
		return &unavailable{err: err}
	}
	cmd := []string{"postgres", "-c", "max_connections=200"}
	if o.NoFsync {
		cmd = append(cmd, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	i.logger.Info("starting container", "image", dockerRepository+":"+dockerTag, "endpoint", endpoint)
	res, err := pool.RunWithOptions(&dockertest.RunOptions{
		Repository: dockerRepository,
		Tag:        dockerTag,
		Env:        []string{"POSTGRES_PASSWORD=postgres", "POSTGRES_DB=postgres"},
		Cmd:        cmd,
		Labels:     map[string]string{dockerLabel: "ephemeral"},
	}, func(hc *dc.HostConfig) {
		hc.AutoRemove = true
		hc.RestartPolicy = dc.RestartPolicy{Name: "no"}
	})
	if err != nil {
		return fmt.Errorf("run %s:%s: %w", dockerRepository, dockerTag, err)
	}
	i.mu.Lock()
	i.dockerEndpoint, i.containerID = endpoint, res.Container.ID
	i.mu.Unlock()
	if !o.Detach {
		track(i)
	}

	hostPort := res.GetHostPort("5432/tcp")
	if hostPort == "" {
		return fmt.Errorf("container %.12s publishes no port for 5432/tcp", res.Container.ID)
	}
	i.URL = fmt.Sprintf("postgres://postgres:postgres@%s/postgres?sslmode=disable", hostPort)
	if err := waitReady(ctx, i.URL, nil); err != nil {
		return fmt.Errorf("wait for container %.12s: %w", res.Container.ID, err)
	}
	return ensureVector(ctx, i.URL, fmt.Sprintf("the image %s:%s lacks pgvector: pull it again", dockerRepository, dockerTag))
}

// stopDocker removes the container with its volumes. The caller holds i.mu.
func (i *Instance) stopDocker(ctx context.Context) error {
	if i.containerID == "" {
		return nil
	}
	pool, err := dockertest.NewPool(i.dockerEndpoint)
	if err != nil {
		return fmt.Errorf("docker client for %s: %w", i.dockerEndpoint, err)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err = pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: i.containerID, Force: true, RemoveVolumes: true, Context: rctx})
	if _, gone := errors.AsType[*dc.NoSuchContainer](err); err != nil && !gone {
		return fmt.Errorf("remove container %.12s: %w", i.containerID, err)
	}
	return nil
}

// dockerRunning reports whether the container is running. The caller holds
// i.mu.
func (i *Instance) dockerRunning(ctx context.Context) bool {
	pool, err := dockerPool(ctx, i.dockerEndpoint)
	if err != nil {
		return false
	}
	c, err := pool.Client.InspectContainerWithContext(i.containerID, ctx)
	return err == nil && c.State.Running
}
