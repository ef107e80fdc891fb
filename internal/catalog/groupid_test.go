package catalog

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestGroupIDNumberOrString(t *testing.T) {
	cases := []struct {
		body    string
		want    *int64 // nil: absent
		badType bool
	}{
		{`{"name":"a"}`, nil, false},
		{`{"group_id":7}`, ptr(int64(7)), false},
		{`{"group_id":"7"}`, ptr(int64(7)), false},
		{`{"group_id":" 12 "}`, ptr(int64(12)), false},
		{`{"group_id":""}`, ptr(int64(0)), false},
		{`{"group_id":null}`, ptr(int64(0)), false},
		{`{"group_id":"seven"}`, nil, true},
		{`{"group_id":1.5}`, nil, true},
		{`{"group_id":-3}`, nil, true},
		{`{"group_id":true}`, nil, true},
		{`{"group_id":[1]}`, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.body, func(t *testing.T) {
			var c CampaignRequest
			var o OfferRequest
			var l LandingRequest
			for _, dst := range []struct {
				v   any
				got func() *int64
			}{{&c, func() *int64 { return c.GroupID }}, {&o, func() *int64 { return o.GroupID }},
				{&l, func() *int64 { return l.GroupID }}} {
				err := json.Unmarshal([]byte(tc.body), dst.v)
				var typ *json.UnmarshalTypeError
				if tc.badType {
					if !errors.As(err, &typ) || typ.Field != "group_id" {
						t.Fatalf("%T: err = %v (%#v), want a type error on group_id", dst.v, err, typ)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%T: %v", dst.v, err)
				}
				got := dst.got()
				if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
					t.Fatalf("%T: group_id = %v, want %v", dst.v, got, tc.want)
				}
			}
			if c.Name == nil && tc.body == `{"name":"a"}` {
				t.Fatal("other fields must still be read")
			}
		})
	}
}
