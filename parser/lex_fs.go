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

// streamMin is the size from which a file is read a block at a time
// instead of whole: a 200 MB configuration then costs a few blocks of
// memory, not the file (keepalived reads line by line). Smaller files
// hold no descriptor, so 1 000 nested includes stay within ulimit -n.
const streamMin = 1 << 20

// opener is a fileSystem that can also stream a file (hostFS).
type opener interface {
	Open(name string) (io.ReadCloser, error)
}

// Open opens name for streaming, reading at most maxFileSize bytes.
func (hostFS) Open(name string) (io.ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return limitedFile{io.LimitReader(f, maxFileSize), f}, nil
}

type limitedFile struct {
	io.Reader
	io.Closer
}

// openSrc opens the regular file full of the given size as a source.
func (lx *lexer) openSrc(full string, size int64) (*srcFile, error) {
	if size > maxFileSize {
		return nil, fmt.Errorf("%s: %w", full, errTooLarge)
	}
	if o, ok := lx.c.fsys().(opener); ok && size >= streamMin {
		r, err := o.Open(full)
		if err != nil {
			return nil, err
		}
		return &srcFile{src: r}, nil
	}
	data, err := lx.c.fsys().ReadFile(full)
	if err != nil {
		return nil, err
	}
	return &srcFile{text: string(data)}, nil
}

// closeFiles releases the streamed files still open when a pass stops
// early (an aborted parse, the line limit).
func (lx *lexer) closeFiles() {
	for _, g := range lx.stack {
		if g.cur != nil {
			g.cur.close()
		}
	}
}

// fsys is the file system of this parse.
func (c *ctx) fsys() fileSystem {
	if c.Opts != nil && c.Opts.fs != nil {
		return c.Opts.fs
	}
	return hostFS{}
}
