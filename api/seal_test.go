package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/seal"
)

// TestSealRoutes: the keys, checkpoints and consistency proofs are public;
// sealing takes the office or an admin; inclusion proofs and evidence
// packs take a reader in scope, and what they prove verifies.
func TestSealRoutes(t *testing.T) {
	d := newDistrict(t)
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	clerk := token(t, "clerk-u2", api.RoleClerk, "u2")
	p := must(t, d.post("/v1/pledges", clerk, map[string]any{"maker": "unit", "unit": "u2", "quarter": quarter,
		"category": "service_for_masses", "title": "为群众办实事", "content": "解决小区照明问题"}), 201, "pledge")
	stream := p.body["stream"].(string)

	sealer, vkey := d.serveSeals(t)

	if code, body := d.get("/v1/checkpoints/latest", ""); code != http.StatusNotFound {
		t.Errorf("latest before any seal: %d %s, want 404", code, body)
	}
	if r := d.post("/v1/checkpoints", clerk, map[string]any{}); r.status != http.StatusForbidden {
		t.Errorf("a clerk sealing: %d, want 403", r.status)
	}
	sealed := must(t, d.post("/v1/checkpoints", token(t, "admin-1", api.RoleAdmin), map[string]any{}), 200, "seal")
	size := uint64(sealed.body["size"].(float64))
	if err := sealer.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Public: no token.
	code, body := d.get("/v1/checkpoints/keys", "")
	var keys api.KeysAnswer
	if json.Unmarshal(body, &keys); code != 200 || len(keys.Keys) != 1 || keys.Keys[0] != vkey {
		t.Errorf("keys: %d %s", code, body)
	}
	trusted, _, _ := seal.Verifiers(vkey)
	var latest seal.Checkpoint
	code, body = d.get("/v1/checkpoints/latest", "")
	json.Unmarshal(body, &latest)
	if cp, err := seal.Open([]byte(latest.Note), trusted); code != 200 || err != nil || cp.Size != size {
		t.Fatalf("latest: %d %v %+v", code, err, cp)
	}
	if code, _ := d.get(fmt.Sprintf("/v1/checkpoints/%d", size), ""); code != 200 {
		t.Errorf("checkpoint by size: %d", code)
	}
	if code, _ := d.get("/v1/checkpoints/3", ""); code != http.StatusNotFound {
		t.Errorf("a size never sealed: %d, want 404", code)
	}
	if code, body := d.get("/v1/proofs/consistency?from=0&to=3", ""); code != http.StatusBadRequest {
		t.Errorf("consistency from 0: %d %s, want 400", code, body)
	}

	// Inclusion of the pledge's first event, in scope.
	var inc api.InclusionAnswer
	code, body = d.get("/v1/proofs/inclusion?stream="+stream+"&version=1", clerk)
	if json.Unmarshal(body, &inc); code != 200 {
		t.Fatalf("inclusion: %d %s", code, body)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, inc.LeafIndex, size, seal.LeafHash(&inc.Event), inc.Proof, latest.Root); err != nil {
		t.Errorf("the inclusion proof does not verify: %v", err)
	}
	other := token(t, "clerk-u6", api.RoleClerk, "u6")
	if code, _ := d.get("/v1/proofs/inclusion?stream="+stream+"&version=1", other); code != http.StatusForbidden {
		t.Errorf("inclusion out of scope: %d, want 403", code)
	}
	if code, _ := d.get("/v1/evidence/streams/"+stream, other); code != http.StatusForbidden {
		t.Errorf("evidence out of scope: %d, want 403", code)
	}
	if code, _ := d.get("/v1/evidence/streams/"+stream, ""); code != http.StatusUnauthorized {
		t.Errorf("evidence without a token: %d, want 401", code)
	}
	var pack seal.Pack
	code, body = d.get("/v1/evidence/streams/"+stream, clerk)
	if json.Unmarshal(body, &pack); code != 200 {
		t.Fatalf("evidence: %d %s", code, body)
	}
	if _, err := seal.VerifyPack(pack, trusted, nil); err != nil || len(pack.Events) != 1 {
		t.Errorf("the pack (%d events) does not verify: %v", len(pack.Events), err)
	}

	// A later event is not in the checkpoint: its proof is refused until
	// the next seal, and then it is given against that one.
	must(t, d.post("/v1/pledges/"+p.body["id"].(string)+"/withdraw", clerk, map[string]any{"reason": "重复"}), 200, "withdraw")
	if err := sealer.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, _ := d.get("/v1/proofs/inclusion?stream="+stream+"&version=2", clerk); code != http.StatusConflict {
		t.Errorf("proof of an unsealed event: %d, want 409", code)
	}
	second := must(t, d.post("/v1/checkpoints", token(t, "office-1", api.RoleOffice), map[string]any{}), 200, "seal again")
	if err := sealer.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, body := d.get("/v1/proofs/inclusion?stream="+stream+"&version=2", clerk); code != 200 {
		t.Errorf("proof after the next seal: %d %s", code, body)
	}
	code, body = d.get(fmt.Sprintf("/v1/evidence/streams/%s?since=%d", stream, size), clerk)
	if json.Unmarshal(body, &pack); code != 200 || len(pack.Events) != 2 {
		t.Fatalf("evidence since the first checkpoint: %d %s", code, body)
	}
	held, _ := seal.Open([]byte(latest.Note), trusted)
	if _, err := seal.VerifyPack(pack, trusted, &held); err != nil {
		t.Errorf("the pack against the second checkpoint, the first held: %v", err)
	}
	if uint64(second.body["size"].(float64)) <= size {
		t.Errorf("second checkpoint %v not after %d", second.body["size"], size)
	}
}

