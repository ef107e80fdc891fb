package catalog

import (
	"context"
	"strings"

	"github.com/kite-tracker/kite/internal/model"
)

// MaxSearch bounds a search query and the rows a search returns.
const (
	MaxSearch        = 255
	maxSearchResults = 500
)

// ListDeletedStreams returns every soft-deleted stream, of any campaign
// (Keitaro's /streams/deleted), newest change first.
func (c *Catalog) ListDeletedStreams(ctx context.Context) ([]model.Stream, error) {
	var out []model.Stream
	err := preloadStream(c.db(ctx)).Where("state = ?", model.StateDeleted).
		Order("updated_at DESC, id DESC").Find(&out).Error
	return out, err
}

// SearchStreams finds streams that are not deleted whose name, or whose
// action payload (a redirect URL, a campaign, a text), contains query,
// ignoring case (Keitaro's /streams/search).
func (c *Catalog) SearchStreams(ctx context.Context, query string) ([]model.Stream, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, Invalid("query", "is required")
	}
	if len([]rune(query)) > MaxSearch {
		return nil, Invalid("query", "is longer than 255 characters")
	}
	like := "%" + likeEscaper.Replace(strings.ToLower(query)) + "%"
	var out []model.Stream
	err := preloadStream(c.db(ctx)).
		Where(`state <> ? AND (LOWER(name) LIKE ? ESCAPE '\' OR LOWER(action_payload) LIKE ? ESCAPE '\')`,
			model.StateDeleted, like, like).
		Order("campaign_id, position, id").Limit(maxSearchResults).Find(&out).Error
	return out, err
}

// likeEscaper makes a user's text match literally inside a LIKE pattern.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
