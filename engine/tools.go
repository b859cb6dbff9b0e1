//go:build tools

// Package engine only names the main packages that `make engine` builds.
package engine

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
