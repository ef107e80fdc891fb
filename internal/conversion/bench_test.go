package conversion

import (
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkPostback runs the bench mix (new leads and sales, 30% exact
// repeats, 10% lead -> sale upgrades) through the HTTP handler; with
// KITE_TEST_DATABASE_URL set it measures the Postgres path.
func BenchmarkPostback(b *testing.B) {
	f := newFixture(&testing.T{}, nil)
	var sent []string
	var leads []string
	clicks := make([]string, 500)
	for i := range clicks {
		clicks[i] = f.click(true).ID
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var target string
		switch {
		case i%10 < 3 && len(sent) > 0:
			target = sent[i%len(sent)]
		case i%10 == 3 && len(leads) > 0:
			target = leads[len(leads)-1] + "&status=sale"
			leads = leads[:len(leads)-1]
		default:
			base := fmt.Sprintf("/%s/postback?subid=%s&tid=t%d", testKey, clicks[i%len(clicks)], i)
			st := "sale"
			if i%2 == 0 {
				st = "lead"
				leads = append(leads, base)
			}
			target = base + "&status=" + st
			sent = append(sent, target)
		}
		if code, body := f.do(http.MethodGet, target, "", "", ""); code != http.StatusOK {
			b.Fatalf("%s: %d %s", target, code, body)
		}
	}
}
