package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// bxChromium is Debian's Chromium; the test skips without it unless
// KITE_TEST_REQUIRE_BROWSER=1.
const bxChromium = "/usr/bin/chromium"

// bxWait bounds each asynchronous step (the click writer, the conversion
// pipeline, the S2S worker) on a slow, shared machine.
const bxWait = 25 * time.Second

// bxStepTimeout bounds one browser step, so a selector that never shows
// fails the test in seconds instead of at the browser's ceiling.
const bxStepTimeout = 30 * time.Second

// bxUserAgent is an ordinary desktop Chrome: Headless Chrome's own user agent
// would make the visitor a bot.
const bxUserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"

var bxClickID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// bxReceiver stands in for the offer page and the traffic source's S2S
// endpoint on 127.0.0.1; it remembers the query of every hit, per path.
type bxReceiver struct {
	mu   sync.Mutex
	hits map[string][]url.Values
}

func (r *bxReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.hits[req.URL.Path] = append(r.hits[req.URL.Path], req.URL.Query())
	r.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><title>receiver</title><h1 id=receiver>%s</h1>", req.URL.Path)
}

func (r *bxReceiver) got(path string) []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]url.Values(nil), r.hits[path]...)
}

// bxRun drives one browser tab against one node and saves a screenshot per step.
type bxRun struct {
	t    *testing.T
	ctx  context.Context
	base string // the node, e.g. http://127.0.0.1:1234
	dir  string // test-artifacts/e2e
}

// TestBrowserClickToConversion is the buyer's whole loop in Chromium against
// a real node: log in; create an affiliate network, an offer, a traffic
// source with an S2S postback to a local receiver and a campaign with a
// US-only stream and a default one; check in "test a visitor" that the
// routing snapshot has them; open the tracking link in the tab (the visitor
// is 127.0.0.1, so the default stream) and take the click id from the offer
// URL; see the click in the clicks log; fire the network's postback; see the
// conversion and revenue in the report and the S2S attempt in the sent log;
// the receiver got exactly one S2S hit.
func TestBrowserClickToConversion(t *testing.T) {
	rcv := &bxReceiver{hits: map[string][]url.Values{}}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	cfg := testConfig(t)
	cfg.Admin.Password = "browser-e2e-pass"
	base, _ := startNode(t, cfg)
	b := &bxRun{t: t, ctx: bxBrowser(t), base: base, dir: bxArtifacts(t)}

	b.login(cfg.Admin.Login, cfg.Admin.Password)
	networkID := b.create("01-network", "affiliate_networks", `#panel-0`, chromedp.SendKeys("#f-name", "E2E network"))
	offerID := b.create("02-offer", "offers", `.flash`,
		chromedp.SendKeys("#f-name", "E2E offer"),
		chromedp.SendKeys("#f-action_payload", srv.URL+"/offer?s={subid}"),
		chromedp.SendKeys("#f-payout_value", "7.5"), chromedp.SendKeys("#f-payout_currency", "USD"),
		chromedp.SetValue("#f-affiliate_network_id", networkID))
	sourceID := b.create("03-source", "traffic_sources", `.flash`,
		chromedp.SendKeys("#f-name", "E2E source"),
		chromedp.SendKeys("#f-postback_url", srv.URL+"/s2s?click={subid}&st={status}&p={payout}"),
		chromedp.SendKeys("#f-postback_statuses", "sale"))
	campaignID := b.create("04-campaign", "campaigns", `#tracking-link`,
		chromedp.SendKeys("#f-name", "E2E campaign"), chromedp.SendKeys("#f-alias", "e2e-browser"),
		chromedp.SetValue("#f-traffic_source_id", sourceID))
	t.Logf("network %s, offer %s, source %s, campaign %s", networkID, offerID, sourceID, campaignID)

	b.addStream(campaignID, "US only", "regular", true)
	defaultStream := b.addStream(campaignID, "Everyone", "default", false)
	link := b.trackingLink(campaignID)

	clickID := b.click(link, srv.URL+"/offer")
	b.seeClick(clickID, defaultStream)
	b.postback(cfg.PostbackKey, clickID)
	b.seeReport("E2E campaign")
	b.seeSentPostback(srv.URL + "/s2s?click=" + clickID)

	if offers := rcv.got("/offer"); len(offers) != 1 || offers[0].Get("s") != clickID {
		t.Errorf("offer page hits %v, want one carrying %s", offers, clickID)
	}
	hits := rcv.got("/s2s")
	if len(hits) != 1 || hits[0].Get("click") != clickID || hits[0].Get("st") != "sale" || hits[0].Get("p") != "7.5" {
		t.Fatalf("S2S hits %v, want exactly one for the sale of %s with payout 7.5", hits, clickID)
	}
}

