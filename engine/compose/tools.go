//go:build tools

// Package compose only names the main package that `make compose` builds: the docker-compose CLI plugin.
package compose

import (
	_ "github.com/docker/compose/v2/cmd"
)
