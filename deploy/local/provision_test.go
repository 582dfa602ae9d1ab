package local

import (
	"context"
	"errors"
	"testing"
)

// TestProvisionNeedsRoleInRealAWS: in a real account (no stand-in
// endpoint), Provision refuses to subscribe log groups without an explicit
// subscription role, before any call (the clients are nil here).
func TestProvisionNeedsRoleInRealAWS(t *testing.T) {
	a := &AWS{}
	if _, err := a.Provision(context.Background(), Spec{LogGroups: []string{"/aws/lambda/x"}}); !errors.Is(err, ErrNoSubscriptionRole) {
		t.Fatalf("err %v, want ErrNoSubscriptionRole", err)
	}
	if _, err := Start(context.Background(), Config{Dir: t.TempDir(), RealAWS: true}); !errors.Is(err, ErrNoSubscriptionRole) {
		t.Fatalf("Start: err %v, want ErrNoSubscriptionRole", err)
	}
}
