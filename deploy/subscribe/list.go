package subscribe

import "context"

// Subscription is a log group whose filter delivers to the raw stream.
type Subscription struct {
	LogGroup string `json:"log_group"`
	Filter   Filter `json:"filter"`
	// Own is true for the pipeline's own log groups: such a subscription
	// loops and should be removed.
	Own bool `json:"own,omitempty"`
}

// List returns the filters of groups that deliver to destinationArn, in
// the order of groups. own names the pipeline's own log groups.
func (m *Manager) List(ctx context.Context, groups []LogGroup, destinationArn string, own []string) ([]Subscription, error) {
	t := Target{OwnLogGroups: own}
	var out []Subscription
	for _, g := range groups {
		if skipClass(g.Class) != "" {
			continue
		}
		fs, _, err := m.filters(ctx, g.Name)
		if err != nil {
			return out, err
		}
		for _, f := range fs {
			if f.DestinationArn == destinationArn {
				out = append(out, Subscription{LogGroup: g.Name, Filter: f, Own: t.own(g.Name)})
			}
		}
	}
	return out, nil
}
