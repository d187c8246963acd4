package config

import (
	"fmt"
	"strings"

	"github.com/perfgate/perfgate/gate"
)

// ProfileNames returns the names of the profiles any suite of c defines,
// sorted.
func ProfileNames(c *gate.Config) []string {
	names := make(map[string]bool)
	for _, s := range c.Suites {
		for name := range s.Profiles {
			names[name] = true
		}
	}
	return orderedKeys(names)
}

// CheckProfile returns an error when name is not empty and no suite of c
// defines a profile of that name, so that a mistyped --profile is a usage
// error rather than a silent full run.
func CheckProfile(c *gate.Config, name string) error {
	if name == "" {
		return nil
	}
	names := ProfileNames(c)
	for _, n := range names {
		if n == name {
			return nil
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("unknown profile %q: no suite defines profiles; add one under a suite's profiles: or drop --profile", name)
	}
	return fmt.Errorf("unknown profile %q%s; the suites define: %s", name, didYouMean(name, names), strings.Join(names, ", "))
}
