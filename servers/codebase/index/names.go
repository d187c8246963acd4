package index

import "fmt"

// MaxProjectName is the longest project name accepted.
const MaxProjectName = 64

// ValidateProjectName reports a name that cannot be a project: empty, over
// MaxProjectName bytes, or holding other than letters, digits, '.', '-'
// and '_'. The message says what to do.
func ValidateProjectName(name string) error {
	if name == "" {
		return fmt.Errorf("project name is empty: pass a name such as \"myapp\", or omit it for %q", DefaultProject)
	}
	if len(name) > MaxProjectName {
		return fmt.Errorf("project name %q is %d bytes long: use at most %d", name, len(name), MaxProjectName)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return fmt.Errorf("project name %q holds %q: use letters, digits, '.', '-' and '_' only", name, r)
		}
	}
	return nil
}
