package vrrp

import "testing"

// TestRxBufSum: a socket's buffer is the sum of its instances' shares in
// keepalived's 32-bit int: 0 sets nothing, a wrapped sum goes negative.
func TestRxBufSum(t *testing.T) {
	var s RxBufSum
	s.Add(7000, 0, 1500)
	s.Add(0, 7, 1500)
	if got := s.SockOpt(); got != 17500 {
		t.Errorf("sum %d, want 17500", got)
	}
	var w RxBufSum
	w.Add(1<<32-1, 0, 0)
	w.Add(1<<32-1, 0, 0)
	if got := w.SockOpt(); got != -2 {
		t.Errorf("wrapped sum %d, want -2", got)
	}
}
