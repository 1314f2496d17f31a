package testpg

import (
	"context"
	"database/sql"
	"testing"
)

func TestStartServesQueries(t *testing.T) {
	s := Start(t)
	url := s.NewDatabase(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRowContext(context.Background(), "SELECT 40 + 2").Scan(&v); err != nil || v != 42 {
		t.Fatalf("SELECT 40+2 = %d, %v", v, err)
	}
}
