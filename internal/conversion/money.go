package conversion

import (
	"math"

	"github.com/kite-tracker/kite/internal/model"
)

// price decides the payout and its currency for an insert (existing == nil)
// or an update:
//   - an offer with payout_auto off and a payout_value is a fixed price: the
//     network's figure is kept in params only (Keitaro's "payout: fixed");
//   - otherwise the postback's payout, in its currency, else the offer's
//     payout currency, else the tracker currency;
//   - no payout on an update keeps the conversion's; on an insert it is the
//     offer's payout_value;
//   - no payout and no offer known (unattributed): 0 with no currency, which
//     tells the joiner to price it from the offer once the click is known.
func price(in *incoming, offer *model.Offer, existing *model.Conversion, tracker string) (float64, string) {
	offerCur := tracker
	if offer != nil && offer.PayoutCurrency != "" {
		offerCur = normCurrency(offer.PayoutCurrency)
	}
	switch {
	case offer != nil && !offer.PayoutAuto && offer.PayoutValue > 0:
		return offer.PayoutValue, offerCur
	case in.payout != nil:
		if in.currency != "" {
			return *in.payout, in.currency
		}
		return *in.payout, offerCur
	case existing != nil:
		return existing.Payout, existing.Currency
	case offer != nil:
		return offer.PayoutValue, offerCur
	}
	return 0, ""
}

// revenue converts amount in cur to the tracker currency. A currency with no
// rate counts 1:1 and is reported (ok=false): refusing the postback would lose
// the conversion, and a network retrying would not bring a rate either.
func (snap *snapshot) revenue(amount float64, cur string) (float64, bool) {
	if cur == "" || cur == snap.currency {
		return amount, true
	}
	rate, ok := snap.rates[cur]
	if !ok || rate <= 0 {
		return amount, false
	}
	return math.Round(amount*rate*1e4) / 1e4, true
}
