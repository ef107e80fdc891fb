package catalog

// Option is a value with a human label, for metadata lists.
type Option struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// StreamAction describes one action type (Keitaro's StreamAction shape):
// Field says which stream field carries its payload ("url", "text", "campaign" or "").
type StreamAction struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Field       string `json:"field"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

var streamActions = []StreamAction{
	{"http", "HTTP redirect", "url", "redirect", "302 redirect to the URL"},
	{"meta", "Meta refresh", "url", "redirect", "HTML page with a meta refresh to the URL"},
	{"double_meta", "Double meta refresh", "url", "redirect", "two meta refreshes, hiding the referrer"},
	{"js", "JavaScript", "url", "redirect", "redirect by window.location"},
	{"blank_referrer", "Blank referrer", "url", "redirect", "redirect that drops the referrer"},
	{"iframe", "Iframe", "url", "redirect", "page that shows the URL in a full-size iframe"},
	{"formsubmit", "Form submit", "url", "redirect", "auto-submitted form to the URL"},
	{"remote", "Remote URL", "url", "redirect", "fetch the URL; its body is the destination (cached, with a timeout)"},
	{"show_text", "Show text", "text", "other", "answer with the text"},
	{"show_html", "Show HTML", "text", "other", "answer with the HTML"},
	{"status404", "Not found", "", "other", "answer 404"},
	{"do_nothing", "Do nothing", "", "other", "answer 200 with an empty body"},
	{"campaign", "Send to campaign", "campaign", "other", "route the visitor through another campaign (at most 10 hops)"},
}

// StreamActions lists every action type (GET /streams_actions).
func StreamActions() []StreamAction { return streamActions }

// ActionTypes are the keys of StreamActions.
func ActionTypes() []string {
	out := make([]string, len(streamActions))
	for i, a := range streamActions {
		out[i] = a.Key
	}
	return out
}

func actionField(key string) string {
	for _, a := range streamActions {
		if a.Key == key {
			return a.Field
		}
	}
	return ""
}

// StreamSchemaList lists the stream schemas (GET /stream_schemas).
func StreamSchemaList() []Option {
	return []Option{
		{"redirect", "Offers: straight to the stream's offers"},
		{"landings", "Landings and offers: a landing page, then an offer"},
		{"action", "Action: the stream's own action"},
	}
}

// StreamTypeList lists the stream types (GET /stream_types).
func StreamTypeList() []Option {
	return []Option{
		{"forced", "Intercepting: checked first, top to bottom"},
		{"regular", "Regular: by position or weight"},
		{"default", "Default: when nothing else matched"},
	}
}
