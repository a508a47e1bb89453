package probe

import "testing"

// TestSteppedSameVerdicts runs the HTTP_GET and TCP_CHECK tests again with
// the checks driven as steps on an epoll loop, as the engine runs them.
func TestSteppedSameVerdicts(t *testing.T) {
	steppedMode = true
	defer func() { steppedMode = false }()
	t.Run("HTTP", TestHTTP)
	t.Run("SeveralURLs", TestHTTPSeveralURLs)
	t.Run("Stalls", TestHTTPStalls)
	t.Run("FullBacklog", TestHTTPFullBacklog)
	t.Run("TCP", TestTCP)
}
