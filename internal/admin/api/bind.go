package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/catalog"
)

// maxBody bounds a request body; configuration objects are small.
const maxBody = 1 << 20

// bind decodes the JSON body into dst with messages a person can act on.
// An empty body is an empty object (every field absent).
func bind(c echo.Context, dst any) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxBody))
	if err != nil {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "request body too large")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	err = json.Unmarshal(body, dst)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syn):
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("request body must be %s", typeName(typ.Type.String())))
		}
		return echo.NewHTTPError(http.StatusBadRequest,
			fmt.Sprintf("field %q must be %s, not %s", field, typeName(typ.Type.String()), typ.Value))
	}
	return echo.NewHTTPError(http.StatusBadRequest, "malformed JSON")
}

// typeName says a Go type the way a JSON user thinks of it.
func typeName(t string) string {
	t = strings.TrimLeft(t, "*")
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "float"), strings.HasPrefix(t, "uint"):
		return "a number"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return "an object"
}

// pathID parses the :id parameter.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusBadRequest, "id must be a positive integer")
	}
	return id, nil
}

// stateQuery reads the optional ?state= list filter.
func stateQuery(c echo.Context) (string, error) {
	s := c.QueryParam("state")
	if s != "" && !slices.Contains(catalog.States, s) {
		return "", catalog.Invalid("state", `must be one of "active", "disabled", "deleted"`)
	}
	return s, nil
}

// The generic handlers below keep the route table to one line per route.

func list[T any](fn func(context.Context, string) ([]T, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		state, err := stateQuery(c)
		if err != nil {
			return err
		}
		out, err := fn(c.Request().Context(), state)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, nonNil(out))
	}
}

func listState[T any](fn func(context.Context, string) ([]T, error), state string) echo.HandlerFunc {
	return func(c echo.Context) error {
		out, err := fn(c.Request().Context(), state)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, nonNil(out))
	}
}

func get[T any](fn func(context.Context, int64) (T, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		out, err := fn(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

func create[R, T any](fn func(context.Context, R) (T, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req R
		if err := bind(c, &req); err != nil {
			return err
		}
		out, err := fn(c.Request().Context(), req)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

func update[R, T any](fn func(context.Context, int64, R) (T, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		var req R
		if err := bind(c, &req); err != nil {
			return err
		}
		out, err := fn(c.Request().Context(), id, req)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

func setState[T any](fn func(context.Context, int64, string) (T, error), state string) echo.HandlerFunc {
	return get(func(ctx context.Context, id int64) (T, error) { return fn(ctx, id, state) })
}

func static[T any](v T) echo.HandlerFunc {
	return func(c echo.Context) error { return c.JSON(http.StatusOK, v) }
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
