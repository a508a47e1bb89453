package parser

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// fileSystem is what the lexer touches to expand and read includes.
// Tests and the fuzzer substitute a jail so that an include line (possibly
// built from fuzzed definitions) cannot read the host's /proc or /dev.
type fileSystem interface {
	Stat(name string) (fs.FileInfo, error)
	Lstat(name string) (fs.FileInfo, error)
	ReadDir(name string) ([]fs.DirEntry, error)
	ReadFile(name string) ([]byte, error)
}

// Bounds that keepalived does not have (it would read or expand until it
// runs out of time or memory); they only matter for hostile input.
const (
	// maxFileSize is far above any real configuration (the 10 000
	// virtual server benchmark file is ~12 MB) and stops an include of
	// something like /proc/kcore.
	maxFileSize = 256 << 20
	// maxGlobAlternatives bounds brace expansion: "{a,b}" repeated n
	// times has 2^n alternatives.
	maxGlobAlternatives = 4096
)

var errTooLarge = errors.New("file larger than 256 MiB")

type hostFS struct{}

func (hostFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (hostFS) Lstat(name string) (fs.FileInfo, error)     { return os.Lstat(name) }
func (hostFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// ReadFile reads at most maxFileSize bytes; /proc files report size 0, so
// the size is checked while reading, not from Stat.
func (hostFS) ReadFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s: %w", name, errTooLarge)
	}
	return data, nil
}

// fsys is the file system of this parse.
func (c *ctx) fsys() fileSystem {
	if c.Opts != nil && c.Opts.fs != nil {
		return c.Opts.fs
	}
	return hostFS{}
}
