package store_test

import (
	"context"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

func TestMigrationsApplyAndAreTracked(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	pending, err := st.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 0 {
		t.Fatalf("pending after migrate: %v", pending)
	}
	n, err := st.MigrateUp(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second MigrateUp applied %d, err %v; want 0, nil", n, err)
	}
	c := model.Campaign{Alias: "a1", Name: "n", Type: "position", State: model.StateActive, Parameters: "{}"}
	if err := st.DB.Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	dup := model.Campaign{Alias: "a1", Name: "n2", Type: "position", State: model.StateActive, Parameters: "{}"}
	if err := st.DB.Create(&dup).Error; err == nil {
		t.Fatal("duplicate alias accepted by the schema")
	}
}