// bxBrowser starts headless Chromium with a fresh profile.
func bxBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(bxChromium); err != nil {
		if os.Getenv("KITE_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatalf("KITE_TEST_REQUIRE_BROWSER=1 but %s is missing", bxChromium)
		}
		t.Skip("chromium not installed")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bxChromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.UserAgent(bxUserAgent), chromedp.WindowSize(1400, 1000))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	// A ceiling well above the expected ~20 s, so a hang fails instead of blocking.
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	// Start the browser on this context: the first run binds the browser's
	// life to its context, and every step runs under a shorter-lived child.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// bxArtifacts is test-artifacts/e2e at the repository root (gitignored).
func bxArtifacts(t *testing.T) string {
	dir := filepath.Join("..", "..", "test-artifacts", "e2e")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// do runs actions, then saves the page as name.png.
func (b *bxRun) do(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, bxStepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
	b.screenshot(name)
}

func (b *bxRun) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(filepath.Join(b.dir, name+".png"), png, 0o644)
	}
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

// location is the tab's current URL.
func (b *bxRun) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

// eval runs a script and returns its string result.
func (b *bxRun) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

func (b *bxRun) login(login, password string) {
	b.t.Helper()
	b.do("00-login", chromedp.Navigate(b.base+"/admin/login"), chromedp.WaitVisible(`#login`),
		chromedp.SendKeys("#login", login), chromedp.SendKeys("#password", password),
		chromedp.Click(`button[type=submit].primary`), chromedp.WaitVisible(`.kpis`))
}

// create fills the new-object form of an admin list, submits it, waits for
// done on the page it lands on and returns the new object's id from the URL.
func (b *bxRun) create(name, list, done string, fill ...chromedp.Action[chromedp.Void]) string {
	b.t.Helper()
	steps := append([]chromedp.Action[chromedp.Void]{
		chromedp.Navigate(b.base + "/admin/" + list + "/new"), chromedp.WaitVisible(`#f-name`)}, fill...)
	steps = append(steps, chromedp.Click(`form[method=post] .actions button.primary`), chromedp.WaitVisible(done))
	b.do(name, steps...)
	loc, err := url.Parse(b.location())
	if err != nil || path.Dir(loc.Path) != "/admin/"+list {
		b.t.Fatalf("%s: landed on %s, want /admin/%s/{id} (form errors: %q)", name, loc, list,
			b.eval(`Array.from(document.querySelectorAll('.error')).map(e => e.textContent).join(' | ')`))
	}
	return path.Base(loc.Path)
}

