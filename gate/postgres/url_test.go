package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgtest"
)

func TestURL(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	// The test database comes with the extension; drop it to see the
	// provider create it.
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(t.Context(), "DROP EXTENSION vector")
	conn.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	for _, provider := range []string{ProviderURL, ProviderAuto} {
		getenv := func(k string) string {
			if k == "DATABASE_URL" {
				return dsn
			}
			return ""
		}
		inst, err := Start(t.Context(), Options{Provider: provider, Getenv: getenv})
		if err != nil {
			t.Fatalf("%s: %v", provider, err)
		}
		if inst.Provider != ProviderURL || inst.URL != dsn {
			t.Errorf("%s: provider %s at %s, want url at %s", provider, inst.Provider, inst.URL, dsn)
		}
		if v := queryString(t, inst.URL, extversionSQL); v == "" {
			t.Errorf("%s: vector extension has no version", provider)
		}
		if !inst.Running(t.Context()) {
			t.Errorf("%s: Running = false", provider)
		}
		// The url provider owns nothing: Stop leaves the server alone.
		if err := inst.Stop(t.Context()); err != nil {
			t.Fatal(err)
		}
		if v := queryString(t, dsn, "SELECT 'up'"); v != "up" {
			t.Errorf("%s: server unusable after Stop", provider)
		}
	}
}

func TestURLUnset(t *testing.T) {
	t.Parallel()
	_, err := Start(t.Context(), Options{Provider: ProviderURL, Getenv: func(string) string { return "" }})
	var ue *UnavailableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "DATABASE_URL is not set") {
		t.Errorf("err = %v, want an *UnavailableError saying DATABASE_URL is not set", err)
	}
}
