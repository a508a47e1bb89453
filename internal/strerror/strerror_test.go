package strerror

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestText(t *testing.T) {
	for err, want := range map[error]string{
		os.NewSyscallError("sendto", syscall.ENETUNREACH): "Network is unreachable",
		fmt.Errorf("write: %w", syscall.ENOENT):           "No such file or directory",
		errors.New("not an errno"):                        "not an errno",
	} {
		if got := Text(err); got != want {
			t.Errorf("Text(%v) = %q, want %q", err, got, want)
		}
	}
}
