// Package mcpserver is the runtime both MCP servers run on: configuration
// by flag and environment, the stdio and streamable HTTP transports
// (mark3labs/mcp-go), HTTP safety, /healthz and /metrics with their MCP
// resources health://status and metrics://prometheus, the per-call log
// line, the database with its migrations, and graceful shutdown.
//
// Over HTTP the server answers at /mcp clients on protocol 2025-06-18 and
// 2025-11-25 (with sessions) and 2026-07-28 (stateless), checks Host and
// Origin against DNS rebinding, requires the bearer token of
// --auth-token-file when one is set (on /mcp and /metrics; /healthz stays
// open for probes), refuses bodies over --max-body-bytes with 413, and
// bounds reads and writes with timeouts. Over stdio, stdout carries nothing
// but protocol messages; the JSON log goes to stderr.
//
// The database connects in the background: the server starts and serves
// /healthz (unhealthy) while Postgres is unreachable, and its tools answer
// with a retryable error until it is back (see package pgdb).
//
// Run returns nil after a graceful shutdown (ctx canceled: stop accepting,
// finish in-flight calls up to --shutdown-timeout, close the pool) or, over
// stdio, after the client closed stdin. ExitCode maps its errors for main:
// 3 for a taken port (an *AddrInUseError whose message says what to do),
// 2 for a bad flag or setting, 1 otherwise.
//
// Run also applies Config.GC, the garbage collector's settings a server
// asks for (workflow-mcp: GOGC=400 within 64 MiB, which saturated spends
// about a fifth less CPU per call); $GOGC and $GOMEMLIMIT, when set, win
// over it.
//
// # Flags and environment
//
// RegisterFlags defines --transport, --addr, --auth-token-file,
// --allowed-hosts, --allowed-origins, --max-body-bytes, --http-*-timeout,
// --shutdown-timeout, --log-level, --cpuprofile, --db-url, --db-max-conns,
// --db-acquire-timeout and --db-connect-timeout. ParseFlags then reads
// every flag of the set not given on the command line, the server's own
// included, from PREFIX_FLAG_NAME (e.g. CODEBASE_MCP_DB_ACQUIRE_TIMEOUT);
// --db-url also from DATABASE_URL.
//
// # Example: a server's main
//
//	//go:embed migrations/*.sql
//	var migrations embed.FS
//
//	func main() {
//		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//		err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
//		stop()
//		if err != nil && !errors.Is(err, flag.ErrHelp) {
//			fmt.Fprintf(os.Stderr, "workflow-mcp: %v\n", err)
//		}
//		os.Exit(mcpserver.ExitCode(err))
//	}
//
//	func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
//		cfg := mcpserver.DefaultConfig("workflow-mcp", 8732)
//		cfg.Version = version
//		cfg.DB.Migrations, _ = fs.Sub(migrations, "migrations")
//		cfg.DB.MigrationsTable = "workflow_goose_version"
//		fl := flag.NewFlagSet("workflow-mcp", flag.ContinueOnError)
//		fl.SetOutput(stderr)
//		cfg.RegisterFlags(fl)
//		if err := mcpserver.ParseFlags(fl, args, mcpserver.EnvPrefix("workflow-mcp"), getenv); err != nil {
//			return err
//		}
//		srv, err := mcpserver.New(cfg, mcpserver.Options{
//			Logger: mcpserver.NewLogger(stderr, cfg.LogLevel),
//			Stdin:  stdin,
//			Stdout: stdout,
//		})
//		if err != nil {
//			return err
//		}
//		store := postgres.NewStore(srv.DB())     // the server's adapter over *pgdb.DB
//		workflowmcp.Register(srv.MCP(), store)   // tool.Add(srv.MCP(), ...) for each tool
//		return srv.Run(ctx)
//	}
package mcpserver
