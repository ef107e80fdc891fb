package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kite-tracker/kite/internal/model"
)

const chromiumPath = "/usr/bin/chromium"

// browserCtx starts headless Chromium, or skips the test when it is not
// installed (unless KITE_TEST_REQUIRE_BROWSER=1).
func browserCtx(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("KITE_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatalf("KITE_TEST_REQUIRE_BROWSER=1 but %s is missing", chromiumPath)
		}
		t.Skip("chromium not installed")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1400, 1000))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// artifacts is test-artifacts/ at the repository root (gitignored).
func artifacts(t *testing.T) string {
	dir := filepath.Join("..", "..", "..", "test-artifacts", "ui")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, t)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	})
}

// evaluate runs a script for its effect.
func evaluate(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](js)(ctx, t)
		return err
	})
}

// TestBrowserBuyerFlow drives the UI in Chromium: log in, create an affiliate
// network, an offer, a traffic source (from a preset) and a campaign with two
// streams, one with a country filter typed into the picker; screenshots of
// each main page go to test-artifacts/ui/.
func TestBrowserBuyerFlow(t *testing.T) {
	ctx := browserCtx(t)
	en := newEnv(t, withFakes)
	en.user("admin", model.UserTypeAdmin, model.AccessData{})
	srv := httptest.NewServer(en.e)
	defer srv.Close()
	base, dir := srv.URL+"/admin", artifacts(t)
	problems := watchConsole(t, ctx)

	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	run("login",
		chromedp.Navigate(base+"/login"), screenshot(dir, "01-login"),
		chromedp.SendKeys("#login", "admin"), chromedp.SendKeys("#password", "password123"),
		chromedp.Click(`button[type=submit].primary`), chromedp.WaitVisible(`.kpis`), screenshot(dir, "02-dashboard"))
	run("network",
		chromedp.Navigate(base+"/affiliate_networks/new?preset=ClickDealer"), chromedp.WaitVisible(`#f-name`),
		chromedp.Click(`form[method=post] button.primary`), chromedp.WaitVisible(`#panel-0`), screenshot(dir, "03-network"))
	run("offer",
		chromedp.Navigate(base+"/offers/new"), chromedp.SendKeys("#f-name", "Browser offer"),
		chromedp.SendKeys("#f-action_payload", "https://offer.example/?s={subid}"), chromedp.SendKeys("#f-payout_value", "3"),
		chromedp.SetValue("#f-affiliate_network_id", "1"),
		chromedp.Click(`form[method=post] button.primary`), chromedp.WaitVisible(`.flash`), screenshot(dir, "04-offer"))
	run("traffic source",
		chromedp.Navigate(base+"/traffic_sources/new?preset=PropellerAds"),
		chromedp.WaitVisible(`//div[contains(@class,'json-editor')]//input[@aria-label="Source's query name"]`),
		chromedp.Click(`form[method=post] button.primary`), chromedp.WaitVisible(`.flash`), screenshot(dir, "05-source"))
	run("campaign",
		chromedp.Navigate(base+"/campaigns/new"), chromedp.SendKeys("#f-name", "Browser campaign"),
		chromedp.SendKeys("#f-alias", "browser"), chromedp.SetValue("#f-traffic_source_id", "1"),
		chromedp.Click(`//button[text()="Add postback"]`),
		chromedp.SendKeys(`//div[contains(@class,'json-editor')]//input[@aria-label="URL"]`, "https://ts.example/pb?c={external_id}"),
		chromedp.Click(`form[method=post] button.primary`), chromedp.WaitVisible(`#tracking-link`))
	link, err := chromedp.Run(ctx, chromedp.Value("#tracking-link"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(link, "/browser?") || !strings.Contains(link, "${SUBID}") {
		t.Errorf("tracking link %q lacks the source's parameters", link)
	}
	addStream := func(name, typ string, withCountry bool) {
		t.Helper()
		actions := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/campaigns/1/streams/new"), chromedp.WaitVisible(`#f-name`),
			chromedp.SendKeys("#f-name", name), chromedp.SetValue("#f-type", typ),
		}
		if withCountry {
			actions = append(actions,
				chromedp.SetValue(`select[x-ref=newFilter]`, "country"),
				chromedp.Click(`//button[text()="Add filter"]`), chromedp.WaitVisible(`input[list=countries]`),
				evaluate(`(() => { const i = document.querySelector('input[list=countries]'); i.value = 'US'; i.dispatchEvent(new Event('change')); })()`),
				chromedp.WaitVisible(`//div[contains(@class,'chips')]//span[text()="US"]`))
		}
		actions = append(actions, chromedp.Click(`//button[text()="Add offer"]`), screenshot(dir, "06-stream-"+typ),
			chromedp.Click(`form[method=post] .actions button.primary`), chromedp.WaitVisible(`ol.streams`))
		run("stream "+name, actions...)
	}
	addStream("US only", "regular", true)
	addStream("Everyone", "default", false)
	run("campaign page", screenshot(dir, "07-campaign"))

	camp, err := en.cat.GetCampaign(t.Context(), 1)
	if err != nil || len(camp.Postbacks) != 1 || camp.Postbacks[0].URL != "https://ts.example/pb?c={external_id}" {
		t.Errorf("campaign S2S postback from the table editor: %+v %v", camp, err)
	}
	src, err := en.cat.GetTrafficSource(t.Context(), 1)
	if err != nil || !strings.Contains(string(src.Parameters), "${zoneid}") {
		t.Errorf("source parameters from the preset: %v %v", src, err)
	}
	streams, err := en.cat.ListStreams(t.Context(), 1, "")
	if err != nil || len(streams) != 2 {
		t.Fatalf("streams: %v %d", err, len(streams))
	}
	if len(streams[0].Filters) != 1 || streams[0].Filters[0].Name != "country" || string(streams[0].Filters[0].Payload) != `["US"]` {
		t.Errorf("country filter not saved from the picker: %+v", streams[0].Filters)
	}
	if len(streams[0].Offers) != 1 || len(streams[1].Offers) != 1 {
		t.Errorf("offers not attached: %+v / %+v", streams[0].Offers, streams[1].Offers)
	}
	scheduleGrid(t, ctx, base, dir, en)
	run("reorder streams", chromedp.Navigate(base+"/campaigns/1"), chromedp.WaitVisible(`ol.streams li`),
		evaluate(`document.querySelector('ol.streams li').dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', altKey: true, bubbles: true}))`),
		chromedp.Click(`//button[text()="Save order"]`), chromedp.WaitVisible(`.flash`),
		// htmx under the CSP: the "test a visitor" panel swaps in the verdict.
		chromedp.SendKeys("#sim-ip", "203.0.113.7"), chromedp.Click(`//button[text()="Test"]`),
		chromedp.WaitVisible(`#simulate-result .flash`))
	if streams, err := en.cat.ListStreams(t.Context(), 1, ""); err != nil || len(streams) != 3 ||
		streams[0].Name != "Everyone" || streams[1].Name != "US only" || streams[2].Name != "Office hours" {
		t.Errorf("order after Alt+Down on the first stream: %v %+v", err, streams)
	}
	run("dark theme", chromedp.Navigate(base+"/campaigns/1"), chromedp.WaitVisible(`#theme-toggle`),
		chromedp.Click(`#theme-toggle`), chromedp.WaitVisible(`html[data-theme=dark]`), screenshot(dir, "08-campaign-dark"),
		chromedp.Navigate(base+"/"), chromedp.WaitVisible(`html[data-theme=dark]`), screenshot(dir, "09-dashboard-dark"),
		chromedp.Click(`#theme-toggle`), chromedp.Click(`#theme-toggle`), chromedp.WaitVisible(`html[data-theme=auto]`))
	for i, page := range []string{"campaigns", "offers", "landings", "affiliate_networks", "traffic_sources", "reports",
		"logs/clicks", "logs/s2s", "users", "settings"} {
		run(page, chromedp.Navigate(base+"/"+page), chromedp.WaitVisible(`main h1`),
			screenshot(dir, "1"+string(rune('0'+i))+"-"+strings.ReplaceAll(page, "/", "-")))
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported errors (CSP violations, Alpine expressions): %s", strings.Join(p, "\n"))
	}
}

// watchConsole collects console errors and warnings, uncaught exceptions and
// browser log errors (CSP violations land there); the returned func lists them.
func watchConsole(t *testing.T, ctx context.Context) func() []string {
	var mu sync.Mutex
	var seen []string
	add := func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				add("console " + string(e.Type) + ": " + strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			add("exception: " + e.ExceptionDetails.Text + " " + exceptionText(e.ExceptionDetails))
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				add("log " + string(e.Entry.Source) + ": " + e.Entry.Text + " " + e.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

// scheduleGrid adds a stream with a schedule filter and paints the week grid
// with the mouse: Sunday switched on by its label, Monday 09-12 dragged off.
func scheduleGrid(t *testing.T, ctx context.Context, base, dir string, en *env) {
	t.Helper()
	cell := func(row, hour int) string {
		return fmt.Sprintf(`document.querySelectorAll('table.week tbody tr')[%d].querySelectorAll('td')[%d]`, row, hour)
	}
	mouse := func(kind, target string) string {
		return fmt.Sprintf(`%s.dispatchEvent(new MouseEvent(%q, {bubbles: %v}));`, target, kind, kind != "mouseenter")
	}
	paint := "(() => {" + mouse("mousedown", cell(0, 9)) + mouse("mouseenter", cell(0, 10)) + mouse("mouseenter", cell(0, 11)) +
		mouse("mouseup", "document") + "})()"
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/campaigns/1/streams/new"), chromedp.WaitVisible(`#f-name`),
		chromedp.SendKeys("#f-name", "Office hours"),
		chromedp.SetValue(`select[x-ref=newFilter]`, "schedule"),
		chromedp.Click(`//button[text()="Add filter"]`), chromedp.WaitVisible(`table.week`),
		chromedp.Click(`//table[contains(@class,'week')]//th[text()="Sun"]`),
		evaluate(paint), screenshot(dir, "06-stream-schedule"),
		chromedp.Click(`form[method=post] .actions button.primary`), chromedp.WaitVisible(`ol.streams`))
	if err != nil {
		t.Fatalf("schedule stream: %v", err)
	}
	streams, err := en.cat.ListStreams(t.Context(), 1, "")
	if err != nil || len(streams) != 3 || len(streams[2].Filters) != 1 {
		t.Fatalf("schedule stream not stored: %v %+v", err, streams)
	}
	f := streams[2].Filters[0]
	var got struct {
		Timezone string `json:"timezone"`
		Days     []struct {
			Day      int
			From, To string
		} `json:"days"`
	}
	if err := json.Unmarshal([]byte(f.Payload), &got); err != nil {
		t.Fatalf("schedule payload %s: %v", f.Payload, err)
	}
	want := []string{"0 00:00-24:00", "1 12:00-18:00", "2 09:00-18:00", "3 09:00-18:00", "4 09:00-18:00", "5 09:00-18:00"}
	var have []string
	for _, d := range got.Days {
		have = append(have, fmt.Sprintf("%d %s-%s", d.Day, d.From, d.To))
	}
	sort.Strings(have)
	if f.Name != "schedule" || got.Timezone != "UTC" || strings.Join(have, ",") != strings.Join(want, ",") {
		t.Errorf("schedule saved as %s, want windows %v", f.Payload, want)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/streams/"+itoa64(streams[2].ID)), chromedp.WaitVisible(`table.week`)); err != nil {
		t.Fatal(err)
	}
	on, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.week td.on').length`))
	if err != nil || on != 24+6+4*9 {
		t.Errorf("the stored schedule reopens with %d hours on (want %d): %v", on, 24+6+4*9, err)
	}
}
