package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
)

// ErrNoSession means the cookie names no live session (unknown, logged out or idle too long).
var ErrNoSession = errors.New("no session")

// touchEvery limits last_seen_at writes: a busy page must not write a row per request.
const touchEvery = time.Minute

// Sessions keeps logged-in browsers in the sessions table. The cookie holds 32
// random bytes; the table holds only their SHA-256, so a leaked table cannot
// be replayed as cookies.
type Sessions struct {
	st   *store.Store
	idle time.Duration
	now  func() time.Time
}

// randomToken returns n random bytes, URL-safe base64.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionID(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

// Create starts a session for userID and returns the cookie value.
func (s *Sessions) Create(ctx context.Context, userID int64, remoteIP string) (string, *model.Session, error) {
	cookie := randomToken(32)
	now := s.now().UTC()
	sess := &model.Session{
		ID: sessionID(cookie), UserID: userID, CSRFToken: randomToken(32),
		CreatedAt: now, LastSeenAt: now, RemoteIP: remoteIP,
	}
	if err := s.st.DB.WithContext(ctx).Create(sess).Error; err != nil {
		return "", nil, err
	}
	return cookie, sess, nil
}

// Lookup returns the live session of cookie. An idle session is deleted and
// reported as ErrNoSession.
func (s *Sessions) Lookup(ctx context.Context, cookie string) (*model.Session, error) {
	if cookie == "" {
		return nil, ErrNoSession
	}
	var sess model.Session
	err := s.st.DB.WithContext(ctx).Where("id = ?", sessionID(cookie)).Take(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if now.Sub(sess.LastSeenAt) > s.idle {
		_ = s.delete(ctx, sess.ID)
		return nil, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		sess.LastSeenAt = now
		err = s.st.DB.WithContext(ctx).Model(&model.Session{}).Where("id = ?", sess.ID).
			Update("last_seen_at", now).Error
		if err != nil {
			return nil, err
		}
	}
	return &sess, nil
}

// Delete ends the session of cookie (logout); an unknown cookie is not an error.
func (s *Sessions) Delete(ctx context.Context, cookie string) error {
	if cookie == "" {
		return nil
	}
	return s.delete(ctx, sessionID(cookie))
}

func (s *Sessions) delete(ctx context.Context, id string) error {
	return s.st.DB.WithContext(ctx).Where("id = ?", id).Delete(&model.Session{}).Error
}

// DeleteOthers ends every session of userID except keepID: after a password
// change, a stolen session must not survive.
func (s *Sessions) DeleteOthers(ctx context.Context, userID int64, keepID string) error {
	return s.st.DB.WithContext(ctx).Where("user_id = ? AND id <> ?", userID, keepID).
		Delete(&model.Session{}).Error
}

// Sweep removes sessions idle past the timeout; called at login so the table
// does not grow without a background job.
func (s *Sessions) Sweep(ctx context.Context) error {
	cutoff := s.now().UTC().Add(-s.idle)
	return s.st.DB.WithContext(ctx).Where("last_seen_at < ?", cutoff).Delete(&model.Session{}).Error
}
