package svc

import (
	"context"
	"net"
	"time"
)

// startTimeout bounds how long a server may take to become ready when the
// caller's context has no earlier deadline.
const startTimeout = 60 * time.Second

// launch starts a server with start and waits until ready succeeds. If
// retryPorts is set (start picks its ports itself, anew on each call) and the
// server died because another process took its port, it tries again.
func launch(ctx context.Context, what string, retryPorts bool, start func() (*process, error), ready func(context.Context) error) (*process, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		p, err := start()
		if err != nil {
			return nil, err
		}
		err = p.waitReady(ctx, what, ready)
		if err == nil {
			return p, nil
		}
		p.stop()
		if !retryPorts || attempt == 3 || !p.bindFailed() {
			return nil, err
		}
	}
}

// dial is a readiness check: addr accepts TCP connections.
func dial(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}
