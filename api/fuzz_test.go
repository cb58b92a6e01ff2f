package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/domain"
)

// FuzzCommands sends arbitrary bodies to every command route as the
// office (in scope everywhere): no request may panic or answer 5xx, and a
// refused one appends nothing. The seed corpus (valid and near-valid
// bodies of each route) runs in every `go test`.
func FuzzCommands(f *testing.F) {
	d := newDistrict(f)
	office := token(f, "office-1", api.RoleOffice)
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	deadline := domain.DateIn(time.Now(), domain.DefaultLocation()).AddDays(20).String()
	seeds := map[string]string{
		"/v1/pledges":        `{"maker":"unit","unit":"u2","quarter":"` + quarter + `","category":"stage_task","title":"完成任务","content":"按期完成"}`,
		"/v1/rectifications": `{"source":{"kind":"inspection","ref":"in-1","item":1},"unit":"u2","person":"李四","requirement":"整改","deadline":"` + deadline + `"}`,
		"/v1/reviews":        `{"form":"meeting","subject":"unit","unit_id":"u2","reviewer":"李书记","shortcomings":[{"text":"台账不全","orders_rectification":true}],"measures":["专人负责"]}`,
		"/v1/members":        `{"name":"王芳","unit_id":"u2"}`,
		"/v1/surveys":        `{"unit_id":"u2","period":"` + quarter + `","very_satisfied":3,"satisfied":2,"basically_satisfied":1,"dissatisfied":1}`,
		"/v1/themes":         `{"unit_id":"u3","quarter":"` + quarter + `","title":"主题"}`,
	}
	// Existing entities for the routes that act on one.
	ids := map[string]string{"areas": "a1", "units": "u2", "groups": "g1"}
	for path, body := range seeds {
		r := d.post(path, office, json.RawMessage(body))
		if id, ok := r.body["id"].(string); ok {
			ids[strings.Split(path, "/")[2]] = id
		}
	}
	routes := d.cmds.List()
	for i, rt := range routes {
		body := seeds[rt.Pattern]
		if body == "" {
			body = `{}`
		}
		f.Add(uint8(i), body)
		f.Add(uint8(i), `{"reason":"原因","note":"说明","name":"名称","evidence":[{"sha256":"`+strings.Repeat("ab", 32)+`","name":"a.jpg","size":1,"media_type":"image/jpeg"}]}`)
		f.Add(uint8(i), `{"deadline":"2026-02-30","quarter":"2026Q5","percent":101}`)
		f.Add(uint8(i), `[1,2,3]`)
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		d.t = t // helpers report to this input's test
		rt := routes[int(route)%len(routes)]
		path := rt.Pattern
		if strings.Contains(path, "{id}") {
			id := ids[strings.Split(path, "/")[2]]
			if id == "" {
				id = "missing"
			}
			path = strings.Replace(path, "{id}", id, 1)
		}
		before := d.head()
		r := d.post(path, office, json.RawMessage(body))
		if r.status >= 500 {
			t.Fatalf("%s answered %d to %q: %+v", path, r.status, body, r.problem)
		}
		if r.status >= 400 && d.head() != before {
			t.Fatalf("%s refused %q with %d but appended %d events", path, body, r.status, d.head()-before)
		}
		if r.status >= 400 && r.problem.Status != r.status {
			t.Fatalf("%s answered %d without a problem body", path, r.status)
		}
	})
}
