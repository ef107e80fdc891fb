package track

import (
	"strconv"
	"strings"
	"testing"

	"github.com/kite-tracker/kite/internal/macro"
	"github.com/kite-tracker/kite/internal/model"
)

func TestMapParams(t *testing.T) {
	pm := map[string]string{"zoneid": "sub_id_1", "visitor_id": "external_id", "price": "cost"}
	many := make([]string, 0, maxExtraParams+6)
	for i := range maxExtraParams + 5 {
		many = append(many, "p"+strconv.Itoa(1000+i)+"=v")
	}
	cases := []struct {
		name, query string
		extras      string // the stored ExtraParams
		sub1, ext   string
		macros      map[string]string // {name} -> value the macros see (absent: "")
	}{
		{name: "mapped", query: "zoneid=z1&visitor_id=v9&utm_source=fb&gclid=G",
			extras: `{"gclid":"G","visitor_id":"v9","zoneid":"z1"}`, sub1: "z1", ext: "v9",
			macros: map[string]string{"gclid": "G", "zoneid": "z1", "sub_id_1": "z1", "utm_source": "fb"}},
		{name: "first value wins", query: "a=1&a=2&sub_id_1=x&sub_id_1=y",
			extras: `{"a":"1"}`, sub1: "x", macros: map[string]string{"a": "1"}},
		{name: "mapping beats direct", query: "sub_id_1=direct&zoneid=mapped&price=0.5",
			extras: `{"cost":"0.5","price":"0.5","zoneid":"mapped"}`, sub1: "mapped",
			macros: map[string]string{"price": "0.5", "zoneid": "mapped"}},
		{name: "escapes and junk", query: "q=a%20b+c&bad=%zz&semi;x=1&=v&k=%3Cb%3E%00",
			extras: `{"k":"\u003cb\u003e","q":"a b c"}`, macros: map[string]string{"q": "a b c", "bad": ""}},
		{name: "none", query: "", extras: ""},
		{name: "capped", query: strings.Join(many, "&") + "&zoneid=late&price=2",
			sub1: "late", macros: map[string]string{"p1000": "v", "p1063": "v", "p1064": "", "zoneid": "", "price": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c model.Click
			params, extra := mapParams(tc.query, pm, &c)
			if tc.extras != "" && string(c.ExtraParams) != tc.extras {
				t.Errorf("ExtraParams %s, want %s", c.ExtraParams, tc.extras)
			}
			if c.SubID1 != tc.sub1 || c.ExternalID != tc.ext {
				t.Errorf("sub_id_1 %q external_id %q", c.SubID1, c.ExternalID)
			}
			var decoded map[string]string
			if c.ExtraParams != "" {
				if err := c.ExtraParams.Decode(&decoded); err != nil {
					t.Fatal(err)
				}
			}
			given := &macro.Click{C: &c, Extra: extra}
			fromJSON := &macro.Click{C: &c}
			for name, want := range tc.macros {
				a, _ := given.Lookup(name)
				b, _ := fromJSON.Lookup(name)
				if a != want || b != want {
					t.Errorf("{%s}: parsed extras %q, stored extras %q, want %q", name, a, b, want)
				}
			}
			if tc.name == "capped" && len(decoded) != maxExtraParams+1 { // + cost from the template
				t.Errorf("%d extras stored", len(decoded))
			}
			if tc.name == "capped" && params["p1064"] != "v" {
				t.Error("routing lost a parameter past the extras cap")
			}
		})
	}
}
