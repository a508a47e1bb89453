package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// ErrNoDaemon says nothing listens on the socket: the file is missing or
// no process accepts on it (a daemon that crashed, or never started).
var ErrNoDaemon = errors.New("no daemon is listening")

// Client reads the control socket.
type Client struct {
	path string
	http *http.Client
}

// NewClient returns a client of the socket at path.
func NewClient(path string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives: true,
	}
	return &Client{path: path, http: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// Status fetches the daemon's status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	raw, err := c.StatusRaw(ctx)
	if err != nil {
		return nil, err
	}
	var st Status
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("control %s: decoding status: %w", c.path, err)
	}
	if st.Schema > SchemaVersion {
		return nil, fmt.Errorf("control %s: status schema %d is newer than this client's %d", c.path, st.Schema, SchemaVersion)
	}
	return &st, nil
}

// StatusRaw fetches the status document as the daemon sent it.
func (c *Client) StatusRaw(ctx context.Context) ([]byte, error) {
	// The host part is ignored by the unix dialer.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://keepalived"+StatusPath, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			err = fmt.Errorf("%w: %w", ErrNoDaemon, err)
		}
		return nil, fmt.Errorf("control %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("control %s: %w", c.path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("control %s: %s", c.path, resp.Status)
	}
	return b, nil
}
