package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/admin/api"
	"github.com/kite-tracker/kite/internal/admin/ui"
	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/clicks"
	"github.com/kite-tracker/kite/internal/config"
	"github.com/kite-tracker/kite/internal/conversion"
	"github.com/kite-tracker/kite/internal/report"
	"github.com/kite-tracker/kite/internal/s2s"
	"github.com/kite-tracker/kite/internal/snapshot"
	"github.com/kite-tracker/kite/internal/track"
	"github.com/kite-tracker/kite/internal/visitor"
)

// build creates every component, mounts its routes and declares its workers.
func (a *App) build(ctx context.Context) error {
	cfg := a.Cfg
	trusted, _ := config.ParseCIDRs(cfg.TrustedProxies) // validated at load
	allowPrivate, _ := config.ParseCIDRs(cfg.S2S.AllowPrivate)

	err := auth.Bootstrap(ctx, a.Store, auth.BootstrapOptions{
		AdminLogin: cfg.Admin.Login, AdminPassword: cfg.Admin.Password,
		AdminAPIKey: cfg.Admin.APIKey, PostbackKey: cfg.PostbackKey,
	}, a.Log)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}

	snap := snapshot.New(a.Store, a.Redis, a.Log, cfg.Snapshot.RefreshInterval)
	if err := snap.Reload(ctx); err != nil {
		return fmt.Errorf("load routing snapshot: %w", err)
	}
	vp, err := visitor.NewParser(visitor.Options{TrustedProxies: trusted, GeoIPPath: cfg.GeoIPDB})
	if err != nil {
		return fmt.Errorf("%s: %w", config.EnvName("geoip_db"), err)
	}
	a.closers = append(a.closers, vp.Close)

	clickOpt := clicks.Options{
		AttributionTTL: cfg.Clicks.AttributionTTL, FlushInterval: cfg.Clicks.FlushInterval,
		BatchSize: cfg.Clicks.BatchSize, SpoolDir: cfg.Clicks.SpoolDir, Durability: cfg.Clicks.Durability,
		WriterBatch: cfg.Clicks.WriterBatch, WriterInterval: cfg.Clicks.WriterInterval,
	}
	rec := clicks.NewRecorder(clickOpt, a.Redis, a.Store, a.Log)
	if err := rec.Register(a.registry); err != nil {
		return err
	}

	outbox := s2s.NewWorker(s2s.Options{
		AllowPrivate: allowPrivate, ConnectTimeout: cfg.S2S.ConnectTimeout, Timeout: cfg.S2S.Timeout,
		PerHost: cfg.S2S.PerHost, MaxAge: cfg.S2S.MaxAge, Workers: cfg.S2S.Workers,
	}, a.Store, a.Log)
	convOpt := conversion.Options{OnOutbox: outbox.Notify, TrustedProxies: trusted,
		SpoolDir: filepath.Join(cfg.Clicks.SpoolDir, "postbacks")}
	if cfg.S2S.Worker {
		convOpt.Handoff = outbox // new conversions' S2S rows go straight to this node's sender
	}
	conv := conversion.NewService(convOpt, a.Store, a.Redis, rec, a.Log)
	if err := conv.RegisterMetrics(a.registry); err != nil {
		return err
	}

	notify := changeNotifier{a: a, snap: snap, conv: conv}
	cat := catalog.New(a.Store, notify, a.Log)
	users := auth.New(a.Store, a.Log)
	reports := report.New(a.Store, a.Log)
	tracker := track.New(track.Options{AllowPrivate: allowPrivate}, snap, vp, rec, a.Redis, a.Log)

	api.New(cat, users, a.Log).Register(a.Echo, a.extraAPIRoutes(reports, conv, rec, tracker, users)...)
	webUI, err := ui.New(ui.Options{
		Store: a.Store, Users: users, Catalog: cat, Log: a.Log,
		Reports:        ui.ReportsFromHandlers(reports.Build, reports.ClicksLog, reports.ConversionsLog),
		Postback:       ui.PostbackLogsFromHandlers(conv.ReceivedPostbacks, conv.SentPostbacks, conv.Resend),
		Simulate:       ui.SimulatorFromHandler(tracker.Simulate),
		IdleTimeout:    cfg.UI.IdleTimeout,
		TrustedProxies: trusted,
	})
	if err != nil {
		return err
	}
	webUI.Register(a.Echo)
	conv.Register(a.Echo)
	tracker.Register(a.Echo) // last: /:alias must not shadow anything above

	// Stage 1: the recorder, stopped after the HTTP server so every click
	// answered is flushed. Stage 2: what consumes clicks and conversions.
	a.addStage(task{"click-recorder", rec.Run}, task{"tracker-counters", func(ctx context.Context) error {
		<-ctx.Done()
		tracker.Drain() // counter writes still in flight after the last request
		return nil
	}})
	stage2 := []task{
		{"snapshot", snap.Run},
		{"conversion-joiner", conv.RunJoiner},
		{"postback-spool", conv.RunSpool}, // postbacks accepted while the database was away
		{"conversion-config-watch", conv.WatchConfig},
		{"report-maintenance", report.NewMaintainer(a.Store, cfg.Reports.RetentionDays, a.Log).Run},
	}
	if cfg.Clicks.Writer {
		w := clicks.NewWriter(clickOpt, a.Redis, a.Store, a.Log)
		if err := w.Register(a.registry); err != nil {
			return err
		}
		stage2 = append(stage2, task{"click-writer", w.Run})
	}
	if cfg.S2S.Worker {
		stage2 = append(stage2, task{"s2s-outbox", outbox.Run})
	}
	a.addStage(stage2...)
	return nil
}

