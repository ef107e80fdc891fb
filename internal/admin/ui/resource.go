package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/catalog"
)

// resource is a configuration object with a list page and a form: offers,
// landing pages, affiliate networks, traffic sources. The functions are thin
// calls into the catalog; the UI only moves values between forms and requests.
type resource struct {
	Path   string // URL segment under /admin and the nav key
	Entity string // auth.Can entity
	Title  string // catalog key of the list title
	New    string // catalog key of the "new" button and form title
	// Template renders the form ("form" when empty).
	Template string
	Columns  []column
	fields   func(ctx context.Context) []fieldSpec
	list     func(ctx context.Context) ([]any, error)
	get      func(ctx context.Context, id int64) (any, error)
	create   func(ctx context.Context, doc []byte) (int64, error)
	update   func(ctx context.Context, id int64, doc []byte) error
	state    func(ctx context.Context, id int64, state string) error
	clone    func(ctx context.Context, id int64) (int64, error)
	// panel adds a read-only block to the edit form (e.g. a network's postback URL).
	panel func(c echo.Context, obj any) *infoPanel
	// extra adds page-specific data to an existing object's form (Data.Extra).
	extra func(c echo.Context, obj any) any
	// presets fill a new form with a well-known object's values.
	presets func() []preset
}

// column of a list page, by the object's JSON name.
type column struct {
	Name  string
	Label string // catalog key
	Kind  string // name (links to the form) | state | money | text
}

type preset struct {
	Name   string
	Values map[string]string
}

// infoPanel is a titled block of copyable values.
type infoPanel struct {
	Title string // catalog key
	Items []infoItem
}

type infoItem struct {
	Label string // catalog key
	Value string
	Hint  string // catalog key
}

type listRow struct {
	ID    int64
	State string
	Cells []listCell
}

type listCell struct {
	Text string
	Kind string
}

type listData struct {
	R     *resource
	Rows  []listRow
	Query string
	State string
	Write bool
}

type formData struct {
	R       *resource
	ID      int64
	Fields  []formField
	Errors  catalog.FieldErrors
	Panel   *infoPanel
	Presets []preset
	Extra   any
	Write   bool
}

// objectGroup reads an object's id and group through its JSON form.
func objectMap(obj any) map[string]any {
	m := map[string]any{}
	_ = roundTrip(obj, &m)
	return m
}

func idAndGroup(m map[string]any) (int64, *int64) {
	id := int64(toFloat(m["id"]))
	if g, ok := m["group_id"].(float64); ok && g != 0 {
		gid := int64(g)
		return id, &gid
	}
	return id, nil
}

// listPage shows the objects the user may see, filtered by the search box and state.
func (u *UI) listPage(r *resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		objs, err := r.list(c.Request().Context())
		if err != nil {
			return err
		}
		d := &listData{R: r, Query: c.QueryParam("q"), State: c.QueryParam("state"),
			Write: u.opt.Access(currentUser(c), r.Entity, true, 0, nil)}
		q := strings.ToLower(d.Query)
		for _, o := range objs {
			m := objectMap(o)
			id, group := idAndGroup(m)
			if !u.opt.Access(currentUser(c), r.Entity, false, id, group) {
				continue
			}
			if q != "" && !strings.Contains(strings.ToLower(cellText(m["name"])), q) {
				continue
			}
			state := cellText(m["state"])
			if d.State != "" && state != d.State {
				continue
			}
			row := listRow{ID: id, State: state}
			for _, col := range r.Columns {
				row.Cells = append(row.Cells, listCell{Text: columnText(col, m[col.Name]), Kind: col.Kind})
			}
			d.Rows = append(d.Rows, row)
		}
		return u.render(c, http.StatusOK, "list", &Page{Title: r.Title, Nav: r.Path, Data: d})
	}
}

func columnText(col column, v any) string {
	if col.Kind == "money" {
		return formatFixed(toFloat(v), 2)
	}
	return cellText(v)
}

// newForm shows an empty form, or one filled from a preset (?preset=Name).
func (u *UI) newForm(r *resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		values := map[string]string{}
		if r.presets != nil {
			for _, p := range r.presets() {
				if p.Name == c.QueryParam("preset") {
					values = p.Values
				}
			}
		}
		return u.renderForm(c, r, 0, nil, values, nil, http.StatusOK)
	}
}

