package auth

import (
	"context"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// EntityOwnAPIKeys is a caller's own API keys: every active user, ADMIN or
// USER, may list, create and revoke them (a USER can rotate a leaked key
// without asking an admin). Other users' keys stay under EntityUsers.
const EntityOwnAPIKeys = "own_api_keys"

// RevokeOwnAPIKey revokes key id only if it belongs to userID; anyone else's
// key reads as not found, so ids of other users' keys are not confirmed.
func (s *Service) RevokeOwnAPIKey(ctx context.Context, userID, id int64) (*model.APIKey, error) {
	k, err := s.GetAPIKey(ctx, id)
	if err != nil {
		return nil, err
	}
	if k.UserID != userID {
		return nil, catalog.ErrNotFound
	}
	return s.RevokeAPIKey(ctx, id)
}
