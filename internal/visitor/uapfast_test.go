package visitor

import (
	"bufio"
	"os"
	"testing"

	"github.com/ua-parser/uap-go/uaparser"
)

// TestFastUAPEqualsUAP: prefiltering must not change a single answer of
// uap-go. The corpus is a sample of the crawler list's UAs plus browsers; set
// KITE_UAP_CORPUS to a file of User-Agents (one a line, e.g. uap-go's "uas")
// to check a bigger one.
func TestFastUAPEqualsUAP(t *testing.T) {
	ref, err := uaparser.New(uaparser.WithCacheSize(1))
	if err != nil {
		t.Fatal(err)
	}
	fast := sharedFastUAP()
	_, instances := crawlerList(t)
	var corpus []string
	for i := 0; i < len(instances); i += 8 { // uap-go itself takes ~3 ms a line: sample
		corpus = append(corpus, instances[i])
	}
	corpus = append(corpus, browserUAs...)
	corpus = append(corpus, uaGooglebot, "curl/8.5.0", "", "Other", "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233)",
		"Mozilla/5.0 (Linux; U; Android 4.0.3; en-us; \u212AFTT Build/IML74K) Silk/3.4 Safari/535.19", // KELVIN SIGN folds to k
		"Mozilla/5.0 (Windows NT 10.0) Chrome/124.0 \u017Fafari/537.36 Яндекс")
	if path := os.Getenv("KITE_UAP_CORPUS"); path != "" {
		corpus = append(corpus, readLines(t, path)...)
	}
	for _, line := range corpus {
		ua, os, dev := fast.parse(line)
		if want := ref.ParseUserAgent(line); ua != *want {
			t.Errorf("browser(%q) = %+v, uap-go %+v", line, ua, *want)
		}
		if want := ref.ParseOs(line); os != *want {
			t.Errorf("os(%q) = %+v, uap-go %+v", line, os, *want)
		}
		if want := ref.ParseDevice(line); dev != *want {
			t.Errorf("device(%q) = %+v, uap-go %+v", line, dev, *want)
		}
	}
	t.Logf("%d User-Agents agree", len(corpus))
}

func readLines(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}
