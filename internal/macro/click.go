package macro

import (
	"strconv"

	"github.com/kite-tracker/kite/internal/model"
)

// AddConversion adds the postback macros of conv to m: payout (alias
// revenue: both are the amount the network paid, in its currency), status,
// tid, original_status, conversion_id and currency.
func AddConversion(m Map, conv *model.Conversion) {
	m["payout"] = money(conv.Payout)
	m["revenue"] = m["payout"]
	m["status"] = conv.Status
	m["previous_status"] = conv.PreviousStatus
	m["original_status"] = conv.OriginalStatus
	m["tid"] = conv.TID
	m["conversion_id"] = id(conv.ID)
	m["currency"] = conv.Currency
}

var subIDNames = func() (n [30]string) {
	for i := range n {
		n[i] = "sub_id_" + strconv.Itoa(i+1)
	}
	return n
}()

// id prints a row id; 0 (none, e.g. no landing) prints as empty.
func id(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func money(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
