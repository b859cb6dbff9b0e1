//go:build tools

// Package languagepython only names the main package that `make engine` builds.
package languagepython

import _ "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python"
