package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cxzy/ledger/domain"
)

// WhoAmI is what the console learns of its caller: who the token names,
// in which roles and scope it acts, and the deployment's zone every time
// on a page is shown in.
type WhoAmI struct {
	Subject string   `json:"subject"`
	Roles   []Role   `json:"roles"`
	Units   []string `json:"units,omitempty"` // clerk and superior scope: these units' subtrees
	Group   string   `json:"group,omitempty"` // inspector scope: this group's assignment
	Zone    string   `json:"zone"`            // IANA zone of business days, such as Asia/Shanghai
}

// sessionRoutes serves GET /v1/whoami to any authenticated caller.
func (s *Server) sessionRoutes(r chi.Router) {
	r.Get("/v1/whoami", func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFrom(r.Context())
		if !ok {
			WriteProblem(w, r, errNoPrincipal)
			return
		}
		loc := domain.DefaultLocation()
		if s.Reads != nil {
			loc = s.Reads.loc()
		}
		writeJSON(w, http.StatusOK, WhoAmI{Subject: p.Subject, Roles: p.Roles, Units: p.Units, Group: p.Group, Zone: loc.String()})
	})
}

// DevTokens mints development tokens for the console's login page with the
// embedded default's HS256 key. It lets anyone who reaches the server act
// as anyone, so ledgerd offers it only on a loopback address and only when
// asked to (--dev-login); production tokens come from the organisation's
// identity provider.
type DevTokens struct {
	Signer HS256
	TTL    time.Duration // 0: 8h
}

// DevTokenRequest is the body of POST /v1/dev/tokens.
type DevTokenRequest struct {
	Subject string   `json:"subject"`
	Roles   []string `json:"roles"`
	Units   []string `json:"units,omitempty"`
	Group   string   `json:"group,omitempty"`
}

// DevToken is its answer.
type DevToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (d *DevTokens) routes(r chi.Router) {
	r.Post("/v1/dev/tokens", func(w http.ResponseWriter, r *http.Request) {
		var req DevTokenRequest
		if err := DecodeJSON(w, r, &req); err != nil {
			WriteProblem(w, r, ProblemFor(err))
			return
		}
		p := Principal{Subject: strings.TrimSpace(req.Subject), Group: strings.TrimSpace(req.Group)}
		if p.Subject == "" {
			WriteProblem(w, r, NewProblem(http.StatusUnprocessableEntity, "请填写用户标识 (subject is required)", "subject"))
			return
		}
		if len(req.Roles) == 0 {
			WriteProblem(w, r, NewProblem(http.StatusUnprocessableEntity, "请至少选择一个角色 (roles is required)", "roles"))
			return
		}
		for i, s := range req.Roles {
			role, err := ParseRole(s)
			if err != nil {
				WriteProblem(w, r, NewProblem(http.StatusUnprocessableEntity, fmt.Sprintf("未知角色 %q (unknown role)", s), fmt.Sprintf("roles[%d]", i)))
				return
			}
			p.Roles = append(p.Roles, role)
		}
		for _, u := range req.Units {
			if u = strings.TrimSpace(u); u != "" {
				p.Units = append(p.Units, u)
			}
		}
		ttl := d.TTL
		if ttl == 0 {
			ttl = 8 * time.Hour
		}
		now := time.Now()
		tok, err := d.Signer.Mint(p, ttl, now)
		if err != nil {
			WriteProblem(w, r, ProblemFor(fmt.Errorf("mint a development token: %w", err)))
			return
		}
		writeJSON(w, http.StatusOK, DevToken{Token: tok, ExpiresAt: now.Add(ttl).UTC()})
	})
}