// TestUnitPack: the pack of a unit's subtree for a period holds its
// events recorded in the period that the checkpoint seals, and verifies.
func TestUnitPack(t *testing.T) {
	d := newDistrict(t)
	quarter := domain.QuarterOf(time.Now().In(domain.DefaultLocation())).String()
	clerk2, clerk6 := token(t, "clerk-u2", api.RoleClerk, "u2"), token(t, "clerk-u6", api.RoleClerk, "u6")
	for _, c := range []struct{ tok, unit string }{{clerk2, "u2"}, {clerk2, "u2"}, {clerk6, "u6"}} {
		must(t, d.post("/v1/pledges", c.tok, map[string]any{"maker": "unit", "unit": c.unit, "quarter": quarter,
			"category": "service_for_masses", "title": "为群众办实事", "content": "解决小区照明问题"}), 201, "pledge")
	}
	sealer, vkey := d.serveSeals(t)
	if _, err := sealer.SealLog(context.Background()); err != nil {
		t.Fatal(err)
	}
	today := domain.DateIn(time.Now(), domain.DefaultLocation())
	period := "from=" + today.AddDays(-1).String() + "&to=" + today.AddDays(1).String()
	superior := token(t, "superior-u1", api.RoleSuperior, "u1")
	code, body := d.get("/v1/evidence/units/u1?"+period, superior)
	var pack seal.Pack
	if json.Unmarshal(body, &pack); code != 200 {
		t.Fatalf("unit pack: %d %s", code, body)
	}
	// The subtree's units were registered today too: u1, u2, u3, the
	// setup's review remark of u2 and the two pledges of u2; nothing of
	// u5 or u6.
	pledges := 0
	for _, pe := range pack.Events {
		switch {
		case pe.Event.Unit != "u1" && pe.Event.Unit != "u2" && pe.Event.Unit != "u3":
			t.Errorf("the pack holds an event of %s", pe.Event.Unit)
		case pe.Event.Type == "pledge.submitted":
			pledges++
		}
	}
	if pledges != 2 || len(pack.Events) != 6 {
		t.Errorf("the pack of u1's subtree holds %d events, %d pledges; want 6 and 2", len(pack.Events), pledges)
	}
	trusted, _, _ := seal.Verifiers(vkey)
	if _, err := seal.VerifyPack(pack, trusted, nil); err != nil {
		t.Errorf("unit pack: %v", err)
	}
	if code, _ := d.get("/v1/evidence/units/u5?"+period, superior); code != http.StatusForbidden {
		t.Errorf("a unit out of scope: %d, want 403", code)
	}
	earlier := "from=" + today.AddDays(-10).String() + "&to=" + today.AddDays(-9).String()
	if code, _ := d.get("/v1/evidence/units/u1?"+earlier, superior); code != http.StatusNotFound {
		t.Errorf("a period with no events: %d, want 404", code)
	}
	if code, _ := d.get("/v1/evidence/units/u1?from="+today.String(), superior); code != http.StatusBadRequest {
		t.Errorf("no end to the period: %d, want 400", code)
	}
}

// serveSeals serves the district's commands and verifiable history with a
// sealer holding a fresh key, and returns it with its verifier key.
func (d *district) serveSeals(t *testing.T) (*seal.Sealer, string) {
	t.Helper()
	tree, err := seal.OpenTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	skey, vkey, _ := seal.GenerateKey("api-test")
	signer, _ := seal.LoadSigner(skey, "")
	h := command.NewHandler(d.log, catalog.New())
	sealer := &seal.Sealer{Log: d.log, Tree: tree, Handler: h, Signer: signer, Origin: "cxzy-ledger/api-test"}
	srv := httptest.NewServer((&api.Server{Verifier: api.HS256{Key: secret}, Commands: d.cmds, History: d.history,
		Seals: &api.Seals{Sealer: sealer, Log: d.log, Scope: api.Scope{Handler: h}, Keys: []string{vkey}}}).Handler())
	t.Cleanup(srv.Close)
	d.srv = srv
	return sealer, vkey
}
