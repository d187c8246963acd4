# perfgate's developer entry points. `make test` and `make dry-run` work on a
# fresh Debian/Ubuntu machine: both install what is missing (scripts/setup.sh)
# and start what they need.

GO ?= go
BIN := bin

.PHONY: all build test dry-run setup clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

setup:
	scripts/setup.sh

# test: setup, an ephemeral Postgres (local provider, or TEST_DATABASE_URL
# when set), go vet, the race-enabled tests, then Postgres is stopped, also
# when the tests fail or the run is interrupted. Exits with the tests' status.
test:
	scripts/test.sh

# dry-run: the whole gate on this repository, locally; posts nothing, prints
# the report and writes perfgate-out/{report.json,comment.md}.
dry-run: setup
	$(GO) build -o $(BIN)/perfgate ./cmd/perfgate
	$(BIN)/perfgate dry-run $(DRYRUN_FLAGS)

clean:
	rm -rf $(BIN) perfgate-out