// extraAPIRoutes are the admin API routes served by packages other than the
// configuration API; the API's route table wraps each in the key and access checks.
func (a *App) extraAPIRoutes(r *report.Reports, conv *conversion.Service, rec *clicks.Recorder, t *track.Handler,
	users *auth.Service) []api.Route {
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	return []api.Route{
		{Method: post, Path: "/report/build", Handler: scopeReports(users, r.Build), Entity: "reports"},
		{Method: post, Path: "/clicks/log", Handler: scopeReports(users, r.ClicksLog), Entity: "logs"},
		{Method: get, Path: "/clicks/:subid", Handler: clicks.ClickHandler(rec), Entity: "logs"},
		{Method: post, Path: "/conversions/log", Handler: scopeReports(users, r.ConversionsLog), Entity: "logs"},
		{Method: get, Path: "/postbacks/received", Handler: conv.ReceivedPostbacks, Entity: "logs"},
		{Method: get, Path: "/postbacks/sent", Handler: conv.SentPostbacks, Entity: "logs"},
		{Method: post, Path: "/postbacks/sent/:id/resend", Handler: conv.Resend, Entity: "logs", Write: true},
		{Method: get, Path: "/currency_rates", Handler: conv.ListRates, Entity: "settings"},
		{Method: put, Path: "/currency_rates/:currency", Handler: conv.PutRate, Entity: "settings", Write: true},
		{Method: del, Path: "/currency_rates/:currency", Handler: conv.DeleteRate, Entity: "settings", Write: true},
		{Method: post, Path: "/campaigns/:id/simulate", Handler: t.Simulate, Entity: "campaigns"},
	}
}

// changeNotifier is what the catalog calls after every configuration change:
// this node reloads at once, and every other node hears it over pub/sub.
type changeNotifier struct {
	a    *App
	snap *snapshot.Holder
	conv *conversion.Service
}

func (n changeNotifier) ConfigChanged(ctx context.Context) error {
	n.conv.Invalidate()
	if err := n.snap.Reload(ctx); err != nil {
		n.a.Log.Error("snapshot reload after a change", "err", err)
	}
	if err := n.a.Redis.PublishConfigChanged(ctx); err != nil {
		// Other nodes still pick the change up on their refresh timer.
		n.a.Log.Warn("announce config change", "err", err)
	}
	return nil
}

// scopeReports limits a report or log request of the API's caller to the
// campaigns the caller may see (see auth.Service.CampaignScope).
func scopeReports(users *auth.Service, h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		ids, limited, err := users.CampaignScope(ctx, api.UserFrom(c))
		if err != nil {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable, retry later").SetInternal(err)
		}
		if limited {
			c.SetRequest(c.Request().WithContext(report.WithCampaigns(ctx, ids)))
		}
		return h(c)
	}
}
