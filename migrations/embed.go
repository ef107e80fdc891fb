// Package migrations embeds the numbered SQL migrations of each dialect.
// Files are named NNNN_name.sql and applied in order, each in a transaction.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
