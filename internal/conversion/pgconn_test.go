package conversion

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// TestNullableRow checks the destinations insertFirst scans the existing
// conversion into: an absent row (every column NULL) leaves the model alone,
// a present one fills every column, pointer fields included. (The scan
// itself is pgx's; the Postgres tests of insertFirst run it end to end.)
func TestNullableRow(t *testing.T) {
	fields, err := fieldsOf[model.Conversion]()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	want := model.Conversion{ID: 7, ClickID: "c", TID: "t", Status: model.StatusLead, Payout: 1.5, Attributed: true,
		ClickCreatedAt: &at, CampaignID: 3, Params: `{"a":"b"}`, CreatedAt: at, UpdatedAt: at}
	cases := []struct {
		name    string
		present bool
	}{
		{name: "no existing conversion", present: false},
		{name: "existing conversion", present: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := newNullableRow(fields)
			if tc.present { // what pgx does for non-NULL columns: point at the value
				src := reflect.ValueOf(&want).Elem()
				for i, f := range fields {
					p := reflect.ValueOf(n.dest[i]).Elem()
					v := f.ReflectValueOf(context.Background(), src)
					if f.FieldType.Kind() == reflect.Pointer {
						p.Set(v)
					} else {
						p.Set(reflect.New(f.FieldType))
						p.Elem().Set(v)
					}
				}
			}
			var got model.Conversion
			if ok := n.into(context.Background(), &got); ok != tc.present {
				t.Fatalf("into = %v, want %v", ok, tc.present)
			}
			expect := model.Conversion{}
			if tc.present {
				expect = want
			}
			if !reflect.DeepEqual(got, expect) {
				t.Fatalf("got %+v\nwant %+v", got, expect)
			}
		})
	}
}
