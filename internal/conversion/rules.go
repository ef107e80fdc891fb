package conversion

import (
	"fmt"

	"github.com/kite-tracker/kite/internal/model"
)

// action is what a postback does to the conversions of its click.
type action int

const (
	actInsert    action = iota // a new conversion
	actTransit                 // the conversion moves to a new status
	actUpdate                  // same status again, duplicate policy "update": new payout/params
	actDuplicate               // same status again: nothing changes
	actIgnore                  // not allowed (a status going back, a rebill without upsell)
)

// transitions are the status changes a network may make (shared/API.md).
var transitions = map[[2]string]bool{
	{model.StatusLead, model.StatusSale}:       true,
	{model.StatusLead, model.StatusRejected}:   true,
	{model.StatusSale, model.StatusRejected}:   true,
	{model.StatusRebill, model.StatusRejected}: true,
}

// decision is the outcome of the rules for one postback.
type decision struct {
	act    action
	reason string
	asNew  bool // duplicate policy "accept": insert under a fresh tid suffix
}

// decide applies the conversion rules. existing is the conversion with the
// same click and tid (nil if none); policy is the network's duplicate policy;
// upsell tells whether the offer takes rebills (payout_upsell).
func decide(existing *model.Conversion, status, policy string, upsell bool) decision {
	if existing == nil {
		if status == model.StatusRebill && !upsell && policy != model.DuplicateAccept {
			return decision{act: actIgnore, reason: "rebill refused: the offer has no payout_upsell"}
		}
		return decision{act: actInsert}
	}
	if existing.Status == status {
		switch policy {
		case model.DuplicateAccept:
			return decision{act: actInsert, asNew: true}
		case model.DuplicateUpdate:
			return decision{act: actUpdate}
		}
		return decision{act: actDuplicate, reason: "duplicate: same subid, tid and status"}
	}
	if transitions[[2]string{existing.Status, status}] {
		return decision{act: actTransit}
	}
	return decision{act: actIgnore, reason: fmt.Sprintf("status change %s -> %s not allowed", existing.Status, status)}
}

// outcomeOf names a decision in the received postbacks log.
func outcomeOf(d decision, attributed bool) string {
	switch d.act {
	case actInsert:
		if !attributed {
			return model.PostbackUnattributed
		}
		return model.PostbackAccepted
	case actTransit, actUpdate:
		return model.PostbackUpdated
	case actDuplicate:
		return model.PostbackDuplicate
	}
	return model.PostbackIgnored
}
