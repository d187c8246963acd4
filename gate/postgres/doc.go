// Package postgres provides an ephemeral PostgreSQL with the pgvector
// extension for perfgate's suites, tests and local development.
//
// Four providers are available (see DESIGN.md, "Postgres everywhere"):
//
//   - url: $DATABASE_URL as given.
//   - docker: the pgvector/pgvector:pg17 image through ory/dockertest,
//     purged on Stop. A daemon that does not answer a ping within about a
//     second counts as absent.
//   - local: a cluster from the machine's own binaries (Options.PGBin,
//     $PG_BIN, or `pg_config --bindir`): initdb into a fresh temporary
//     directory, a free port on 127.0.0.1, the unix socket in the data
//     directory, trust authentication, user postgres. Running as root, the
//     binaries run as the postgres user. Stop shuts the server down (SIGINT,
//     a fast shutdown) and deletes the directory.
//   - auto (the default): url when DATABASE_URL is set, else docker when a
//     daemon answers, else local.
//
// Every provider runs CREATE EXTENSION IF NOT EXISTS vector in the database
// of Instance.URL. When no provider can serve, Start returns an
// *UnavailableError that names the three fixes: run scripts/setup.sh, start
// Docker, or set DATABASE_URL.
//
// # Lifetime
//
// By default an instance lives no longer than the calling process. The
// local postmaster gets a parent-death signal (SIGINT) in case the process
// is killed outright, and while any instance lives, Start keeps a handler
// for SIGINT and SIGTERM installed: on either signal it stops every live
// instance, deletes their data directories or containers, and then
// re-raises the signal with its default action, so the process still exits
// (with status 128+signal if the signal was ignored at start). The handler
// is removed when the last instance stops. A process killed with SIGKILL
// loses the chance to delete the data directory; the server itself still
// stops.
//
// With Options.Detach the server outlives the process instead (the local
// postmaster runs in its own session), no handler is installed, and another
// process finds it again through the JSON-serialisable State and Resume.
//
// # Example
//
//	inst, err := postgres.Start(ctx, postgres.Options{Provider: postgres.ProviderLocal, NoFsync: true})
//	if err != nil {
//		var unavailable *postgres.UnavailableError
//		if errors.As(err, &unavailable) {
//			// Nothing can run Postgres here; err says how to fix it.
//		}
//		return err
//	}
//	defer inst.Stop(context.WithoutCancel(ctx))
//
//	conn, err := pgx.Connect(ctx, inst.URL)
//	if err != nil {
//		return err
//	}
//	defer conn.Close(ctx)
//	var version string
//	err = conn.QueryRow(ctx, "SELECT extversion FROM pg_extension WHERE extname = 'vector'").Scan(&version)
//
// A detached server, as `perfgate postgres start` and `stop` use it:
//
//	inst, err := postgres.Start(ctx, postgres.Options{Detach: true})
//	// ...
//	b, err := json.Marshal(inst.State()) // store b; the process may exit
//
//	// Later, in another process:
//	var st postgres.State
//	err = json.Unmarshal(b, &st)
//	inst, err := postgres.Resume(st)
//	// ...
//	err = inst.Stop(ctx)
package postgres
