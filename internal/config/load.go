package config

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Error names the setting that is wrong, as the user would set it.
type Error struct {
	Key     string // KITE_* variable name
	Path    string // YAML path
	Problem string
}

func (e *Error) Error() string {
	return fmt.Sprintf("config: %s (%s): %s", e.Key, e.Path, e.Problem)
}

// Load builds the configuration from defaults, the KITE_CONFIG file and the
// environment (getenv is os.Getenv outside tests), then validates it.
func Load(getenv func(string) string) (Config, error) {
	cfg := Default()
	if path := getenv("KITE_CONFIG"); path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return cfg, &Error{Key: "KITE_CONFIG", Path: "-", Problem: err.Error()}
		}
		dec := yaml.NewDecoder(strings.NewReader(string(raw)))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) { // an empty file is fine
			return cfg, &Error{Key: "KITE_CONFIG", Path: path, Problem: err.Error()}
		}
	}
	if err := applyEnv(reflect.ValueOf(&cfg).Elem(), "", getenv); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// EnvName is the environment variable of a YAML path.
func EnvName(path string) string {
	return "KITE_" + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// Keys lists every YAML path with its environment variable, in struct order.
func Keys() [][2]string {
	var out [][2]string
	walk(reflect.TypeOf(Config{}), "", func(path string, _ reflect.StructField) {
		out = append(out, [2]string{path, EnvName(path)})
	})
	return out
}

func walk(t reflect.Type, prefix string, fn func(path string, f reflect.StructField)) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		path := prefix + f.Tag.Get("yaml")
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
			walk(f.Type, path+".", fn)
			continue
		}
		fn(path, f)
	}
}

func applyEnv(v reflect.Value, prefix string, getenv func(string) string) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		path := prefix + f.Tag.Get("yaml")
		fv := v.Field(i)
		if f.Type.Kind() == reflect.Struct {
			if err := applyEnv(fv, path+".", getenv); err != nil {
				return err
			}
			continue
		}
		raw, ok := lookup(getenv, EnvName(path))
		if !ok {
			continue
		}
		if err := setValue(fv, raw); err != nil {
			return &Error{Key: EnvName(path), Path: path, Problem: err.Error()}
		}
	}
	return nil
}

// lookup reads a variable; an empty value counts as unset, so an exported
// but blank variable never wipes a default.
func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

func setValue(fv reflect.Value, raw string) error {
	raw = strings.TrimSpace(raw)
	switch fv.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration (like 30s, 5m, 72h): %q", raw)
		}
		fv.SetInt(int64(d))
	case string:
		fv.SetString(raw)
	case int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("not a whole number: %q", raw)
		}
		fv.SetInt(int64(n))
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not true/false: %q", raw)
		}
		fv.SetBool(b)
	case []string:
		var list []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		fv.Set(reflect.ValueOf(list))
	default:
		return fmt.Errorf("unsupported setting type %s", fv.Type())
	}
	return nil
}

// ParseCIDRs parses a CIDR list; a bare address is a single-host prefix.
func ParseCIDRs(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR or IP address", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
