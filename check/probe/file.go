package probe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// File is FILE_CHECK on a track_file: the file holds an integer (missing or
// unreadable counts as 0, keepalived's rule). With Weight 0, a non-zero value
// is a failure (zero with Reverse). Otherwise value × Weight (negated with
// Reverse) is added to the real server's weight; only a product at or below
// -2^31 is a failure.
type File struct {
	Path    string
	Weight  int64
	Reverse bool
}

// Check implements Prober.
func (f *File) Check(context.Context) Result {
	v, err := readTrackFile(f.Path)
	if err != nil {
		return fail(err)
	}
	if f.Weight == 0 {
		if (v != 0) != f.Reverse {
			return fail(fmt.Errorf("track file %s: value %d", f.Path, v))
		}
		return Result{}
	}
	w := v * f.Weight
	if f.Reverse {
		w = -w
	}
	if w <= math.MinInt32 {
		return fail(fmt.Errorf("track file %s: value %d × weight %d is a fault", f.Path, v, f.Weight))
	}
	if w > math.MaxInt32 {
		w = math.MaxInt32
	}
	return Result{Mode: WeightRelative, Weight: w}
}

// readTrackFile parses like strtol(buf, NULL, 0): leading blanks, optional
// sign, 0x/0 prefixes, and whatever follows the number ignored.
func readTrackFile(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, nil
		}
		return 0, fmt.Errorf("track file %s: %w", path, err)
	}
	if len(b) > 127 {
		b = b[:127]
	}
	s := strings.TrimLeft(string(b), " \t\n\r\v\f")
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	base := 10
	switch {
	case strings.HasPrefix(s[end:], "0x") || strings.HasPrefix(s[end:], "0X"):
		base = 16
		end += 2
	case strings.HasPrefix(s[end:], "0"):
		base = 8
	}
	start := end
	for end < len(s) && isDigit(s[end], base) {
		end++
	}
	if end == start {
		return 0, nil
	}
	digits := s[start:end]
	v, err := strconv.ParseInt(digits, base, 64)
	if err != nil || v > math.MaxInt32+1 {
		return 0, fmt.Errorf("track file %s: invalid number %q", path, s[:end])
	}
	if s[0] == '-' {
		v = -v
	}
	return v, nil
}

func isDigit(c byte, base int) bool {
	switch {
	case c >= '0' && c <= '7':
		return true
	case c == '8' || c == '9':
		return base >= 10
	case base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'):
		return true
	}
	return false
}

// TrackFileValue is the value keepalived's checker process holds for a
// track file (its last_status): the file read as FILE_CHECK reads it, 0
// when it is missing or unreadable.
func TrackFileValue(path string) int64 {
	v, err := readTrackFile(path)
	if err != nil {
		return 0
	}
	return v
}
