// Command genwasm builds the browser app's WebAssembly binary (web/wasm) and
// writes it gzip-compressed, with a deterministic gzip header (no name, no
// time), beside the web package's other embedded files, together with the
// Go toolchain's wasm_exec.js that the binary needs. Run it through
// `go generate ./web`; the same toolchain and sources give the same bytes.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", ".", "directory to write ferry.wasm.gz and wasm_exec.js into")
	flag.Parse()
	if err := run(context.Background(), *out); err != nil {
		fmt.Fprintln(os.Stderr, "genwasm:", err)
		os.Exit(1)
	}
}

// run builds ./wasm (relative to the web package, the working directory of
// go generate) into dir.
func run(ctx context.Context, dir string) error {
	tmp, err := os.MkdirTemp("", "ferry-wasm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	raw := filepath.Join(tmp, "ferry.wasm")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", raw, "./wasm")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the wasm binary: %w", err)
	}
	bin, err := os.ReadFile(raw)
	if err != nil {
		return err
	}
	gz, err := compress(bin)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ferry.wasm.gz"), gz, 0o644); err != nil {
		return err
	}
	execJS, err := wasmExec(ctx)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "wasm_exec.js"), execJS, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "genwasm: ferry.wasm %d bytes, %d gzipped\n", len(bin), len(gz))
	return nil
}

// compress gzips b at the best level with an empty header: no name, no
// modification time, so that the bytes depend on b alone.
func compress(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// wasmExec reads the toolchain's wasm_exec.js (lib/wasm since Go 1.24,
// misc/wasm before).
func wasmExec(ctx context.Context) ([]byte, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOROOT: %w", err)
	}
	root := strings.TrimSpace(string(out))
	for _, p := range []string{"lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js"} {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no wasm_exec.js under %s", root)
}
