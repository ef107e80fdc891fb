package clicks

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/kite-tracker/kite/internal/model"
)

// Kinds of events on the click stream and in the spool.
const (
	kindClick = "c"  // a new click
	kindLP    = "lp" // the visitor went from the landing to an offer
)

// event is one entry of the click stream, and one line of the spool. The
// click is encoded once (JSON) and carried as is; an LP event carries the
// click too, so the writer can insert it if the LP event overtakes it (e.g.
// the click is still in a spool).
type event struct {
	Kind    string          `json:"k"`
	ID      string          `json:"id"`
	Click   json.RawMessage `json:"c"`
	At      string          `json:"at,omitempty"` // LP click time, RFC 3339 UTC
	OfferID int64           `json:"o,omitempty"`  // offer picked on the landing
}

func clickEvent(c *model.Click) (event, error) {
	b, err := marshalClick(c)
	if err != nil {
		return event{}, fmt.Errorf("encode click %s: %w", c.ID, err)
	}
	return event{Kind: kindClick, ID: c.ID, Click: b}, nil
}

// streamValues is the event as XADD field/value pairs.
func (e event) streamValues() []any {
	v := []any{"k", e.Kind, "id", e.ID, "c", string(e.Click)}
	if e.Kind == kindLP {
		v = append(v, "at", e.At, "o", strconv.FormatInt(e.OfferID, 10))
	}
	return v
}

// eventFromStream decodes XADD values written by streamValues.
func eventFromStream(values map[string]any) (event, error) {
	str := func(k string) string { s, _ := values[k].(string); return s }
	e := event{Kind: str("k"), ID: str("id"), Click: json.RawMessage(str("c")), At: str("at")}
	if o := str("o"); o != "" {
		n, err := strconv.ParseInt(o, 10, 64)
		if err != nil {
			return e, fmt.Errorf("bad offer id %q", o)
		}
		e.OfferID = n
	}
	if e.Kind != kindClick && e.Kind != kindLP || e.ID == "" || len(e.Click) == 0 {
		return e, fmt.Errorf("malformed click stream entry")
	}
	return e, nil
}

// decodeClick decodes the event's click and normalises its creation time.
func (e event) decodeClick() (model.Click, error) {
	var c model.Click
	err := e.decodeInto(&c)
	return c, err
}

// decodeInto is decodeClick into a zero click c, which spares copying a
// click of over a kilobyte per entry.
func (e *event) decodeInto(c *model.Click) error {
	if err := unmarshalClick(e.Click, c); err != nil {
		return fmt.Errorf("decode click %s: %w", e.ID, err)
	}
	normalizeCreatedAt(c)
	return nil
}

// lpTime parses the LP click time of an LP event.
func (e event) lpTime() (time.Time, error) {
	return time.Parse(time.RFC3339Nano, e.At)
}

// uuidTime returns the millisecond timestamp embedded in a UUIDv7 id.
func uuidTime(id string) (time.Time, bool) {
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 7 {
		return time.Time{}, false
	}
	ms := binary.BigEndian.Uint64(u[:8]) >> 16
	return time.UnixMilli(int64(ms)).UTC(), true
}

// normalizeCreatedAt makes created_at a pure function of the click so that
// every writer computes the same (id, created_at) primary key: the time from
// the UUIDv7 id when the caller left it zero, UTC, at the microsecond
// precision Postgres keeps.
func normalizeCreatedAt(c *model.Click) {
	if c.CreatedAt.IsZero() {
		if t, ok := uuidTime(c.ID); ok {
			c.CreatedAt = t
		}
	}
	c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Microsecond)
}

// canonicalID parses a click id in any UUID spelling into its canonical form.
func canonicalID(id string) (string, bool) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", false
	}
	return u.String(), true
}
