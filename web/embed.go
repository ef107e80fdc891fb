// Package web holds the admin UI's templates, static assets and message
// catalogs, embedded in the binary so the product needs no Node build step
// and no files next to it.
package web

import (
	"embed"
	"io/fs"
)

//go:embed templates static i18n
var files embed.FS

// Templates are the html/template files of the admin UI (*.html).
var Templates fs.FS = mustSub("templates")

// Static are the CSS, JS and vendored assets served under /admin/static/.
var Static fs.FS = mustSub("static")

// I18n are the message catalogs, one JSON object per language (en.json, ru.json).
var I18n fs.FS = mustSub("i18n")

func mustSub(dir string) fs.FS {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // only a typo in dir can get here
	}
	return sub
}