// addStream adds a stream to the campaign (with an accept-US country filter
// picked from the list when withCountry) and returns its id.
func (b *bxRun) addStream(campaignID, name, typ string, withCountry bool) string {
	b.t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(b.base + "/admin/campaigns/" + campaignID + "/streams/new"), chromedp.WaitVisible(`#f-name`),
		chromedp.SendKeys("#f-name", name), chromedp.SetValue("#f-type", typ),
	}
	if withCountry {
		steps = append(steps,
			chromedp.SetValue(`select[x-ref=newFilter]`, "country"),
			chromedp.Click(`//button[text()="Add filter"]`), chromedp.WaitVisible(`input[list=countries]`),
			bxScript(`(() => { const i = document.querySelector('input[list=countries]'); i.value = 'US'; i.dispatchEvent(new Event('change')); })()`),
			chromedp.WaitVisible(`//div[contains(@class,'chips')]//span[text()="US"]`))
	}
	steps = append(steps, chromedp.Click(`//button[text()="Add offer"]`),
		chromedp.Click(`form[method=post] .actions button.primary`), chromedp.WaitVisible(`ol.streams`))
	b.do("05-stream-"+typ, steps...)
	href := b.eval(fmt.Sprintf(`(() => { const a = Array.from(document.querySelectorAll('ol.streams a')).find(a => a.textContent.trim() === %q); return a ? a.getAttribute('href') : ''; })()`, name))
	if !strings.HasPrefix(href, "/admin/streams/") {
		b.t.Fatalf("stream %q not listed on the campaign page", name)
	}
	if withCountry {
		// The stored filter reopens as an accept-US chip.
		b.do("05-stream-"+typ+"-reopened", chromedp.Navigate(b.base+href),
			chromedp.WaitVisible(`//div[contains(@class,'chips')]//span[text()="US"]`))
		if mode := b.eval(`document.querySelector('.filter-row select').value`); mode != "accept" {
			b.t.Errorf("country filter of %q saved with mode %q, want accept", name, mode)
		}
	}
	return path.Base(href)
}

func bxScript(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](js)(ctx, t)
		return err
	})
}

// trackingLink waits until "test a visitor" on the campaign page sends
// 127.0.0.1 to the default stream (the routing snapshot reloads on the
// config-change message, asynchronously), then reads the tracking link.
func (b *bxRun) trackingLink(campaignID string) string {
	b.t.Helper()
	var verdict string
	b.poll("routing snapshot has the streams", func() bool {
		b.do("06-simulate", chromedp.Navigate(b.base+"/admin/campaigns/"+campaignID), chromedp.WaitVisible(`#sim-ip`),
			chromedp.SendKeys("#sim-ip", "127.0.0.1"), chromedp.Click(`//button[text()="Test"]`),
			chromedp.WaitVisible(`#simulate-result .flash`))
		text, err := chromedp.Run(b.ctx, chromedp.TextContent(`#simulate-result .flash`))
		verdict = text
		return err == nil && strings.Contains(text, "Everyone")
	}, func() string { return verdict })
	link, err := chromedp.Run(b.ctx, chromedp.Value("#tracking-link"))
	if err != nil || !strings.HasPrefix(link, b.base+"/e2e-browser") {
		b.t.Fatalf("tracking link %q (%v), want %s/e2e-browser...", link, err, b.base)
	}
	return link
}

// click opens the tracking link in the tab itself and returns the click id
// the offer URL carries.
func (b *bxRun) click(link, offerURL string) string {
	b.t.Helper()
	b.do("07-offer-page", chromedp.Navigate(link), chromedp.WaitVisible(`#receiver`))
	loc, err := url.Parse(b.location())
	if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != offerURL {
		b.t.Fatalf("the tracking link led to %s, want the offer %s", loc, offerURL)
	}
	id := loc.Query().Get("s")
	if !bxClickID.MatchString(id) {
		b.t.Fatalf("offer URL %s carries no click id", loc)
	}
	return id
}

// seeClick polls the clicks log (the click writer is asynchronous) until the
// click shows, and checks it went to the default stream.
func (b *bxRun) seeClick(clickID, streamID string) {
	b.t.Helper()
	var rows [][]string
	b.poll("click in the clicks log", func() bool {
		b.do("08-clicks-log", chromedp.Navigate(b.base+"/admin/logs/clicks?interval=today&sub_id="+clickID),
			chromedp.WaitVisible(`table.grid`))
		rows = b.tableRows()
		return len(rows) == 1 && len(rows[0]) > 3 && rows[0][1] == clickID
	}, func() string { return fmt.Sprint(rows) })
	// Columns: datetime, sub_id, campaign, stream_id, ip, country, device_type,
	// os, browser, sub_id_1, sub_id_2, external_id, is_bot, ...
	got := rows[0]
	if len(got) < 13 || got[2] != "E2E campaign" || got[3] != streamID || got[4] != "127.0.0.1" || got[12] != "no" {
		b.t.Errorf("click row %q, want campaign \"E2E campaign\", the default stream %s, ip 127.0.0.1, not a bot", got, streamID)
	}
}

