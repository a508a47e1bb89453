// Package strerror words errors as C's strerror(3) does, for log lines
// operators grep in keepalived's form ("Network is unreachable").
package strerror

import (
	"errors"
	"strings"
	"syscall"
)

// Text is err's errno in strerror's words when it carries one (Go's
// texts are glibc's, lower-cased), else err's own text.
func Text(err error) string {
	var en syscall.Errno
	if !errors.As(err, &en) {
		return err.Error()
	}
	msg := en.Error()
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