func (u *UI) renderForm(c echo.Context, r *resource, id int64, obj any, values map[string]string, errs catalog.FieldErrors, code int) error {
	specs := r.fields(c.Request().Context())
	d := &formData{R: r, ID: id, Fields: buildForm(specs, values, errs), Errors: errs,
		Write: u.opt.Access(currentUser(c), r.Entity, true, id, nil)}
	if obj != nil && r.panel != nil {
		d.Panel = r.panel(c, obj)
	}
	if obj != nil && r.extra != nil {
		d.Extra = r.extra(c, obj)
	}
	if id == 0 && r.presets != nil {
		d.Presets = r.presets()
	}
	tmpl := r.Template
	if tmpl == "" {
		tmpl = "form"
	}
	return u.render(c, code, tmpl, &Page{Title: r.New, Nav: r.Path, Data: d})
}

// editForm shows an object's form.
func (u *UI) editForm(r *resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, obj, err := u.loadObject(c, r)
		if err != nil {
			return err
		}
		return u.renderForm(c, r, id, obj, valuesOf(r.fields(c.Request().Context()), obj), nil, http.StatusOK)
	}
}

func (u *UI) loadObject(c echo.Context, r *resource) (int64, any, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, nil, echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	}
	obj, err := r.get(c.Request().Context(), id)
	if err != nil {
		return 0, nil, domainError(err)
	}
	return id, obj, nil
}

// saveForm creates (no :id) or updates an object; on a validation error it
// re-renders the form with what the user typed and the messages per field.
func (u *UI) saveForm(r *resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		specs := r.fields(ctx)
		form, err := c.FormParams()
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "error.bad_request")
		}
		doc, errs := parseForm(specs, form)
		var id int64
		if c.Param("id") != "" {
			if id, _, err = u.loadObject(c, r); err != nil {
				return err
			}
		}
		if len(errs) == 0 {
			if id == 0 {
				id, err = r.create(ctx, doc)
			} else {
				err = r.update(ctx, id, doc)
			}
			if err == nil {
				u.flash(c, "form.saved")
				return c.Redirect(http.StatusSeeOther, "/admin/"+r.Path+"/"+strconv.FormatInt(id, 10))
			}
			var ok bool
			if errs, ok = fieldErrors(err, specs); !ok {
				if errors.Is(err, catalog.ErrConflict) {
					errs = catalog.FieldErrors{"": err.Error()}
				} else {
					return domainError(err)
				}
			}
		}
		var obj any
		if id != 0 {
			obj, _ = r.get(ctx, id)
		}
		return u.renderForm(c, r, id, obj, formValues(specs, form), errs, http.StatusUnprocessableEntity)
	}
}

// setState enables, disables, deletes (soft) or restores an object.
func (u *UI) setState(r *resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, _, err := u.loadObject(c, r)
		if err != nil {
			return err
		}
		state := c.FormValue("state")
		if !contains(catalog.States, state) {
			return echo.NewHTTPError(http.StatusBadRequest, "error.bad_request")
		}
		if err := r.state(c.Request().Context(), id, state); err != nil {
			return domainError(err)
		}
		u.flash(c, "form.saved")
		return c.Redirect(http.StatusSeeOther, backTo(c, "/admin/"+r.Path))
	}
}

// cloneObject copies an object and opens the copy.
func (u *UI) cloneObject(r *resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, _, err := u.loadObject(c, r)
		if err != nil {
			return err
		}
		newID, err := r.clone(c.Request().Context(), id)
		if err != nil {
			return domainError(err)
		}
		u.flash(c, "form.cloned")
		return c.Redirect(http.StatusSeeOther, "/admin/"+r.Path+"/"+strconv.FormatInt(newID, 10))
	}
}

// backTo is the page a small action returns to: the form's "back" field if it
// stays in the admin, else fallback.
func backTo(c echo.Context, fallback string) string {
	if b := c.FormValue("back"); strings.HasPrefix(b, "/admin/") && !strings.ContainsAny(b, "\\\r\n") && !strings.HasPrefix(b, "//") {
		return b
	}
	return fallback
}

// domainError maps the catalog's typed errors to HTTP errors with safe messages.
func domainError(err error) error {
	var ve *catalog.ValidationError
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	case errors.Is(err, catalog.ErrConflict), errors.As(err, &ve):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "error.bad_request").SetInternal(err)
	}
	return err
}
