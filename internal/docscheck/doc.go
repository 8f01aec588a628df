// Package docscheck holds a test, run by go test ./... and so by CI, that every
// link in README.md and docs/*.md resolves: a relative link names a file or
// folder of the repository, and its #anchor a heading of the Markdown file it
// names (by GitHub's rules), and a link that leaves the repository cites a
// standard from the short list in the test. The package has no code of its own.
package docscheck
