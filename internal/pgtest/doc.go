// Package pgtest gives each storage test a PostgreSQL database of its own,
// with the vector extension, on the server named by $TEST_DATABASE_URL.
//
// Without $TEST_DATABASE_URL the test is skipped, unless $CI is "true":
// then it fails, because a skipped storage test in CI hides a broken setup.
// `make test` starts an ephemeral server and sets the variable; by hand:
//
//	eval "$(perfgate postgres start --dir /tmp/pg)"   # sets DATABASE_URL
//	TEST_DATABASE_URL=$DATABASE_URL go test ./...
//	perfgate postgres stop --dir /tmp/pg
//
// A test package shares one administrative pool. The first test creates, once
// per server, a template database holding the vector extension (safely when
// several test processes race to do it); every test then gets a copy of it,
// which is dropped with DROP DATABASE ... WITH (FORCE) when the test ends.
//
// # Example
//
//	func TestStore(t *testing.T) {
//		t.Parallel()
//		pool := pgtest.Pool(t) // pgvector types registered
//		_, err := pool.Exec(t.Context(), "CREATE TABLE items (embedding vector(3))")
//		if err != nil {
//			t.Fatal(err)
//		}
//		_, err = pool.Exec(t.Context(), "INSERT INTO items VALUES ($1)", pgvector.NewVector([]float32{1, 2, 3}))
//		// ...
//	}
//
// Code that opens its own connections (migrations, a server under test)
// takes pgtest.URL(t), the same database's connection string.
package pgtest
