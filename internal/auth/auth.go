// Package auth decides who is calling and what they may do: users with
// bcrypt-hashed passwords, API keys stored as SHA-256 hashes, the one access
// check (Can) used by the UI and the admin API alike, and first-start bootstrap.
package auth

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
)

// ErrInvalidCredentials is a wrong login, password or API key (401).
var ErrInvalidCredentials = errors.New("invalid credentials")

// PasswordCost is the bcrypt cost of stored passwords.
const PasswordCost = 10

// keyCacheTTL bounds how long another node may keep honouring a key revoked
// elsewhere; on this node a revoke drops the cache entry at once.
const keyCacheTTL = 30 * time.Second

// Service manages users and API keys. It is safe for concurrent use.
type Service struct {
	st  *store.Store
	log *slog.Logger

	mu    sync.Mutex
	cache map[string]cachedKey // key hash -> user
}

type cachedKey struct {
	keyID   int64
	user    model.User
	expires time.Time
}

// New returns a Service over st.
func New(st *store.Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{st: st, log: log, cache: map[string]cachedKey{}}
}

func (s *Service) db(ctx context.Context) *gorm.DB { return s.st.DB.WithContext(ctx) }

// forget drops cached keys: all of them when keyID is 0 (a user changed).
func (s *Service) forget(keyID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, c := range s.cache {
		if keyID == 0 || c.keyID == keyID {
			delete(s.cache, h)
		}
	}
}

var loginRe = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,64}$`)

// accessTypes are the values of UserAccessData's *_access_type fields.
var accessTypes = []string{"", model.AccessFull, model.AccessReadOnly, model.AccessSelected, model.AccessOwnGroups}

func mapErr(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return catalog.ErrNotFound
	}
	return err
}
