// Package console holds the web console: static pages in Chinese, embedded
// in the binary, that call only the public API with the user's own token.
// Nothing here reads the log or ClickHouse: a page can do no more than the
// token it carries, so the console needs no authorisation of its own.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/go-chi/chi/v5"
)

//go:embed web
var embedded embed.FS

// Files is the console's file tree (index.html at its root).
func Files() fs.FS {
	sub, err := fs.Sub(embedded, "web")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}

// Pages maps each page's path to its file. A page is one HTML file that
// loads its own module from assets/.
var Pages = map[string]string{
	"/":          "index.html",
	"/dashboard": "dashboard.html",
	"/work":      "work.html",
	"/item":      "item.html",
	"/verify":    "verify.html",
}

// csp lets pages load only this server's scripts and styles and talk only
// to this server: a console page holds a bearer token, so no script from
// elsewhere may ever run beside it. Inline style attributes are allowed
// because ECharts sets them.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// Routes mounts the pages and their assets on r. Assets are revalidated
// by an ETag of their content, so a browser fetches the 1 MB chart library
// once per release, not once per page.
func Routes(r chi.Router) {
	files := Files()
	tags := map[string]string{}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(files, p)
			sum := sha256.Sum256(b)
			tags[p] = `"` + hex.EncodeToString(sum[:8]) + `"`
		}
		return nil
	})
	serve := func(w http.ResponseWriter, r *http.Request, name string) {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", tags[name])
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		if match := r.Header.Get("If-None-Match"); match != "" && match == tags[name] {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(b)
	}
	for p, name := range Pages {
		r.Get(p, func(w http.ResponseWriter, r *http.Request) { serve(w, r, name) })
	}
	r.Get("/assets/*", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if !strings.HasPrefix(name, "assets/") {
			http.NotFound(w, r)
			return
		}
		serve(w, r, name)
	})
}
