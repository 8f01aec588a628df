package docscheck

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// standards are the only hosts a link may leave the repository for: the
// documents ferry implements (the CPace draft), cited where they are used.
var standards = []string{"datatracker.ietf.org"}

// TestDocsLinks checks README.md and every docs/*.md of the repository.
func TestDocsLinks(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	if len(files) < 2 {
		t.Fatalf("found no docs/*.md under %s", root)
	}
	for _, p := range checkLinks(root, files) {
		t.Error(p)
	}
}

// TestCheckLinksFindsBrokenOnes shows that the check above can fail: each
// kind of broken link in a small made-up tree is reported, the good ones not.
func TestCheckLinksFindsBrokenOnes(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	readme := write("README.md", "# Top\n\n## Exit codes\n\n"+
		"[ok](docs/a.md#flags-and-environment) [ok](#exit-codes) [ok](docs/)\n"+
		"[bad file](docs/missing.md)\n"+
		"[bad anchor](docs/a.md#no-such-heading)\n"+
		"[bad here](#exit-code)\n"+
		"[outside](https://example.com/x)\n"+
		"[std](https://datatracker.ietf.org/doc/x/)\n"+
		"`[not a link](nowhere.md)`\n"+
		"```\n[not a link](nowhere.md)\n```\n")
	a := write("docs/a.md", "# A\n\n## Flags and environment\n\n## Parallel connections (`--parallel N`)\n\n"+
		"![chart](bench.svg)\n[ok](#parallel-connections---parallel-n) [ok](../README.md#top)\n"+
		"[up and out](../../etc/passwd)\n")
	write("docs/bench.svg", "<svg/>")

	got := checkLinks(root, []string{readme, a})
	want := []string{
		"README.md: docs/missing.md",
		"README.md: docs/a.md#no-such-heading",
		"README.md: #exit-code",
		"README.md: https://example.com/x",
		"docs/a.md: ../../etc/passwd",
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w+" ") || strings.HasPrefix(g, w+":") }) {
			t.Errorf("no problem reported for %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

func TestAnchor(t *testing.T) {
	for heading, want := range map[string]string{
		"Exit codes": "exit-codes",
		"Batch transfers from scripts (cron, CI)": "batch-transfers-from-scripts-cron-ci",
		"Parallel connections (`--parallel N`)":   "parallel-connections---parallel-n",
		"Quick start: across the internet":        "quick-start-across-the-internet",
		"What mattered, and what did not":         "what-mattered-and-what-did-not",
	} {
		if got := anchor(heading); got != want {
			t.Errorf("anchor(%q) = %q, want %q", heading, got, want)
		}
	}
}

var (
	linkRE    = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	codeRE    = regexp.MustCompile("`[^`]*`")
	headingRE = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
)

// checkLinks returns one line per broken link in files, each starting with
// the file's path relative to root and the link's target.
func checkLinks(root string, files []string) []string {
	anchors := map[string]map[string]bool{} // by absolute path, filled on demand
	anchorsOf := func(path string) (map[string]bool, error) {
		if a, ok := anchors[path]; ok {
			return a, nil
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		a := headingAnchors(string(text))
		anchors[path] = a
		return a, nil
	}
	var problems []string
	for _, file := range files {
		rel, _ := filepath.Rel(root, file)
		rel = filepath.ToSlash(rel)
		text, err := os.ReadFile(file)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", rel, err))
			continue
		}
		for _, target := range links(string(text)) {
			if p := checkTarget(root, file, target, anchorsOf); p != "" {
				problems = append(problems, fmt.Sprintf("%s: %s %s", rel, target, p))
			}
		}
	}
	return problems
}

// checkTarget says what is wrong with one link target in file, or "".
func checkTarget(root, file, target string, anchorsOf func(string) (map[string]bool, error)) string {
	if u, err := url.Parse(target); err == nil && u.Scheme != "" {
		if (u.Scheme == "https" || u.Scheme == "http") && slices.Contains(standards, u.Host) {
			return ""
		}
		return "(leaves the repository: link only to files in it, or cite a standard listed in internal/docscheck)"
	}
	path, frag, _ := strings.Cut(target, "#")
	dest := file
	if path != "" {
		p, err := url.PathUnescape(path)
		if err != nil {
			return fmt.Sprintf("(bad escape in the path: %v)", err)
		}
		dest = filepath.Join(filepath.Dir(file), filepath.FromSlash(p))
		if r, err := filepath.Rel(root, dest); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return "(points outside the repository)"
		}
		if _, err := os.Stat(dest); err != nil {
			return "(no such file or folder in the repository)"
		}
	}
	if frag == "" {
		return ""
	}
	if !strings.HasSuffix(dest, ".md") {
		return "(an #anchor on a file that is not Markdown)"
	}
	a, err := anchorsOf(dest)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	if !a[frag] {
		return "(no heading with that anchor; GitHub's anchors are the heading in lower case, spaces as '-', punctuation removed)"
	}
	return ""
}

// links returns the targets of the Markdown links and images in text, leaving
// out those inside code blocks and code spans.
func links(text string) []string {
	var out []string
	fence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		line = codeRE.ReplaceAllStringFunc(line, func(span string) string {
			return strings.Repeat("c", len(span)) // keeps "[`x`](y)" a link
		})
		for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// headingAnchors returns the anchors GitHub gives the headings of text,
// duplicates numbered -1, -2 and so on as GitHub does.
func headingAnchors(text string) map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	fence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		m := headingRE.FindStringSubmatch(line)
		if fence || m == nil {
			continue
		}
		a := anchor(m[1])
		if n := seen[a]; n > 0 {
			out[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// anchor is GitHub's anchor for a heading: lower case, letters, digits, '-'
// and '_' kept, spaces turned into '-', everything else removed.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}
