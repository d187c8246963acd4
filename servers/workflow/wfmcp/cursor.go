package wfmcp

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/perfgate/perfgate/servers/internal/tool"
)

// Cursors are opaque to agents: a keyset position (the last id of a page)
// tagged with the listing it belongs to, base64url-encoded.

func encodeCursor(kind string, id int64) string {
	if id == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(id, 10)))
}

func decodeCursor(kind, cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), kind+":"); ok {
			if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 {
				return id, nil
			}
		}
	}
	return 0, tool.Errorf("cursor %q is not one this listing returned: pass next_cursor from the previous page unchanged, or omit cursor to start over", cursor)
}
