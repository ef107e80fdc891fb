package conversion

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

// TestRefusalLoggedAfterOutage: a postback refused while its log line
// cannot be written (the table is away, as during an outage) is still
// answered 403, and its line is written, with its own time and reason,
// once the database takes it again.
func TestRefusalLoggedAfterOutage(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if _, err := f.svc.cfg.get(ctx); err != nil { // the keys are known before the outage
		t.Fatal(err)
	}
	mustExec := func(q string) {
		t.Helper()
		if err := f.st.DB.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	mustExec("ALTER TABLE received_postbacks RENAME TO received_postbacks_away")
	c := f.click(true)
	code, _ := f.do(http.MethodGet, fmt.Sprintf("/wrong-key/postback?subid=%s&status=lead", c.ID), "", "", "")
	if code != http.StatusForbidden {
		t.Fatalf("wrong key during the outage: %d, want 403", code)
	}
	f.svc.writeUnlogged(ctx) // still away: the line keeps waiting
	if n := len(f.svc.unlogged.lines); n != 1 {
		t.Fatalf("%d lines waiting, want 1", n)
	}
	mustExec("ALTER TABLE received_postbacks_away RENAME TO received_postbacks")
	f.svc.writeUnlogged(ctx)
	var lines []model.ReceivedPostback
	f.st.DB.Where("click_id = ?", c.ID).Find(&lines)
	if len(lines) != 1 || lines[0].Outcome != model.PostbackRejected || lines[0].HTTPStatus != http.StatusForbidden ||
		lines[0].Reason != "invalid postback key" || lines[0].ReceivedAt.IsZero() {
		t.Fatalf("log after the outage: %+v, want the one refusal", lines)
	}
	if n := len(f.svc.unlogged.lines); n != 0 {
		t.Errorf("%d lines still waiting", n)
	}
}

// TestUnloggedBounded: past the cap, lines are counted and dropped, and a
// failed write puts them back ahead of newer ones, within the cap.
func TestUnloggedBounded(t *testing.T) {
	var u unloggedLines
	for i := range unloggedCap + 5 {
		u.keep(&model.ReceivedPostback{ClickID: fmt.Sprint(i)})
	}
	if len(u.lines) != unloggedCap || u.dropped != 5 {
		t.Fatalf("kept %d, dropped %d", len(u.lines), u.dropped)
	}
	old := u.take()
	u.keep(&model.ReceivedPostback{ClickID: "new"})
	u.putBack(old)
	if len(u.lines) != unloggedCap || u.lines[0].ClickID != "0" || u.dropped != 6 {
		t.Errorf("after put back: %d lines, first %q, dropped %d", len(u.lines), u.lines[0].ClickID, u.dropped)
	}
}
