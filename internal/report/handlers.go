package report

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// maxRequestBody bounds a report request; real ones are a few KB.
const maxRequestBody = 1 << 20

// Build answers POST /admin_api/v1/report/build: JSON {"rows", "total",
// "summary"}, or CSV when the client sends Accept: text/csv or "format":"csv".
func (r *Reports) Build(c echo.Context) error {
	var req Request
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	res, err := r.Run(c.Request().Context(), req)
	if err != nil {
		return r.fail(err)
	}
	if wantsCSV(c, req.Format) {
		return writeCSV(c, res.Columns, res.Rows)
	}
	return c.JSON(http.StatusOK, res)
}

func decodeJSON(c echo.Context, v any) error {
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxRequestBody)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return echo.NewHTTPError(http.StatusBadRequest, "request body must be a JSON object")
	}
	return nil
}

// fail passes 4xx errors through and hides anything else behind a 500.
func (r *Reports) fail(err error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he
	}
	// RE2 accepted the pattern but Postgres' regex dialect did not.
	if strings.Contains(err.Error(), "invalid regular expression") {
		return echo.NewHTTPError(http.StatusBadRequest, "invalid regular expression")
	}
	r.log.Error("report failed", "err", err)
	return echo.NewHTTPError(http.StatusInternalServerError, "report failed")
}

func wantsCSV(c echo.Context, format string) bool {
	return strings.EqualFold(format, "csv") || strings.Contains(c.Request().Header.Get("Accept"), "text/csv")
}

// writeCSV streams rows as CSV, flushing as it goes so big exports start
// arriving at once.
func writeCSV(c echo.Context, columns []string, rows []map[string]any) error {
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	w.Header().Set(echo.HeaderContentDisposition, `attachment; filename="report.csv"`)
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	if err := cw.Write(columns); err != nil {
		return nil // the client went away; nothing left to tell it
	}
	rec := make([]string, len(columns))
	for i, row := range rows {
		for j, col := range columns {
			rec[j] = csvValue(row[col])
		}
		if err := cw.Write(rec); err != nil {
			return nil
		}
		if i%1000 == 999 {
			cw.Flush()
			w.Flush()
		}
	}
	cw.Flush()
	return nil
}

// csvValue prints a cell. Text that a spreadsheet would run as a formula
// (sub ids and referrers come from visitors) is prefixed with a quote.
func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if x != "" && strings.ContainsRune("=+-@\t\r", rune(x[0])) {
			return "'" + x
		}
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
