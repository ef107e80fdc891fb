package app

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// With KITE_METRICS_TOKEN set, /metrics answers only a scraper sending it.
func TestMetricsToken(t *testing.T) {
	cfg := testConfig(t)
	cfg.MetricsToken = "scrape-secret"
	base, _ := startNode(t, cfg)
	cases := []struct {
		name, auth string
		want       int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "Bearer scrape-secreT", http.StatusUnauthorized},
		{"token without Bearer", "scrape-secret", http.StatusUnauthorized},
		{"right token", "Bearer scrape-secret", http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if has := strings.Contains(string(body), "kite_http_requests_total"); has != (tc.want == http.StatusOK) {
				t.Errorf("metrics in the answer: %v, want %v", has, tc.want == http.StatusOK)
			}
		})
	}
}
