package graph_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/keyholder/keyholder/internal/sim/graph"
)

// A generated tenant served by the fake: Graph under URL+"/v1.0".
func ExampleGenerate() {
	sc := graph.Generate(graph.GenerateParams{Users: 250, Guests: 10, ServicePrincipals: 20, RoleAssignments: 30})
	srv, err := graph.New(sc, graph.Options{})
	if err != nil {
		panic(err)
	}
	if err := srv.Start(); err != nil {
		panic(err)
	}
	defer srv.Close()
	resp, err := http.Get(srv.GraphURL() + "/users?$select=id,userType&$top=999")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, strings.Count(string(body), `"userType":"Guest"`), "guests")
	fmt.Println(srv.Stats().Operations, "operation")
	// Output:
	// 200 10 guests
	// 1 operation
}
