package macro

import "github.com/kite-tracker/kite/internal/model"

// Conversion is the lazy form of ForClick + AddConversion for S2S postback
// URLs: the conversion's macros, else the click's (Click's rules). Rendering
// a postback template then formats only the macros it names, where the map
// form formats ~90 values and decodes the click's extra parameters per
// conversion. Its answers are exactly the map's (a test holds them equal).
// Not safe for concurrent use; use one per conversion.
type Conversion struct {
	Click
	Conv *model.Conversion
}

// Lookup answers a conversion macro, else a click macro or extra parameter.
func (v *Conversion) Lookup(name string) (string, bool) {
	if f, ok := conversionMacros[name]; ok {
		return f(v.Conv), true
	}
	return v.Click.Lookup(name)
}

// conversionMacros are AddConversion's names; they win over the click's
// (e.g. {currency} is the conversion's payout currency).
var conversionMacros = map[string]func(c *model.Conversion) string{
	"payout":          func(c *model.Conversion) string { return money(c.Payout) },
	"revenue":         func(c *model.Conversion) string { return money(c.Payout) },
	"status":          func(c *model.Conversion) string { return c.Status },
	"previous_status": func(c *model.Conversion) string { return c.PreviousStatus },
	"original_status": func(c *model.Conversion) string { return c.OriginalStatus },
	"tid":             func(c *model.Conversion) string { return c.TID },
	"conversion_id":   func(c *model.Conversion) string { return id(c.ID) },
	"currency":        func(c *model.Conversion) string { return c.Currency },
}