// postback is the affiliate network calling the tracker (not the browser).
func (b *bxRun) postback(key, clickID string) {
	b.t.Helper()
	resp, err := http.Get(b.base + "/" + key + "/postback?subid=" + clickID + "&status=sale&payout=7.5")
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("postback: %d", resp.StatusCode)
	}
}

// seeReport polls today's report by campaign until the campaign row shows
// one click, one conversion and the revenue.
func (b *bxRun) seeReport(campaign string) {
	b.t.Helper()
	var rows [][]string
	b.poll("conversion in the report", func() bool {
		b.do("09-report", chromedp.Navigate(b.base+"/admin/reports?interval=today&grouping=campaign"+
			"&metrics=clicks&metrics=conversions&metrics=revenue"), chromedp.WaitVisible(`table.grid`))
		rows = b.tableRows()
		for _, r := range rows {
			if len(r) == 4 && r[0] == campaign {
				return r[1] == "1" && r[2] == "1" && strings.Contains(r[3], "7.50")
			}
		}
		return false
	}, func() string { return fmt.Sprint(rows) })
}

// seeSentPostback polls the sent postbacks log until the S2S postback to the
// receiver shows with an HTTP 200 attempt, once.
func (b *bxRun) seeSentPostback(urlPrefix string) {
	b.t.Helper()
	var rows [][]string
	b.poll("S2S attempt in the sent postbacks log", func() bool {
		b.do("10-sent-postbacks", chromedp.Navigate(b.base+"/admin/logs/s2s"), chromedp.WaitVisible(`table.grid`))
		rows = b.tableRows()
		for i, r := range rows {
			if len(r) > 5 && strings.HasPrefix(r[5], urlPrefix) {
				return i+1 < len(rows) && strings.Contains(strings.Join(rows[i+1], " "), "HTTP 200")
			}
		}
		return false
	}, func() string { return fmt.Sprint(rows) })
	// A duplicate delivery would come right behind the first one.
	time.Sleep(time.Second)
	b.do("10-sent-postbacks", chromedp.Navigate(b.base+"/admin/logs/s2s"), chromedp.WaitVisible(`table.grid`))
	sent := 0
	for _, r := range b.tableRows() {
		if len(r) > 5 && strings.HasPrefix(r[5], urlPrefix) {
			sent++
		}
	}
	if sent != 1 {
		b.t.Errorf("the sent postbacks log lists %d postbacks to %s, want 1", sent, urlPrefix)
	}
}

// tableRows reads the cells of the page's data table.
func (b *bxRun) tableRows() [][]string {
	b.t.Helper()
	var rows [][]string
	js := `JSON.stringify(Array.from(document.querySelectorAll('table.grid tbody tr')).map(tr => Array.from(tr.cells).map(td => td.textContent.trim())))`
	if err := json.Unmarshal([]byte(b.eval(js)), &rows); err != nil {
		b.t.Fatalf("table rows: %v", err)
	}
	return rows
}

// poll retries check (which reloads a page) until it holds or bxWait passes.
func (b *bxRun) poll(what string, check func() bool, last func() string) {
	b.t.Helper()
	start := time.Now()
	for tries := 1; !check(); tries++ {
		if time.Since(start) > bxWait {
			b.t.Fatalf("%s: not within %s (%d tries); last seen %s", what, bxWait, tries, last())
		}
		time.Sleep(300 * time.Millisecond)
	}
	b.t.Logf("%s after %s", what, time.Since(start).Round(time.Millisecond))
}
